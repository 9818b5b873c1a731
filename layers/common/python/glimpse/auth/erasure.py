"""The accounts aggregate's part of erasing an account (glimpse.erasure): the Cognito user,
the username and email claims (the name is free again), the account's WebSocket connections,
where it signed in from, its two-factor factor, its hidden words, and last the moved-aside
profile (what the other steps read). Its sessions item is replaced by one that refuses every
token issued before, and that expires once the last of them has (ID tokens outlive the Cognito
user by up to an hour)."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import sessions
from glimpse.adapters import cognito
from glimpse.erasure import Erasure, table
from glimpse.jobs import Send, Stats
from glimpse.models import erasure as report
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.hidden_words import HIDDEN_WORDS, HiddenWords
from glimpse.models.logins import LOGINS, Logins
from glimpse.models.totp import TOTP, TotpFactor
from glimpse.models.users import (
    CLAIM,
    DELETED,
    DeletedProfile,
    UniqueClaim,
    email_pk,
    user_pk,
    username_pk,
)
from glimpse.realtime import service as realtime


@dataclass(frozen=True, kw_only=True)
class AccountErasure(Erasure):
    type = "erase_account"
    aggregate = "accounts"


def erase(job: AccountErasure, send: Send) -> Stats:
    """Everything at once (a handful of items): each removal is idempotent, the profile
    goes last, so a retry after a failure finds what it still needs."""
    user_id = job.user_id
    aside = get_or_none(DeletedProfile, user_pk(user_id), DELETED, consistent=True)
    if aside is None:
        return Stats(notes=["erased before"])
    removed = int(cognito.delete_user(aside.username))
    for pk in (username_pk(aside.username), email_pk(aside.email)):
        removed += _release(UniqueClaim(pk, CLAIM), user_id)
    realtime.close_all(user_id)
    removed += realtime.forget_all(user_id)
    sessions.erased_item(user_id).save()  # tokens issued before now stay refused
    logins, factor = Logins(user_pk(user_id), LOGINS), TotpFactor(user_pk(user_id), TOTP)
    hidden = HiddenWords(user_pk(user_id), HIDDEN_WORDS)
    removed += conditionally(lambda: logins.delete(condition=Logins.pk.exists()))
    removed += conditionally(lambda: factor.delete(condition=TotpFactor.pk.exists()))
    removed += conditionally(lambda: hidden.delete(condition=HiddenWords.pk.exists()))
    aside.delete()
    report.add(user_id, job.aggregate, removed + 1)
    return Stats(deleted=removed + 1)


def _release(claim: UniqueClaim, user_id: str) -> bool:
    """The claim goes if it is still the account's (the name or email is free again)."""
    return conditionally(lambda: claim.delete(condition=UniqueClaim.user_id == user_id))


ERASURE = table("accounts", {AccountErasure: erase})
