"""Sign-up hygiene over HTTP, on a local cloud of its own: accounts are confirmed by emailed
code there (`AutoConfirmUsers=false`; the shared cloud confirms at once) and a sign-up left
unconfirmed for `UnconfirmedAccountTtlHours=0.001` (3.6 s) is removed by the unconfirmed
sweeper. Its schedule is hourly: the test fires it as EventBridge would (the local cloud's
schedule, an asynchronous invocation), instead of waiting for the hour."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from infra.local import cognito
from infra.local.cloud import LocalCloud
from infra.local.delivery import DeliveryOptions
from infra.local.delivery.schedules import fire
from tests.e2e.conftest import PASSWORD, Client, new_username
from tests.e2e.waiting import until

TTL_HOURS = "0.001"


@pytest.fixture(scope="module")
def hygiene() -> Iterator[LocalCloud]:
    cloud = LocalCloud(
        port=0,
        stack_name=f"su{uuid.uuid4().hex[:6]}",
        options=DeliveryOptions(retry_delay=0.2, ttl_interval=0.5, seed=3),
        parameters={
            "AutoConfirmUsers": "false",
            "UnconfirmedAccountTtlHours": TTL_HOURS,
            "RateLimitScale": "1000",
        },
    ).start()
    yield cloud
    cloud.stop()


def sign_up(cloud: LocalCloud, username: str, email: str | None = None) -> requests.Response:
    return Client(cloud.url).post(
        "/auth/signup",
        json={
            "username": username,
            "email": email or f"{username}@example.com",
            "password": PASSWORD,
        },
    )


def code_of(cloud: LocalCloud, username: str) -> str | None:
    return cognito.confirmation_code(str(cloud.ref("UserPoolClient")), username)


def test_a_lost_code_is_sent_again_and_only_the_new_one_confirms(hygiene: LocalCloud) -> None:
    name = new_username("late")
    created = sign_up(hygiene, name)
    assert created.status_code == 201, created.text
    assert created.json()["confirmed"] is False
    lost = code_of(hygiene, name)
    anonymous = Client(hygiene.url)
    for _ in range(3):  # six new digits each time (the same ones again: one in a million)
        resent = anonymous.post("/auth/resend-code", json={"username": name})
        assert (resent.status_code, resent.text) == (202, "")
        if code_of(hygiene, name) != lost:
            break
    fresh = code_of(hygiene, name)
    assert fresh not in (None, lost)
    wrong = anonymous.post("/auth/confirm", json={"username": name, "code": lost})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "bad_request"
    login = anonymous.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 403  # not confirmed yet
    confirmed = anonymous.post("/auth/confirm", json={"username": name, "code": fresh})
    assert confirmed.status_code == 204
    login = anonymous.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200


def test_every_caller_gets_the_same_answer_for_any_username(hygiene: LocalCloud) -> None:
    """No token is needed and none changes anything: anonymous or signed in, for an unknown,
    a confirmed or someone else's unconfirmed username, the answer is 202 and no body."""
    confirmed = new_username("done")
    assert sign_up(hygiene, confirmed).status_code == 201
    code = code_of(hygiene, confirmed)
    Client(hygiene.url).post("/auth/confirm", json={"username": confirmed, "code": code})
    pending = new_username("pend")
    assert sign_up(hygiene, pending).status_code == 201
    stranger = Client(hygiene.url, token="not-a-token")
    for caller in (Client(hygiene.url), stranger):
        for who in (confirmed, pending, new_username("nobody")):
            answer = caller.post("/auth/resend-code", json={"username": who})
            assert (answer.status_code, answer.text) == (202, ""), who
    assert code_of(hygiene, confirmed) is None  # a confirmed account gets no code
    bad = Client(hygiene.url).post("/auth/resend-code", json={"name": pending})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]


def test_an_expired_sign_up_frees_its_username_and_email(hygiene: LocalCloud) -> None:
    stale = new_username("stale")
    assert sign_up(hygiene, stale).status_code == 201
    taken = sign_up(hygiene, stale, email=f"other-{stale}@example.com")
    assert taken.status_code == 409
    keeper = sign_up_and_log_in_confirmed(hygiene)
    source = hygiene.delivery.schedules[("UnconfirmedSweeperFunction", "Sweep")]

    def swept_and_free() -> int:
        fire(hygiene.delivery, source, "UnconfirmedSweeperFunction.Sweep")
        return sign_up(hygiene, stale).status_code  # the same username and email

    # 409 until the sign-up is 3.6 s old and the eraser has run; then it is new again.
    assert until(swept_and_free, lambda status: status == 201, what="the username freed") == 201
    assert code_of(hygiene, stale)  # a new account, waiting for its own code
    me = keeper.get("/me")
    assert me.status_code == 200  # a confirmed account is never swept
    assert me.json()["username"] == keeper.username


def sign_up_and_log_in_confirmed(cloud: LocalCloud) -> Client:
    name = new_username("keeper")
    assert sign_up(cloud, name).status_code == 201
    client = Client(cloud.url, username=name)
    code = code_of(cloud, name)
    assert client.post("/auth/confirm", json={"username": name, "code": code}).status_code == 204
    login = client.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200
    client.token = login.json()["id_token"]
    return client
