from __future__ import annotations

import json

import pytest

from functions.auth import app as auth
from functions.users import app as users
from glimpse import sessions
from glimpse.auth import service
from glimpse.auth.schemas import SignupIn
from glimpse.errors import GlimpseError
from glimpse.models.sessions import SessionCutoff, user_pk
from glimpse.models.users import UniqueClaim, UserProfile
from infra.local import cognito
from tests.conftest import FakeContext, load_event, run_concurrently
from tests.integration.conftest import Stack, call, unique_name

PASSWORD = "correct-horse-1"


def signup(username: str, email: str | None = None, password: str = PASSWORD) -> tuple[int, dict]:
    body = {"username": username, "email": email or f"{username}@example.com", "password": password}
    return call(auth.lambda_handler, "auth/signup", body)


def test_signup_creates_the_profile_and_claims(stack: Stack, auto_confirm: None) -> None:
    name = unique_name()
    status, body = signup(name.upper())
    assert status == 201
    assert body["confirmed"] is True
    assert body["user"]["username"] == name
    assert body["user"]["email"] == f"{name}@example.com"
    assert body["user"]["followers_count"] == 0
    claim = UniqueClaim.get(f"USERNAME#{name}", "CLAIM")
    assert claim.state == "active"
    profile = UserProfile.get(f"USER#{claim.user_id}", "PROFILE")
    assert profile.username == name


def test_username_is_unique_case_insensitively(stack: Stack, auto_confirm: None) -> None:
    name = unique_name()
    assert signup(name)[0] == 201
    status, body = signup(name.upper(), email=f"other-{name}@example.com")
    assert status == 409
    assert body["error"]["code"] == "conflict"
    assert body["error"]["details"][0]["field"] == "username"


def test_email_is_unique(stack: Stack, auto_confirm: None) -> None:
    name = unique_name()
    assert signup(name)[0] == 201
    status, body = signup(unique_name(), email=f"{name.upper()}@EXAMPLE.com")
    assert status == 409
    assert [d["field"] for d in body["error"]["details"]] == ["email"]


def test_weak_password_is_400_and_leaves_nothing_behind(stack: Stack) -> None:
    name = unique_name()
    status, body = signup(name, password="short")
    assert status == 400
    assert body["error"]["details"][0]["field"] == "password"
    with pytest.raises(UniqueClaim.DoesNotExist):
        UniqueClaim.get(f"USERNAME#{name}", "CLAIM")
    # the name is free again
    assert signup(name)[0] == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "email": "a@example.com", "password": PASSWORD}, "username"),
        ({"username": "has space", "email": "a@example.com", "password": PASSWORD}, "username"),
        ({"username": "valid_name", "email": "not-an-email", "password": PASSWORD}, "email"),
        ({"username": "valid_name", "email": "a@example.com"}, "password"),
    ],
)
def test_signup_validation_lists_the_failing_field(stack: Stack, body: dict, field: str) -> None:
    status, out = call(auth.lambda_handler, "auth/signup", body)
    assert status == 400
    assert out["error"]["code"] == "bad_request"
    assert field in [d["field"] for d in out["error"]["details"]]


def test_concurrent_signups_for_one_name_create_one_account(
    stack: Stack, auto_confirm: None
) -> None:
    """Eight Lambda containers racing: the service layer, concurrently (a handler module
    serves one invocation at a time, as in Lambda)."""
    name = unique_name()

    def attempt(i: int) -> int:
        body = SignupIn(
            username=name if i % 2 else name.upper(),
            email=f"{i}-{name}@example.com",
            password=PASSWORD,
        )
        try:
            service.signup(body)
        except GlimpseError as exc:
            return exc.status
        return 201

    results = run_concurrently(8, attempt)
    assert sorted(results) == [201] + [409] * 7
    pool = stack.ref("UserPool")
    users_found = stack.client("cognito-idp").list_users(
        UserPoolId=pool, Filter=f'username = "{name}"'
    )["Users"]
    assert len(users_found) == 1


def test_login_refresh_and_identical_failures(stack: Stack, auto_confirm: None) -> None:
    name = unique_name()
    signup(name)
    status, tokens = call(
        auth.lambda_handler, "auth/login", {"username": name.upper(), "password": PASSWORD}
    )
    assert status == 200
    assert set(tokens) == {
        "id_token",
        "access_token",
        "refresh_token",
        "expires_in",
        "pending_deletion",
    }
    assert tokens["pending_deletion"] is False
    wrong = call(auth.lambda_handler, "auth/login", {"username": name, "password": "nope-nope-1"})
    unknown = call(auth.lambda_handler, "auth/login", {"username": unique_name(), "password": "x"})
    assert wrong == unknown
    assert wrong[0] == 401
    status, refreshed = call(
        auth.lambda_handler, "auth/refresh", {"refresh_token": tokens["refresh_token"]}
    )
    assert status == 200
    assert set(refreshed) == {"id_token", "access_token", "expires_in"}
    status, _body = call(auth.lambda_handler, "auth/refresh", {"refresh_token": "garbage"})
    assert status == 401


def test_unconfirmed_account_confirms_with_the_code(stack: Stack) -> None:
    name = unique_name()
    status, body = signup(name)
    assert status == 201
    assert body["confirmed"] is False
    status, body = call(auth.lambda_handler, "auth/login", {"username": name, "password": PASSWORD})
    assert status == 403
    client_id = stack.ref("UserPoolClient")
    code = cognito.confirmation_code(client_id, name)
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    status, body = call(auth.lambda_handler, "auth/confirm", {"username": name, "code": wrong})
    assert status == 400
    assert body["error"]["details"][0]["field"] == "code"
    status, body = call(auth.lambda_handler, "auth/confirm", {"username": name, "code": code})
    assert (status, body) == (204, None)
    assert (
        call(auth.lambda_handler, "auth/login", {"username": name, "password": PASSWORD})[0] == 200
    )


def test_form_encoded_body_is_415(stack: Stack) -> None:
    event = load_event(
        "auth/login",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="username=a&password=b",
    )
    response = auth.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 415
    assert json.loads(response["body"])["error"]["code"] == "unsupported_media_type"


def test_users_handler_is_not_reachable_without_claims(stack: Stack) -> None:
    event = load_event("users/get_me")
    del event["requestContext"]["authorizer"]
    response = users.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 401


def test_a_login_in_its_accounts_cut_off_second_is_kept(
    stack: Stack, auto_confirm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auth_time` has whole seconds: a sign-in made in the second of a cut-off (a logout
    everywhere just before it) would be refused with the older ones, so the login route, which
    asked Cognito after the cut, keeps its session (glimpse.sessions.keep). The sign-in is put
    in that second by its claims: otherwise only a run's timing would."""
    name = unique_name()
    signup(name)
    body = {"username": name, "password": PASSWORD}
    status, first = call(auth.lambda_handler, "auth/login", body)
    assert status == 200, first
    read = service.cognito.claims_of
    user_id = read(first["id_token"])["sub"]
    sessions.end(user_id)
    cut = float(SessionCutoff.get(user_pk(user_id)).cutoff)
    in_its_second = {"auth_time": str(int(cut))}
    monkeypatch.setattr(
        service.cognito, "claims_of", lambda token: {**read(token), **in_its_second}
    )
    status, tokens = call(auth.lambda_handler, "auth/login", body)
    assert status == 200, tokens
    claims = {**read(tokens["id_token"]), **in_its_second}
    assert sessions.is_live(user_id, claims)
    assert SessionCutoff.get(user_pk(user_id)).kept == {claims["origin_jti"]}
