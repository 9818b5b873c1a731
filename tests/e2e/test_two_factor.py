"""API.md's two-factor authentication, over HTTP against the local cloud, with codes from
`pyotp` as an authenticator app makes them: enrolment, verification, the login challenge and
`POST /auth/login/totp`, turning it off with a code; a code works once, the step either side
of now is accepted, wrong codes are limited, and Cognito's own sign-in cannot go around it."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests
from botocore.exceptions import ClientError

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import PASSWORD, Client, sign_up_and_log_in
from tests.e2e.waiting import until

STEP = 30
CHROME_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


class Authenticator:
    """An authenticator app: each code it gives is for a newer 30-second step than the last
    one (a code works once), within the step either side of now that the API accepts."""

    def __init__(self, secret: str) -> None:
        self.otp = pyotp.TOTP(secret)
        self.last_step = 0
        self.last_code = ""

    def code(self) -> str:
        now = time.time()
        # The step before now only while it stays in the window for 10 s more (a slow request
        # must not see it expire), else now; a step ahead once those are used.
        oldest = int(now // STEP) - (1 if now % STEP < STEP - 10 else 0)
        step = max(self.last_step + 1, oldest)
        while step > int(time.time() // STEP) + 1:  # used up the window: wait for the clock
            time.sleep(1.0)
        self.last_step, self.last_code = step, self.otp.generate_otp(step)
        return self.last_code

    def peek(self) -> str:
        """The code `code` would give next, without using it up."""
        return self.otp.generate_otp(max(self.last_step + 1, int(time.time() // STEP)))

    def wrong(self) -> str:
        near = {self.otp.generate_otp(int(time.time() // STEP) + d) for d in range(-2, 3)}
        return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in near)


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


def send(
    cloud: LocalCloud, path: str, body: dict[str, str], agent: str | None
) -> requests.Response:
    headers = {"User-Agent": agent} if agent else {}
    return requests.post(f"{cloud.url}{path}", json=body, headers=headers, timeout=30)


def log_in(cloud: LocalCloud, username: str, agent: str | None = None) -> requests.Response:
    return send(cloud, "/auth/login", {"username": username, "password": PASSWORD}, agent)


def answer(
    cloud: LocalCloud, session: str, code: str, agent: str | None = None
) -> requests.Response:
    return send(cloud, "/auth/login/totp", {"session": session, "code": code}, agent)


def turn_on(user: Client) -> Authenticator:
    enrolled = user.post("/me/totp")
    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert user.username in uri.path
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Glimpse"]
    app = Authenticator(body["secret"])
    verified = user.post("/me/totp/verify", json={"code": app.code()})
    assert verified.status_code == 204, verified.text
    return app


def challenge_of(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"challenge", "session"}, body  # no token before the code
    assert body["challenge"] == "totp"
    return str(body["session"])


def test_two_factor_from_enrolment_to_turning_it_off(cloud: LocalCloud) -> None:
    user = sign_up_and_log_in(cloud, "twofa")
    # a code from a secret that was never verified turns nothing on
    enrolled = user.post("/me/totp").json()
    unverified = Authenticator(enrolled["secret"])
    wrong = user.post("/me/totp/verify", json={"code": unverified.wrong()})
    assert wrong.status_code == 400
    assert error_code(wrong) == "bad_request"
    assert "id_token" in log_in(cloud, user.username).json()  # still a plain sign-in

    app = turn_on(user)  # a new enrolment replaces the unverified one
    assert user.post("/me/totp").status_code == 409  # on: turn it off first

    # the login answers a challenge; the right code answers the tokens, once
    session = challenge_of(log_in(cloud, user.username))
    assert answer(cloud, session, app.wrong()).status_code == 401
    tokens = answer(cloud, session, app.code(), CHROME_ON_MAC)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert 0 < body["expires_in"] <= 3600
    assert body["pending_deletion"] is False
    assert Client(cloud.url, body["id_token"], user.username).get("/me").status_code == 200
    refreshed = requests.post(
        f"{cloud.url}/auth/refresh", json={"refresh_token": body["refresh_token"]}, timeout=30
    )
    assert refreshed.status_code == 200, refreshed.text
    assert answer(cloud, session, app.peek()).status_code == 401  # the session is spent

    # a code works once, even in a new sign-in
    replayed = answer(cloud, challenge_of(log_in(cloud, user.username)), app.last_code)
    assert replayed.status_code == 401
    assert error_code(replayed) == "unauthorized"

    # the sign-in from a new device raised the usual alert, after the code
    def alerts() -> list[dict[str, Any]]:
        items = user.get("/notifications").json()["items"]
        return [n for n in items if n["type"] == "login"]

    (alert,) = until(alerts, what="a login notification for the two-factor sign-in")
    assert alert["text"].startswith("New login from Chrome on macOS on "), alert

    # off only with a right code; then a password is enough again
    assert user.delete("/me/totp", json={"code": app.wrong()}).status_code == 401
    assert user.delete("/me/totp", json={"code": "12345"}).status_code == 400
    assert user.delete("/me/totp", json={"code": app.code()}).status_code == 204
    assert user.delete("/me/totp", json={"code": app.wrong()}).status_code == 409
    plain = log_in(cloud, user.username)
    assert plain.status_code == 200
    assert "id_token" in plain.json()


def test_wrong_codes_are_limited_and_sessions_are_opaque(cloud: LocalCloud) -> None:
    user = sign_up_and_log_in(cloud, "guessed")
    app = turn_on(user)
    session = challenge_of(log_in(cloud, user.username))
    for garbage in ("not-a-session", session[:-2] + "xx"):
        assert answer(cloud, garbage, app.wrong()).status_code == 401
    assert answer(cloud, "", app.wrong()).status_code == 400
    for _ in range(5):
        assert answer(cloud, session, app.wrong()).status_code == 401
    limited = answer(cloud, session, app.code())
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["Retry-After"]) > 0
    assert user.delete("/me/totp", json={"code": app.code()}).status_code == 429


def test_cognito_offers_no_sign_in_around_the_code(cloud: LocalCloud) -> None:
    """The app client's id is public: were a password flow open on it, anyone with the
    password could get tokens from Cognito directly, without the code."""
    user = sign_up_and_log_in(cloud, "bypass")
    turn_on(user)
    idp = cloud.provisioner.client("cognito-idp")
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(
            ClientId=cloud.ref("UserPoolClient"),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user.username, "PASSWORD": PASSWORD},
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
