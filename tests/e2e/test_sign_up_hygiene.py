"""Sign-up hygiene over HTTP, on a local cloud of its own (its own process: the functions of
one process share one environment, and this one differs): accounts are confirmed by emailed
code there (`AutoConfirmUsers=false`; the shared cloud confirms at once), read from its log as
a tester reads them, and a sign-up left unconfirmed for `UnconfirmedAccountTtlHours=0.005`
(18 s: the other tests confirm theirs well within it) is removed by the unconfirmed sweeper,
run every minute here (`UnconfirmedSweepSchedule`; hourly by default)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from tests.e2e.conftest import PASSWORD, Client, new_username
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.waiting import until

pytestmark = pytest.mark.long(70)  # seconds alone on an idle 2-core machine (conftest)


@pytest.fixture(scope="module")
def hygiene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    work = tmp_path_factory.mktemp("hygiene")
    log = work / "cloud.log"
    with local_cloud(
        free_ports(),
        work / "state",
        log,
        "--parameter",
        "AutoConfirmUsers=false",
        "--parameter",
        "UnconfirmedAccountTtlHours=0.005",
        "--parameter",
        "UnconfirmedSweepSchedule=rate(1 minute)",
    ) as url:
        yield SimpleNamespace(url=url, log=log)


def sign_up(cloud: Any, username: str, email: str | None = None) -> requests.Response:
    return Client(cloud.url).post(
        "/auth/signup",
        json={
            "username": username,
            "email": email or f"{username}@example.com",
            "password": PASSWORD,
        },
    )


def code_of(cloud: Any, username: str) -> str | None:
    """The last code the local Cognito "emailed" the account (printed in its log)."""
    found = re.findall(
        rf"confirmation code for {re.escape(username)}: (\d{{6}})", cloud.log.read_text()
    )
    return found[-1] if found else None


def test_a_lost_code_is_sent_again_and_only_the_new_one_confirms(hygiene: Any) -> None:
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


def test_every_caller_gets_the_same_answer_for_any_username(hygiene: Any) -> None:
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
    printed = hygiene.log.read_text().count(f"confirmation code for {confirmed}:")
    assert printed == 1  # its sign-up's only: a confirmed account gets no new code
    bad = Client(hygiene.url).post("/auth/resend-code", json={"name": pending})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]


def test_an_expired_sign_up_frees_its_username_and_email(hygiene: Any) -> None:
    stale = new_username("stale")
    assert sign_up(hygiene, stale).status_code == 201
    first = code_of(hygiene, stale)
    taken = sign_up(hygiene, stale, email=f"other-{stale}@example.com")
    assert taken.status_code == 409
    keeper = sign_up_and_log_in_confirmed(hygiene)

    # 409 until the sign-up is 18 s old, the sweeper's next run (each minute) has removed it
    # and the eraser has freed its claims; then the same username and email are new again.
    status = until(
        lambda: sign_up(hygiene, stale).status_code,
        lambda code: code == 201,
        what="the expired sign-up's username freed",
        deadline=150,
    )
    assert status == 201
    assert code_of(hygiene, stale) != first  # a new account, waiting for its own code
    me = keeper.get("/me")
    assert me.status_code == 200  # a confirmed account is never swept
    assert me.json()["username"] == keeper.username


def sign_up_and_log_in_confirmed(cloud: Any) -> Client:
    name = new_username("keeper")
    assert sign_up(cloud, name).status_code == 201
    client = Client(cloud.url, username=name)
    code = code_of(cloud, name)
    assert client.post("/auth/confirm", json={"username": name, "code": code}).status_code == 204
    login = client.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200
    client.token = login.json()["id_token"]
    return client
