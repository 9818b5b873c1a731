"""Which sign-ins are still sessions (glimpse/sessions.py), on the template's Sessions table:
the cut-off, the sessions it keeps, the sign-ins that began after it, and what the check costs."""

from __future__ import annotations

import time
import uuid

import pytest

from glimpse import sessions
from glimpse.models.sessions import SessionCutoff, user_pk
from tests.integration.conftest import Stack
from tests.integration.social import dynamodb_calls


def claims(signed_in: float, session: str = "") -> dict[str, str]:
    """A token's claims as API Gateway passes them on (strings)."""
    return {"auth_time": str(int(signed_in)), "origin_jti": session or str(uuid.uuid4())}


def test_sign_ins_before_the_cutoff_end_and_later_ones_do_not(stack: Stack) -> None:
    user = str(uuid.uuid4())
    before = claims(time.time() - 5)
    assert sessions.is_live(user, before)  # no cut-off: every session is live
    sessions.end(user)
    assert not sessions.is_live(user, before)
    assert sessions.is_live(user, claims(time.time() + 2))
    assert not sessions.is_live(user, {"origin_jti": "x"})  # no auth_time: not after the cut
    assert not sessions.is_live(user, {"auth_time": "soon", "origin_jti": "x"})


def test_the_asking_session_is_kept(stack: Stack) -> None:
    user, mine = str(uuid.uuid4()), str(uuid.uuid4())
    sessions.end(user, keep=mine)
    assert sessions.is_live(user, claims(time.time() - 60, mine))
    assert not sessions.is_live(user, claims(time.time() - 60))
    sessions.end(user)  # a later cut-off keeps nothing of the one before
    assert not sessions.is_live(user, claims(time.time() - 60, mine))


def test_a_sign_in_in_the_cutoffs_second_is_kept_only_if_it_began_after_it(stack: Stack) -> None:
    user = str(uuid.uuid4())
    early = time.time()
    sessions.end(user)
    cut = float(SessionCutoff.get(user_pk(user)).cutoff)
    same_second = claims(cut)  # auth_time is the cut-off's whole second
    assert not sessions.is_live(user, same_second)
    sessions.keep(user, same_second, started=early)  # asked Cognito before the cut: an old one
    assert not sessions.is_live(user, same_second)
    sessions.keep(user, same_second, started=cut + 0.001)  # asked after it: a new sign-in
    assert sessions.is_live(user, same_second)
    assert SessionCutoff.get(user_pk(user)).kept == {same_second["origin_jti"]}


def test_keeping_never_writes_into_a_newer_cutoff(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = str(uuid.uuid4())
    sessions.end(user)
    stale = SessionCutoff.get(user_pk(user))
    stale_cut = float(stale.cutoff)
    monkeypatch.setattr(sessions, "_cutoff", lambda *_a, **_k: stale)  # read before a new cut
    time.sleep(0.01)
    sessions.end(user)  # the newer cut-off
    late = claims(stale_cut)
    sessions.keep(user, late, started=stale_cut + 0.001)
    assert not SessionCutoff.get(user_pk(user)).kept  # the condition on the cut-off held


def test_the_check_reads_the_table_at_most_once_a_minute_per_account(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.client

    user, token = str(uuid.uuid4()), claims(time.time())
    reads: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client: object, operation: str, params: dict[str, object]) -> object:
        if "SessionsTable" in str(params.get("TableName")):
            reads.append(operation)
        return original(client, operation, params)  # type: ignore[arg-type]

    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    for _ in range(5):
        assert sessions.is_live(user, token)
    assert reads == ["GetItem"]
    clock[0] += sessions.CHECK_SECONDS + 1
    assert sessions.is_live(user, token)
    assert reads == ["GetItem", "GetItem"]
    with dynamodb_calls() as counted:  # what the access-pattern budgets leave out
        sessions.is_live(str(uuid.uuid4()), token)
    assert counted == []
