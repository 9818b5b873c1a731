"""Sign-ups never confirmed: removed after `UnconfirmedAccountTtlHours`, their username and
email free again.

A sign-up claims its username and email (glimpse.auth.service) and writes its profile before
its email is confirmed, so a lost code would hold both for good. Every hour the unconfirmed
sweeper lists the pool's unconfirmed accounts (ListUsers by status) and, for each older than
the setting, does what `DELETE /me` does with no grace period: the profile moves aside with
the username claim marked `deleted` (nobody finds or takes the name meanwhile), and
`account_deleted` and `account_erased` are emitted at once. The erasure engine (glimpse.erasure)
then erases it as any account: the Cognito user goes, the claims are released, and whatever
others made about it (a follow of the profile, say) goes with it. One owner for removing an
account, and a run that fails half-way is finished by the next (each step is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from glimpse.adapters import cognito
from glimpse.auth.leaving import move_aside
from glimpse.config import get_settings
from glimpse.events import AccountDeleted, AccountErased
from glimpse.models.base import get_or_none
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk

logger = Logger(child=True)


@dataclass(frozen=True)
class Swept:
    removed: int
    seen: int
    finished: bool


def sweep(moment: datetime, keep_going: Callable[[], bool]) -> Swept:
    """Every unconfirmed account created before `moment` minus the setting is removed."""
    cutoff = moment - timedelta(hours=get_settings().unconfirmed_account_ttl_hours)
    removed = seen = 0
    for user in cognito.unconfirmed_users():
        if not keep_going():
            return Swept(removed, seen, finished=False)
        seen += 1
        if user.created_at <= cutoff:
            removed += remove(user, moment)
    return Swept(removed, seen, finished=True)


def remove(user: cognito.PoolUser, moment: datetime) -> bool:
    """One unconfirmed account set on its way out; False when there was nothing to do now."""
    profile = get_or_none(UserProfile, user_pk(user.user_id), PROFILE, consistent=True)
    if profile is None:
        if get_or_none(DeletedProfile, user_pk(user.user_id), DELETED, consistent=True):
            return False  # being erased: the eraser deletes the Cognito user
        # A sign-up that died before its profile: its claims are still `pending`, and another
        # sign-up takes them over once stale (glimpse.auth.service.STALE_CLAIM).
        return cognito.delete_user(user.username)
    erased = AccountErased(user_id=user.user_id)
    aside = DeletedProfile.of(profile, moment, moment, erased.event_id)
    try:
        with transaction() as tx:
            move_aside(tx, profile, aside, "deleted")
            tx.emit(AccountDeleted(user_id=user.user_id))
            tx.emit(erased)
    except ConditionFailed:  # the profile changed meanwhile: the next run sees it again
        logger.info("unconfirmed account changed; left for the next run")
        return False
    logger.info("unconfirmed account removed", extra={"user_id": user.user_id})
    return True
