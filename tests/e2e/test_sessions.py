"""API.md's passwords and sessions, over HTTP against the local cloud: the password rule at
sign-up, reset and change; forgot / reset with the emailed code (read where the local cloud
"emails" it); changing a password; logging out here and everywhere. An ended session's ID
token is refused within the minute the API allows (here at once: one process) and its
refresh token is refused."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from infra.local import cognito
from infra.local.cloud import LocalCloud
from tests.e2e.conftest import PASSWORD, Client, new_username, sign_up_and_log_in
from tests.e2e.waiting import until

NEW_PASSWORD = "violet-tangerine-kayak-9"
SESSION_DEADLINE = 70.0  # API.md: ended sessions are refused within 60 s


@dataclass
class Session:
    client: Client
    refresh_token: str


def log_in(cloud: LocalCloud, username: str, password: str = PASSWORD) -> Session:
    response = requests.post(
        f"{cloud.url}/auth/login", json={"username": username, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    return Session(Client(cloud.url, tokens["id_token"], username), tokens["refresh_token"])


def refresh(cloud: LocalCloud, token: str) -> requests.Response:
    return requests.post(f"{cloud.url}/auth/refresh", json={"refresh_token": token}, timeout=30)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def refused(session: Session) -> None:
    """Its ID token stops opening the API (within the minute API.md allows)."""
    until(
        lambda: session.client.get("/me").status_code,
        lambda status: status == 401,
        what=f"{session.client.username}'s ended session refused",
        deadline=SESSION_DEADLINE,
    )


def test_weak_passwords_are_refused_at_sign_up_with_advice(anonymous: Client) -> None:
    username = new_username("weak")
    email = f"{username}@example.com"
    for password, says in (
        ("password1", "common"),
        ("short", "8 to 256"),
        (f"My-{username}-pass", "username"),
        (f"x{email}", "email"),
    ):
        response = anonymous.post(
            "/auth/signup", json={"username": username, "email": email, "password": password}
        )
        assert response.status_code == 400, (password, response.text)
        error = error_of(response)
        assert error["code"] == "bad_request"
        assert {entry["field"] for entry in error["details"]} == {"password"}
        assert says in " ".join(entry["message"] for entry in error["details"]), error
    # nothing was created: the username and email are still free
    created = anonymous.post(
        "/auth/signup", json={"username": username, "email": email, "password": PASSWORD}
    )
    assert created.status_code == 201, created.text


def test_forgot_password_answers_the_same_for_any_username(
    cloud: LocalCloud, anonymous: Client
) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    known = anonymous.post("/auth/forgot-password", json={"username": alice.username})
    unknown = anonymous.post("/auth/forgot-password", json={"username": new_username()})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content == b""
    assert cognito.reset_code(cloud.ref("UserPoolClient"), alice.username)
    missing = anonymous.post("/auth/forgot-password", json={})
    assert missing.status_code == 400


def test_a_reset_with_the_emailed_code_ends_every_session(
    cloud: LocalCloud, anonymous: Client
) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    sessions = [log_in(cloud, alice.username), log_in(cloud, alice.username)]
    assert anonymous.post("/auth/forgot-password", json={"username": alice.username}).ok
    code = cognito.reset_code(cloud.ref("UserPoolClient"), alice.username)
    assert code
    assert len(code) == 6
    reset = {"username": alice.username, "code": code, "new_password": NEW_PASSWORD}

    wrong = anonymous.post(
        "/auth/reset-password", json={**reset, "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert error_of(wrong)["details"][0]["field"] == "code"
    weak = anonymous.post("/auth/reset-password", json={**reset, "new_password": "password1"})
    assert weak.status_code == 400
    assert error_of(weak)["details"][0]["field"] == "new_password"
    for session in sessions:  # neither changed anything
        assert session.client.get("/me").status_code == 200

    assert anonymous.post("/auth/reset-password", json=reset).status_code == 204
    for session in sessions:
        refused(session)
        assert refresh(cloud, session.refresh_token).status_code == 401
    old = anonymous.post("/auth/login", json={"username": alice.username, "password": PASSWORD})
    assert old.status_code == 401
    fresh = log_in(cloud, alice.username, NEW_PASSWORD)  # in the same second, too
    assert fresh.client.get("/me").status_code == 200
    assert refresh(cloud, fresh.refresh_token).status_code == 200
    again = anonymous.post("/auth/reset-password", json=reset)  # a code works once
    assert again.status_code == 400
    unknown = anonymous.post("/auth/reset-password", json={**reset, "username": new_username()})
    assert unknown.status_code == 400
    assert error_of(unknown) == error_of(again)


def test_a_password_change_keeps_the_callers_token_and_ends_the_other_sessions(
    cloud: LocalCloud,
) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    mine, other = log_in(cloud, alice.username), log_in(cloud, alice.username)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

    wrong = mine.client.post("/me/password", json={**change, "current_password": "Nope-nope-12"})
    assert wrong.status_code == 401
    weak = mine.client.post("/me/password", json={**change, "new_password": alice.username + "1"})
    assert weak.status_code == 400
    assert error_of(weak)["details"][0]["field"] == "new_password"
    assert other.client.get("/me").status_code == 200  # nothing ended yet

    assert mine.client.post("/me/password", json=change).status_code == 204
    refused(other)
    assert refresh(cloud, other.refresh_token).status_code == 401
    assert mine.client.get("/me").status_code == 200  # the caller's session goes on...
    # ...until its ID token expires: Cognito revokes every refresh token of the account
    assert refresh(cloud, mine.refresh_token).status_code == 401
    assert log_in(cloud, alice.username, NEW_PASSWORD).client.get("/me").status_code == 200
    old = requests.post(
        f"{cloud.url}/auth/login",
        json={"username": alice.username, "password": PASSWORD},
        timeout=30,
    )
    assert old.status_code == 401


def test_the_local_cloud_says_what_of_cognito_it_does_not_emulate(cloud: LocalCloud) -> None:
    reported = [line for line in cloud.report_lines if line.startswith("NOT EMULATED: Cognito")]
    assert any("RevokeToken on access tokens" in line for line in reported)
    assert any("emails" in line for line in reported)


def test_logout_revokes_the_refresh_token(cloud: LocalCloud, anonymous: Client) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    session, other = log_in(cloud, alice.username), log_in(cloud, alice.username)
    out = anonymous.post("/auth/logout", json={"refresh_token": session.refresh_token})
    assert out.status_code == 204
    assert refresh(cloud, session.refresh_token).status_code == 401
    assert (
        anonymous.post("/auth/logout", json={"refresh_token": session.refresh_token}).status_code
        == 204
    )
    assert refresh(cloud, other.refresh_token).status_code == 200  # the other device: still in
    assert other.client.get("/me").status_code == 200


def test_logout_everywhere_ends_every_session_of_that_account_only(
    cloud: LocalCloud, anonymous: Client
) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    bob = sign_up_and_log_in(cloud, "bob")
    here, there = log_in(cloud, alice.username), log_in(cloud, alice.username)
    everywhere = {"refresh_token": here.refresh_token, "all_devices": True}

    no_bearer = anonymous.post("/auth/logout", json=everywhere)
    assert no_bearer.status_code == 401
    not_hers = bob.post("/auth/logout", json=everywhere)  # bob's token, alice's refresh token
    assert not_hers.status_code == 401
    assert there.client.get("/me").status_code == 200  # nothing ended
    assert refresh(cloud, there.refresh_token).status_code == 200

    with connect(f"{cloud.websocket_url}/?token={there.client.token}", open_timeout=30) as live:
        assert here.client.post("/auth/logout", json=everywhere).status_code == 204
        with pytest.raises(ConnectionClosed):  # its open connection is closed
            live.recv(timeout=SESSION_DEADLINE)
    for session in (here, there):
        refused(session)
        assert refresh(cloud, session.refresh_token).status_code == 401
    with (  # nor does an ended one connect to the WebSocket API
        pytest.raises(InvalidStatus, match="401"),
        connect(f"{cloud.websocket_url}/?token={there.client.token}", open_timeout=30),
    ):
        pass
    assert bob.get("/me").status_code == 200
    assert log_in(cloud, alice.username).client.get("/me").status_code == 200


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_a_login_from_a_new_device_notifies_the_account(cloud: LocalCloud) -> None:
    """API.md: a login from a device not seen for 90 days creates a `login` notification
    naming the device and the time; a known device and the first login ever do not."""
    user = sign_up_and_log_in(cloud, "alerted")  # the first sign-in: every device is new

    def log_in_with(agent: str) -> None:
        response = requests.post(
            f"{cloud.url}/auth/login",
            json={"username": user.username, "password": PASSWORD},
            headers={"User-Agent": agent},
            timeout=30,
        )
        assert response.status_code == 200, response.text

    def logins() -> list[dict[str, Any]]:
        items = user.get("/notifications").json()["items"]
        return [n for n in items if n["type"] == "login"]

    log_in_with(requests.utils.default_user_agent())  # the device the sign-up's login used
    log_in_with(FIREFOX)
    (alert,) = until(logins, what="a login notification")
    assert alert["actors"] == []
    assert alert["text"].startswith("New login from Firefox on Linux on ")
    assert alert["text"].endswith(" UTC")
    log_in_with(FIREFOX)  # now a known device
    time.sleep(1.0)
    assert len(logins()) == 1
