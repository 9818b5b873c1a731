"""The password and logout routes through their handlers, on moto with the template's stack:
each AWS call they make passes the policy check of the integration suite (tests/integration/
iam.py records every call of a handler and refuses what its function's policy does not allow),
and what they change is checked on the tables and the user pool."""

from __future__ import annotations

import json
from typing import Any

from functions.auth import app as auth
from functions.users import app as users
from glimpse.adapters import cognito as cognito_adapter
from glimpse.models.sessions import SessionCutoff, user_pk
from glimpse.realtime import service as realtime
from infra.local import cognito
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user, call, unique_name

PASSWORD = "correct-horse-1"
NEW_PASSWORD = "violet-tangerine-kayak-9"


def account(stack: Stack) -> tuple[str, str, dict[str, Any]]:
    """A new account (username, user id) and its login's tokens."""
    name = unique_name()
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    status, created = call(auth.lambda_handler, "auth/signup", body)
    assert status == 201, created
    status, tokens = call(
        auth.lambda_handler, "auth/login", {"username": name, "password": PASSWORD}
    )
    assert status == 200, tokens
    return name, cognito_adapter.claims_of(tokens["id_token"])["sub"], tokens


def with_session(event: dict[str, Any], claims: dict[str, str], session: str) -> dict[str, Any]:
    """The event's authorizer claims with this sign-in's time and session (`origin_jti`)."""
    event["requestContext"]["authorizer"]["claims"].update(
        auth_time=claims["auth_time"], origin_jti=session
    )
    return event


def refreshes(token: str) -> int:
    return call(auth.lambda_handler, "auth/refresh", {"refresh_token": token})[0]


def test_forgot_and_reset_end_every_session(stack: Stack, auto_confirm: None) -> None:
    name, user_id, tokens = account(stack)
    assert call(auth.lambda_handler, "auth/forgot_password", {"username": name})[0] == 202
    assert call(auth.lambda_handler, "auth/forgot_password", {"username": unique_name()})[0] == 202
    code = cognito.reset_code(stack.ref("UserPoolClient"), name)
    assert code
    wrong = {"username": name, "code": "\u00e912345", "new_password": NEW_PASSWORD}
    assert call(auth.lambda_handler, "auth/reset_password", wrong)[0] == 400  # not a 500
    reset = {"username": name, "code": code, "new_password": NEW_PASSWORD}
    assert call(auth.lambda_handler, "auth/reset_password", reset)[0] == 204
    assert SessionCutoff.get(user_pk(user_id)).cutoff > 0
    assert refreshes(tokens["refresh_token"]) == 401
    login = {"username": name, "password": NEW_PASSWORD}
    assert call(auth.lambda_handler, "auth/login", login)[0] == 200


def test_change_password_keeps_the_callers_session(stack: Stack, auto_confirm: None) -> None:
    name, user_id, tokens = account(stack)
    claims = cognito_adapter.claims_of(tokens["id_token"])
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    event = with_session(
        as_user("users/change_password", user_id, name), claims, claims["origin_jti"]
    )
    event["body"] = json.dumps(body)
    response = users.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 204, response["body"]
    assert SessionCutoff.get(user_pk(user_id)).kept == {claims["origin_jti"]}
    assert refreshes(tokens["refresh_token"]) == 401  # Cognito revoked every refresh token
    mine = with_session(as_user("users/get_me", user_id, name), claims, claims["origin_jti"])
    assert users.lambda_handler(mine, FakeContext())["statusCode"] == 200  # the caller's goes on
    other = with_session(as_user("users/get_me", user_id, name), claims, "another-session")
    assert users.lambda_handler(other, FakeContext())["statusCode"] == 401


def test_logout_here_and_everywhere(stack: Stack, auto_confirm: None) -> None:
    name, user_id, tokens = account(stack)
    second = call(auth.lambda_handler, "auth/login", {"username": name, "password": PASSWORD})[1]
    out = {"refresh_token": tokens["refresh_token"]}
    assert call(auth.lambda_handler, "auth/logout", out)[0] == 204
    assert refreshes(tokens["refresh_token"]) == 401
    assert refreshes(second["refresh_token"]) == 200
    realtime.connect("open-connection-1", user_id)  # a WebSocket the account has open
    everywhere = {"refresh_token": second["refresh_token"], "all_devices": True}
    bearer = {"Authorization": f"Bearer {second['id_token']}", "Content-Type": "application/json"}
    status, _ = call(auth.lambda_handler, "auth/logout", everywhere, headers=bearer)
    assert status == 204
    assert SessionCutoff.get(user_pk(user_id)).cutoff > 0
    assert refreshes(second["refresh_token"]) == 401
    assert realtime._connections(user_id) == []  # closed at the gateway and forgotten
