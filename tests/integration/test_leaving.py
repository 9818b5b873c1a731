"""`DELETE /me` and `POST /me/restore` through the users handler, on moto with the template's
stack and the integration suite's IAM recorder (tests/integration/iam.py): what each writes,
checked on the tables; and that a restore after erasure began is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.users import app as users
from glimpse.adapters import cognito as cognito_adapter
from glimpse.models.base import get_or_none
from glimpse.models.outbox import OutboxEvent, later_key
from glimpse.models.sessions import SessionCutoff
from glimpse.models.users import (
    CLAIM,
    DELETED,
    PROFILE,
    DeletedProfile,
    UniqueClaim,
    UserProfile,
    user_pk,
    username_pk,
)
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user
from tests.integration.test_passwords import PASSWORD, account, with_session


def invoke(name: str, user_id: str, username: str, claims: dict[str, str], body: Any = None):
    event = with_session(as_user(name, user_id, username), claims, claims["origin_jti"])
    event["body"] = json.dumps(body) if body is not None else None
    response = users.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_delete_moves_the_profile_aside_and_restore_brings_it_back(
    stack: Stack, auto_confirm: None
) -> None:
    name, user_id, tokens = account(stack)
    claims = cognito_adapter.claims_of(tokens["id_token"])
    before = UserProfile.get(user_pk(user_id), PROFILE)

    status, body = invoke("users/delete_me", user_id, name, claims, {"password": "wrong-1"})
    assert status == 401, body
    assert get_or_none(UserProfile, user_pk(user_id), PROFILE) is not None

    status, body = invoke("users/delete_me", user_id, name, claims, {"password": PASSWORD})
    assert status == 202, body
    erase_after = datetime.fromisoformat(body["erase_after"])
    assert erase_after - datetime.now(UTC) > timedelta(days=29)
    assert get_or_none(UserProfile, user_pk(user_id), PROFILE) is None
    aside = DeletedProfile.get(user_pk(user_id), DELETED)
    assert (aside.username, aside.erase_after) == (name, erase_after)
    assert UniqueClaim.get(username_pk(name), CLAIM).state == "deleted"
    due = OutboxEvent.get(*later_key(aside.erasure_event_id))
    assert (due.type, json.loads(due.body)["user_id"]) == ("account_erased", user_id)
    assert abs(due.expires_at.timestamp() - erase_after.timestamp()) < 1
    assert SessionCutoff.get(user_pk(user_id)).erase_after == erase_after.timestamp()

    # The deleting session is over; a new sign-in may restore, and only that.
    status, _ = invoke("users/get_me", user_id, name, claims)
    assert status == 401
    later = {**claims, "auth_time": str(int(claims["auth_time"]) + 10), "origin_jti": "later"}
    assert invoke("users/get_me", user_id, name, later)[0] == 403
    assert invoke("users/restore_me", user_id, name, later)[0] == 204

    restored = UserProfile.get(user_pk(user_id), PROFILE)
    assert restored.username == before.username
    assert restored.created_at == before.created_at
    assert get_or_none(DeletedProfile, user_pk(user_id), DELETED) is None
    assert get_or_none(OutboxEvent, *later_key(aside.erasure_event_id)) is None
    assert UniqueClaim.get(username_pk(name), CLAIM).state == "active"
    assert SessionCutoff.get(user_pk(user_id)).erase_after is None
    assert invoke("users/get_me", user_id, name, later)[0] == 200
    assert invoke("users/restore_me", user_id, name, later)[0] == 409


def test_a_restore_after_erasure_began_is_refused_and_changes_nothing(
    stack: Stack, auto_confirm: None
) -> None:
    name, user_id, tokens = account(stack)
    claims = cognito_adapter.claims_of(tokens["id_token"])
    assert invoke("users/delete_me", user_id, name, claims, {"password": PASSWORD})[0] == 202
    aside = DeletedProfile.get(user_pk(user_id), DELETED)
    OutboxEvent(*later_key(aside.erasure_event_id)).delete()  # what DynamoDB's TTL does when due

    later = {**claims, "auth_time": str(int(claims["auth_time"]) + 10), "origin_jti": "later"}
    status, body = invoke("users/restore_me", user_id, name, later)
    assert status == 409
    assert "Erasure has begun" in body["error"]["message"]
    assert get_or_none(UserProfile, user_pk(user_id), PROFILE) is None
    assert get_or_none(DeletedProfile, user_pk(user_id), DELETED) is not None
