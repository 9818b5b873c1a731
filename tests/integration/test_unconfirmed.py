"""Sign-up hygiene: `POST /auth/resend-code`, and the unconfirmed sweeper removing sign-ups
never confirmed within `UnconfirmedAccountTtlHours` (their username and email free again)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from functions.auth import app as auth
from functions.unconfirmed_sweeper import app as sweeper
from glimpse.config import get_settings
from glimpse.models.base import get_or_none
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UniqueClaim, UserProfile
from infra.local import cognito
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack, call, unique_name
from tests.integration.social import settle
from tests.integration.test_auth import signup


def _user_id(name: str) -> str:
    return str(UniqueClaim.get(f"USERNAME#{name}", "CLAIM").user_id)


def _confirm(stack: Stack, name: str) -> None:
    code = cognito.confirmation_code(stack.ref("UserPoolClient"), name)
    status, _ = call(auth.lambda_handler, "auth/confirm", {"username": name, "code": code})
    assert status == 204


def test_a_new_code_replaces_the_lost_one_and_every_answer_is_the_same(stack: Stack) -> None:
    client_id = stack.ref("UserPoolClient")
    name = unique_name()
    status, body = signup(name)
    assert (status, body["confirmed"]) == (201, False)
    first = cognito.confirmation_code(client_id, name)
    for _ in range(3):  # a new code each time (the same six digits again: one in a million)
        status, out = call(auth.lambda_handler, "auth/resend_code", {"username": name.upper()})
        assert (status, out) == (202, None)
        if cognito.confirmation_code(client_id, name) != first:
            break
    second = cognito.confirmation_code(client_id, name)
    assert second != first
    status, out = call(auth.lambda_handler, "auth/confirm", {"username": name, "code": first})
    assert (status, out["error"]["code"]) == (400, "bad_request")  # the old code is dead
    _confirm(stack, name)

    # A confirmed account and no account at all get the same answer, and no code is made.
    for who in (name, unique_name()):
        assert call(auth.lambda_handler, "auth/resend_code", {"username": who}) == (202, None)
        assert cognito.confirmation_code(client_id, who) is None


@pytest.mark.parametrize("body", [{}, {"username": ""}, {"username": "a", "extra": 1}])
def test_a_bad_resend_request_is_a_400(stack: Stack, body: dict[str, Any]) -> None:
    status, out = call(auth.lambda_handler, "auth/resend_code", body)
    assert (status, out["error"]["code"]) == (400, "bad_request")


@pytest.fixture
def short_ttl(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    """Unconfirmed sign-ups older than 3 s are removed (UnconfirmedAccountTtlHours=3/3600)."""
    seconds = 3.0
    monkeypatch.setenv("UNCONFIRMED_ACCOUNT_TTL_HOURS", str(seconds / 3600))
    get_settings.cache_clear()
    yield seconds
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_sweeper_removes_old_unconfirmed_sign_ups_and_frees_their_names(
    stack: Stack, short_ttl: float
) -> None:
    old, confirmed, young = unique_name(), unique_name(), unique_name()
    assert signup(old)[0] == signup(confirmed)[0] == 201
    _confirm(stack, confirmed)
    time.sleep(short_ttl + 1.5)  # Cognito's creation times have whole seconds
    assert signup(young)[0] == 201
    ids = {name: _user_id(name) for name in (old, confirmed, young)}

    run = sweeper.lambda_handler(load_event("unconfirmed_sweeper/scheduled"), FakeContext())
    assert run["finished"] is True
    assert run["removed"] >= 1  # the old one, and any other test's left unconfirmed

    # The old sign-up is on its way out: aside, its name held until the eraser has run.
    assert get_or_none(UserProfile, f"USER#{ids[old]}", PROFILE) is None
    assert get_or_none(DeletedProfile, f"USER#{ids[old]}", DELETED) is not None
    assert UniqueClaim.get(f"USERNAME#{old}", "CLAIM").state == "deleted"
    assert signup(old, email=f"new-{old}@example.com")[0] == 409
    # The confirmed account and the young sign-up are untouched.
    for name in (confirmed, young):
        assert get_or_none(UserProfile, f"USER#{ids[name]}", PROFILE) is not None

    settle()  # account_deleted, account_erased: the eraser deletes the user, frees both claims
    assert get_or_none(DeletedProfile, f"USER#{ids[old]}", DELETED) is None
    assert get_or_none(UniqueClaim, f"EMAIL#{old}@example.com", "CLAIM") is None
    status, body = signup(old)  # the same username and email, taken again
    assert status == 201, body
    assert _user_id(old) != ids[old]  # a new account
    assert signup(young, email=f"new-{young}@example.com")[0] == 409

    # A second run finds nothing more of it to do (the new sign-up is young).
    again = sweeper.lambda_handler(load_event("unconfirmed_sweeper/scheduled"), FakeContext())
    assert again["finished"] is True
    assert get_or_none(UserProfile, f"USER#{_user_id(old)}", PROFILE) is not None


def test_a_sign_up_that_died_before_its_profile_leaves_nothing_behind(
    stack: Stack, short_ttl: float
) -> None:
    """The Cognito user of a sign-up whose function died before writing the profile has nothing
    for the eraser to find: the sweeper deletes it itself (its claims stay `pending`, taken
    over by the next sign-up once stale)."""
    pool = stack.client("cognito-idp")
    name = unique_name()
    pool.sign_up(
        ClientId=stack.ref("UserPoolClient"),
        Username=name,
        Password="correct-horse-1",
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )
    time.sleep(short_ttl + 1.5)
    sweeper.lambda_handler(load_event("unconfirmed_sweeper/scheduled"), FakeContext())
    with pytest.raises(pool.exceptions.UserNotFoundException):
        pool.admin_get_user(UserPoolId=stack.ref("UserPool"), Username=name)
    assert signup(name)[0] == 201  # no claim was ever made: the name is free
