"""A moderator's `suspend` and `unsuspend`: the account hidden as a deleted one is, and back.

Suspending disables the Cognito user first (no new sign-in or refresh), then in one
transaction moves the profile aside as a deletion does (`DeletedProfile`, with `suspended_at`
and no erasure due), marks the username claim `suspended` (nobody finds or takes the name),
and emits `account_suspended` (its likes, comments and follows leave others' counts:
glimpse.withdrawal); then every session ends (glimpse.sessions: its ID tokens are refused
within 60 s), its refresh tokens are revoked and its WebSocket connections closed.

An account already deleted by its owner keeps waiting for erasure and is only marked
suspended: it cannot sign in to restore itself while the mark is there.

Unsuspending undoes it: the profile back with the count changes that arrived meanwhile,
`account_unsuspended`, and the Cognito user enabled again.
"""

from __future__ import annotations

from glimpse import sessions
from glimpse.adapters import cognito
from glimpse.auth.leaving import pending_as_read
from glimpse.auth.service import end_sessions_elsewhere
from glimpse.clock import now
from glimpse.errors import Conflict
from glimpse.events import AccountSuspended, AccountUnsuspended
from glimpse.models.base import get_or_none
from glimpse.models.transactions import ConditionFailed, Contention, transaction
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

ATTEMPTS = 3  # the profile changed by a counter between the read and the write: read again


def suspend(user_id: str) -> bool:
    """Whether anything changed (False: suspended already)."""
    aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED)
    if aside is not None and aside.is_suspended:
        return False
    username = aside.username if aside is not None else _profile(user_id).username
    cognito.disable_user(username)
    if aside is not None:  # deleted by its owner: it stays so, and cannot come back meanwhile
        aside.update(
            actions=[DeletedProfile.suspended_at.set(now())], condition=DeletedProfile.pk.exists()
        )
    else:
        _move_aside(user_id)
    sessions.end(user_id)
    end_sessions_elsewhere(user_id, username)
    return True


def _profile(user_id: str) -> UserProfile:
    profile = get_or_none(UserProfile, user_pk(user_id), PROFILE)
    if profile is None:
        raise Conflict("This account is neither active nor deleted.")
    return profile


def _move_aside(user_id: str) -> None:
    for _attempt in range(ATTEMPTS):
        profile = _profile(user_id)
        try:
            with transaction() as tx:
                tx.delete(profile, condition=UserProfile.revision == profile.revision)
                tx.save(
                    DeletedProfile.suspension(profile, now()),
                    condition=DeletedProfile.pk.does_not_exist(),
                )
                _claim(tx, profile.username, user_id, "suspended")
                tx.emit(AccountSuspended(user_id=user_id))
            sessions.forget(user_id)
            return
        except ConditionFailed:
            continue
    raise Contention()


def _claim(tx: object, username: str, user_id: str, state: str) -> None:
    tx.update(  # type: ignore[attr-defined]
        UniqueClaim(username_pk(username), CLAIM),
        actions=[UniqueClaim.state.set(state)],
        condition=UniqueClaim.user_id == user_id,
    )


def unsuspend(user_id: str) -> bool:
    """Whether anything changed (False: not suspended)."""
    for _attempt in range(ATTEMPTS):
        aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED)
        if aside is None or not aside.is_suspended:
            return False
        if aside.is_leaving:  # its owner's deletion goes on: it may restore itself again
            aside.update(
                actions=[DeletedProfile.suspended_at.remove()],
                condition=DeletedProfile.pk.exists(),
            )
            break
        profile = aside.restored()
        profile.updated_at = now()
        try:
            with transaction() as tx:
                tx.delete(aside, condition=pending_as_read(aside))
                tx.save(profile, condition=UserProfile.pk.does_not_exist())
                _claim(tx, aside.username, user_id, "active")
                tx.emit(AccountUnsuspended(user_id=user_id))
            break
        except ConditionFailed:
            continue  # a count changed on the item aside meanwhile: read it again
    else:
        raise Contention()
    sessions.forget(user_id)
    cognito.enable_user(aside.username)
    return True
