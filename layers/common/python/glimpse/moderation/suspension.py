"""A moderator's `suspend` and `unsuspend`: the account hidden as a deleted one is, and back.

Suspending disables the Cognito user first (no new sign-in or refresh), then in one
transaction moves the profile aside as a deletion does (glimpse.auth.leaving.move_aside:
`DeletedProfile` with `suspended_at` and no erasure due, the claim `suspended`) and emits
`account_suspended` (its likes, comments and follows leave others' counts: glimpse.withdrawal);
then every session ends (glimpse.sessions: its ID tokens are refused within 60 s), its refresh
tokens are revoked and its WebSocket connections closed. If the move fails, the Cognito user
is enabled again. Asking again redoes what is safe to redo (Cognito, sessions), so a
suspension that failed half-way is completed by the moderator's retry.

An account already deleted by its owner keeps waiting for erasure and is only marked
suspended (on the condition that its deletion is still there: a restore that wins the race
makes this move the restored profile aside instead); it cannot restore itself while marked.

Unsuspending undoes it (glimpse.auth.leaving.put_back): the profile back with the count
changes that arrived meanwhile, `account_unsuspended`, and the Cognito user enabled again.
"""

from __future__ import annotations

from glimpse import sessions
from glimpse.adapters import cognito
from glimpse.auth.leaving import move_aside, put_back
from glimpse.auth.service import end_sessions_elsewhere
from glimpse.clock import now
from glimpse.errors import Conflict
from glimpse.events import AccountSuspended, AccountUnsuspended
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.transactions import ConditionFailed, Contention, transaction
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk

ATTEMPTS = 3  # the profile or the item aside changed between the read and the write


def suspend(user_id: str) -> bool:
    """Whether the account's state changed (False: suspended already; what may have been left
    undone by an earlier attempt is done again)."""
    for _attempt in range(ATTEMPTS):
        aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED)
        profile = _profile(user_id) if aside is None else None
        username = str(aside.username if aside is not None else _name(profile))
        cognito.disable_user(username)
        if aside is not None and aside.is_suspended:
            _end_sessions(user_id, username)
            return False
        try:
            if aside is not None:
                _mark_deleted(aside)
            elif profile is not None:
                _move_aside(profile)
        except ConditionFailed:
            continue  # restored, deleted or changed meanwhile: read again
        except Exception:
            cognito.enable_user(username)
            raise
        _end_sessions(user_id, username)
        return True
    cognito.enable_user(username)
    raise Contention()


def _name(profile: UserProfile | None) -> str:
    return profile.username if profile is not None else ""


def _profile(user_id: str) -> UserProfile:
    profile = get_or_none(UserProfile, user_pk(user_id), PROFILE)
    if profile is None:
        raise Conflict("This account is neither active nor deleted.")
    return profile


def _mark_deleted(aside: DeletedProfile) -> None:
    """An account its owner deleted: marked, while its deletion (and no mark) is still there."""
    if not conditionally(
        lambda: aside.update(
            actions=[DeletedProfile.suspended_at.set(now())],
            condition=DeletedProfile.erasure_event_id.exists()
            & DeletedProfile.suspended_at.does_not_exist(),
        )
    ):
        raise ConditionFailed(set())


def _move_aside(profile: UserProfile) -> None:
    with transaction() as tx:
        move_aside(tx, profile, DeletedProfile.suspension(profile, now()), "suspended")
        tx.emit(AccountSuspended(user_id=profile.user_id))
    sessions.forget(profile.user_id)


def _end_sessions(user_id: str, username: str) -> None:
    sessions.end(user_id)
    end_sessions_elsewhere(user_id, username)


def unsuspend(user_id: str) -> bool:
    """Whether the account's state changed (False: not suspended; its Cognito user is enabled
    again all the same, in case an earlier attempt stopped before that)."""
    for _attempt in range(ATTEMPTS):
        aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED)
        if aside is None or not aside.is_suspended:
            profile = get_or_none(UserProfile, user_pk(user_id), PROFILE)
            name = aside.username if aside is not None else profile and profile.username
            if name:
                cognito.enable_user(str(name))
            return False
        try:
            if aside.is_leaving:  # its owner's deletion goes on: it may restore itself again
                if not _unmark(aside):
                    continue
            else:
                _put_back(aside)
        except ConditionFailed:
            continue  # a count changed on the item aside meanwhile: read it again
        sessions.forget(user_id)
        cognito.enable_user(aside.username)
        return True
    raise Contention()


def _unmark(aside: DeletedProfile) -> bool:
    return conditionally(
        lambda: aside.update(
            actions=[DeletedProfile.suspended_at.remove()],
            condition=DeletedProfile.suspended_at.exists(),
        )
    )


def _put_back(aside: DeletedProfile) -> None:
    profile = aside.restored()
    profile.updated_at = now()
    with transaction() as tx:
        put_back(tx, aside, profile)
        tx.emit(AccountUnsuspended(user_id=aside.user_id))
