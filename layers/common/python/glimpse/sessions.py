"""Which sign-ins are still sessions: the one owner of ending them and of the check.

Cognito's ID tokens cannot be revoked, and API Gateway's Cognito authorizer checks only their
signature and expiry. So ending sessions (logout everywhere, a password reset or change, later
suspension and deletion) writes a cut-off for the account (glimpse.models.sessions), and
`is_live` refuses every token whose sign-in (`auth_time`, which a refresh keeps) is older,
unless its session (`origin_jti`) was kept. Every authenticated request runs `is_live` where
its caller is identified (glimpse.api.identity), and `/auth/refresh` runs it on the tokens it
hands out.

Cost: each function process keeps what it read for `CHECK_SECONDS` (60, API.md's bound): at most one
GetItem (0.5 RCU, eventually consistent) per account per process per minute, none for the
requests in between; the price is that an ended session may still be served for up to that
long by a process that read the account just before. In the process that ends the sessions the
cache is dropped at once.

`auth_time` has whole seconds: a cut-off at T refuses sign-ins up to T's second (`ceil(T)`),
including any made in that second just after the cut; the login route keeps those (`keep`)
when it asked Cognito after T (it notes the time before asking), as they are new.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from functools import partial

from glimpse.models.base import conditionally, get_or_none
from glimpse.models.sessions import SessionCutoff, user_pk

REFRESH_TOKEN_DAYS = 30  # the app client's RefreshTokenValidity (template.yaml)
CHECK_SECONDS = 60.0  # API.md: an ended session's ID tokens are refused within 60 s
_MAX_KEPT = 20
_MAX_CACHED = 10_000  # accounts a process remembers; past that it starts again

_lock = threading.Lock()
_read: dict[str, tuple[float, SessionCutoff | None]] = {}  # user id -> (read at, item)


def _cutoff(user_id: str, fresh: bool = False) -> SessionCutoff | None:
    now = time.monotonic()
    with _lock:
        cached = _read.get(user_id)
    if cached is not None and not fresh and now - cached[0] < CHECK_SECONDS:
        return cached[1]
    item = get_or_none(SessionCutoff, user_pk(user_id), consistent=fresh)
    with _lock:
        if len(_read) >= _MAX_CACHED:
            _read.clear()
        _read[user_id] = (now, item)
    return item


def forget(user_id: str) -> None:
    """Drop what this process read of the account (it just changed it)."""
    with _lock:
        _read.pop(user_id, None)


def _signed_in_at(claims: Mapping[str, str]) -> int:
    try:
        return int(float(claims.get("auth_time") or 0))
    except ValueError:
        return 0


def _outlives(item: SessionCutoff | None, claims: Mapping[str, str]) -> bool:
    if item is None:
        return True
    if _signed_in_at(claims) >= math.ceil(float(item.cutoff)):
        return True
    return str(claims.get("origin_jti") or "") in (item.kept or set())


def is_live(user_id: str, claims: Mapping[str, str]) -> bool:
    """Whether the token with these claims (as API Gateway passes them: strings) still opens
    a session of `user_id`."""
    return _outlives(_cutoff(user_id), claims)


PENDING_KEPT_DAYS = 30  # past `erase_after`: DynamoDB's TTL may publish erasure days late
ERASED_KEPT_SECONDS = 2 * 3600  # an erased account's last ID tokens expire within the hour


def _item(
    user_id: str, cutoff: float, kept: set[str] | None, erase_after: float | None
) -> SessionCutoff:
    expires = int(cutoff) + (REFRESH_TOKEN_DAYS + 1) * 86400
    if erase_after is not None:  # kept until erasure replaces it (`erased_item`)
        expires = max(expires, int(erase_after) + PENDING_KEPT_DAYS * 86400)
    return SessionCutoff(
        user_pk(user_id), cutoff=cutoff, kept=kept, expires_at=expires, erase_after=erase_after
    )


def end(user_id: str, keep: str | None = None) -> None:
    """Every session of the account ends now, except `keep` (an `origin_jti`: the session
    that asked, for a password change). A pending deletion the account's item holds is kept:
    the item is written on the condition that it is still the one read (else read again)."""
    for _attempt in range(3):
        current = _cutoff(user_id, fresh=True)
        erase_after = current.erase_after if current is not None else None
        item = _item(user_id, time.time(), {keep} if keep else None, erase_after)
        unchanged = (
            SessionCutoff.pk.does_not_exist()
            if current is None
            else SessionCutoff.cutoff == current.cutoff
        )
        if conditionally(partial(item.save, condition=unchanged)):
            forget(user_id)
            return
    raise RuntimeError("the account's sessions item kept changing")


def leaving_item(user_id: str, erase_after: float) -> SessionCutoff:
    """The item of an account deleted now: every session ends, and until it is erased a
    sign-in may only restore the account (written in the deletion's transaction)."""
    return _item(user_id, time.time(), None, erase_after)


def erased_item(user_id: str) -> SessionCutoff:
    """The item of an account being erased: every token issued before now is refused (ID
    tokens live an hour and outlive the Cognito user), for as long as one can be valid."""
    moment = time.time()
    return SessionCutoff(
        user_pk(user_id),
        cutoff=moment,
        expires_at=int(moment) + ERASED_KEPT_SECONDS,
        erase_after=moment,
    )


def pending_deletion(user_id: str, fresh: bool = False) -> bool:
    """Whether the account is deleted and waits to be erased (what `is_live` read, cached)."""
    item = _cutoff(user_id, fresh=fresh)
    return item is not None and item.erase_after is not None


def keep(user_id: str, claims: Mapping[str, str], started: float) -> None:
    """A sign-in that began at `started` (before Cognito was asked) outlives the account's
    cut-off if it began after it (see the module's docstring): called by the login route with
    its new tokens' claims. Only a cut-off that is still the account's is changed."""
    item = _cutoff(user_id, fresh=True)
    session = str(claims.get("origin_jti") or "")
    if item is None or not session or _outlives(item, claims) or started < float(item.cutoff):
        return
    if len(item.kept or set()) >= _MAX_KEPT:
        return  # a burst of sign-ins in the cut-off's second: the later ones sign in again
    conditionally(
        lambda: item.update(
            actions=[SessionCutoff.kept.add({session})],
            condition=SessionCutoff.cutoff == item.cutoff,
        )
    )
    forget(user_id)
