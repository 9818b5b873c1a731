"""Leaving and coming back: `DELETE /me` and `POST /me/restore`.

Deleting moves the profile item aside (`DeletedProfile`, glimpse.models.users) in one
transaction with: the username claim marked `deleted` (nobody finds the account by it, nobody
takes it before erasure), a sessions item that ends every session and notes the pending
erasure (glimpse.sessions: such an account may only restore itself), `account_deleted`, and
the delayed `account_erased`, due when the grace period ends (glimpse.models.outbox). Every
read path treats an account without a profile as gone (lists, feeds, trays, posts, comments,
search, conversations), so nothing else is written at deletion.

Restoring undoes it in one transaction, on the condition that the delayed event is still
there: once DynamoDB's TTL has removed it, erasure has begun and it is too late (409).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from glimpse import sessions
from glimpse.auth.service import end_sessions_elsewhere, signed_in
from glimpse.clock import now
from glimpse.config import get_settings
from glimpse.directory import get_profile
from glimpse.errors import Conflict, Forbidden
from glimpse.events import AccountDeleted, AccountErased, AccountRestored
from glimpse.models.base import get_or_none
from glimpse.models.outbox import OutboxEvent, later_key
from glimpse.models.sessions import SessionCutoff
from glimpse.models.transactions import ConditionFailed, Contention, Transaction, transaction
from glimpse.models.users import (
    CLAIM,
    DELETED,
    PENDING_COUNTS,
    DeletedProfile,
    UniqueClaim,
    UserProfile,
    user_pk,
    username_pk,
)
from glimpse.users.schemas import DeleteMeIn, DeletionOut

ATTEMPTS = 3  # a profile changed by a counter between our read and our write: read again


def delete_account(user_id: str, body: DeleteMeIn) -> DeletionOut:
    """The account disappears for everyone now and is erased after the grace period."""
    username = get_profile(user_id).username
    with signed_in(username, body.password):  # 401 when the password is wrong
        pass
    for _attempt in range(ATTEMPTS):
        profile = get_profile(user_id)
        moment = now()
        grace = timedelta(seconds=get_settings().account_deletion_grace_seconds)
        erase_after = (moment + grace).replace(microsecond=moment.microsecond // 1000 * 1000)
        erased = AccountErased(user_id=user_id)
        aside = DeletedProfile.of(profile, moment, erase_after, erased.event_id)
        try:
            with transaction() as tx:
                move_aside(tx, profile, aside, "deleted")
                tx.save(sessions.leaving_item(user_id, erase_after.timestamp()))
                tx.emit(AccountDeleted(user_id=user_id))
                tx.emit(erased, due=erase_after)
        except ConditionFailed:
            continue
        sessions.forget(user_id)
        end_sessions_elsewhere(user_id, profile.username)
        return DeletionOut(erase_after=erase_after)
    raise Contention()


RESTORE_ATTEMPTS = 3


def move_aside(tx: Transaction, profile: UserProfile, aside: DeletedProfile, state: str) -> None:
    """In `tx`: the profile (as read) moved aside, and its username claim marked `state`
    (`deleted`, `suspended`: nobody finds the account by its name, nobody takes the name). A
    deletion's and a suspension's one step."""
    tx.delete(profile, condition=UserProfile.revision == profile.revision)
    tx.save(aside, condition=DeletedProfile.pk.does_not_exist())
    _claim(tx, profile.username, profile.user_id, state)


def put_back(tx: Transaction, aside: DeletedProfile, profile: UserProfile) -> None:
    """In `tx`: the item aside (as read: its pending counts, and whether it is suspended; named
    `aside`) replaced by `profile`, the claim active again. A restore's and an unsuspension's."""
    suspended = aside.suspended_at
    as_suspended = (
        DeletedProfile.suspended_at.exists()
        if suspended is not None
        else DeletedProfile.suspended_at.does_not_exist()
    )
    tx.delete(aside, condition=pending_as_read(aside) & as_suspended, name="aside")
    tx.save(profile, condition=UserProfile.pk.does_not_exist())
    _claim(tx, aside.username, aside.user_id, "active")


def _claim(tx: Transaction, username: str, user_id: str, state: str) -> None:
    tx.update(
        UniqueClaim(username_pk(username), CLAIM),
        actions=[UniqueClaim.state.set(state)],
        condition=UniqueClaim.user_id == user_id,
    )


def pending_as_read(aside: DeletedProfile) -> Any:
    """The deleted item is there with the count changes read (none lost by the restore)."""
    condition = DeletedProfile.pk.exists()
    for name in PENDING_COUNTS:
        attribute = getattr(DeletedProfile, f"pending_{name}")
        value = getattr(aside, f"pending_{name}")
        condition &= attribute.does_not_exist() if value is None else attribute == value
    return condition


def restore_account(user_id: str) -> None:
    """Everything back as it was, if erasure has not begun (409 once it has); its counts with
    what changed while it was aside."""
    for _ in range(RESTORE_ATTEMPTS):
        aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED)
        if aside is None or not aside.is_leaving:
            raise Conflict("This account is not waiting to be erased.")
        if aside.is_suspended:
            raise Forbidden("This account is suspended.")
        profile = aside.restored()
        profile.updated_at = now()
        try:
            with transaction() as tx:
                tx.delete(
                    OutboxEvent(*later_key(aside.erasure_event_id)),
                    condition=OutboxEvent.pk.exists(),
                    name="due",
                )
                put_back(tx, aside, profile)
                tx.update(
                    SessionCutoff(user_pk(user_id)),
                    actions=[SessionCutoff.erase_after.remove()],
                    condition=SessionCutoff.pk.exists(),
                )
                tx.emit(AccountRestored(user_id=user_id))
            break
        except ConditionFailed as exc:
            if "due" in exc.names:
                raise Conflict(
                    "Erasure has begun: this account can no longer be restored."
                ) from None
            if "aside" not in exc.names:
                raise Conflict("This account is not waiting to be erased.") from None
            # a count changed on the deleted item meanwhile, or it went (restored): again
    else:
        raise Contention()
    sessions.forget(user_id)
