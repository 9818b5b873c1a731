from __future__ import annotations

import json
from typing import Any

import pytest

from functions.auth import app as auth
from functions.users import app as users
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user, call, unique_name


@pytest.fixture
def alice(stack: Stack, auto_confirm: None) -> dict[str, str]:
    name = unique_name("alice")
    status, _body = call(
        auth.lambda_handler,
        "auth/signup",
        {"username": name, "email": f"{name}@example.com", "password": "correct-horse-1"},
    )
    assert status == 201
    attributes = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.ref("UserPool"), Username=name
    )["UserAttributes"]
    sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
    return {"id": sub, "username": name}


def invoke(event: dict[str, Any]) -> tuple[int, Any]:
    response = users.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_get_me_includes_email(alice: dict[str, str]) -> None:
    status, body = invoke(as_user("users/get_me", alice["id"], alice["username"]))
    assert status == 200
    assert body["username"] == alice["username"]
    assert body["email"] == f"{alice['username']}@example.com"
    assert body["follow_status"] == "none"


def test_patch_me_changes_only_given_fields(alice: dict[str, str]) -> None:
    event = as_user(
        "users/patch_me",
        alice["id"],
        alice["username"],
        body=json.dumps({"bio": "Bridges at dusk.", "is_private": True}),
    )
    status, body = invoke(event)
    assert status == 200
    assert (body["bio"], body["is_private"], body["display_name"]) == ("Bridges at dusk.", True, "")
    status, body = invoke(as_user("users/get_me", alice["id"], alice["username"]))
    assert body["bio"] == "Bridges at dusk."


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"bio": "x" * 151}, "bio"),
        ({"display_name": "y" * 65}, "display_name"),
        ({"is_private": "maybe"}, "is_private"),
        ({"username": "renamed"}, "username"),
    ],
)
def test_invalid_patch_is_400_and_changes_nothing(
    alice: dict[str, str], patch: dict[str, Any], field: str
) -> None:
    before = invoke(as_user("users/get_me", alice["id"], alice["username"]))[1]
    status, body = invoke(
        as_user("users/patch_me", alice["id"], alice["username"], body=json.dumps(patch))
    )
    assert status == 400
    assert field in [d["field"] for d in body["error"]["details"]]
    assert invoke(as_user("users/get_me", alice["id"], alice["username"]))[1] == before


def test_get_user_is_case_insensitive_and_hides_email(alice: dict[str, str]) -> None:
    event = as_user(
        "users/get_user",
        "someone-else",
        "someone",
        path=f"/users/{alice['username'].upper()}",
        pathParameters={"username": alice["username"].upper()},
    )
    status, body = invoke(event)
    assert status == 200
    assert body["username"] == alice["username"]
    assert "email" not in body


def test_unknown_user_is_404(stack: Stack) -> None:
    event = as_user(
        "users/get_user",
        "x",
        "x",
        path="/users/nobody_here",
        pathParameters={"username": "nobody_here"},
    )
    status, body = invoke(event)
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_me_for_a_deleted_profile_is_404(stack: Stack) -> None:
    status, _body = invoke(as_user("users/get_me", "no-such-user-id", "ghost"))
    assert status == 404
