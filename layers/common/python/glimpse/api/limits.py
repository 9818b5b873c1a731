"""Rate limits: the budgets, which route spends which, and the token buckets that keep them.

Every write and every `/auth/*` call spends a token of a budget before its service runs:
`limit` is a middleware of every API function's resolver (glimpse.api.resolver), after
`identify` (per-user budgets need the caller). `ROUTES` is the one table of which route spends
which budget; any other write spends `writes`. A budget is `quota` calls a `window`, refilled
evenly (a token every `window / quota` seconds), per user, per IP or per username. The
template parameter RateLimitScale (RATE_LIMIT_SCALE) multiplies every quota; 0 turns the
limits off.

A limited response, whatever its status, says where its budgets stand (the IETF httpapi
RateLimit header fields draft): `RateLimit-Policy: "comments";q=30;w=60` and
`RateLimit: "comments";r=<tokens left>;t=<seconds until the bucket is full>`. Over budget is
`429 rate_limited` with `Retry-After` (seconds until the next token).

Logins also lock a username out after failures in a row (LOCKOUT_AFTER, then a lock twice as
long after each further failure, at most LOCKOUT_MAX): the lock-out is a 429, for an unknown
username as for an existing one, and the 401 of a wrong password stays the same.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from glimpse.api.identity import Caller
from glimpse.config import get_settings
from glimpse.errors import RateLimited, Unauthorized
from glimpse.models.rate_limits import Bucket, update

type Per = Literal["user", "ip", "username"]

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True, slots=True)
class Budget:
    name: str
    quota: int  # calls a window, at RateLimitScale 1
    window: int  # seconds
    per: Per
    keep: int = 60  # seconds an idle full bucket is kept before its TTL removes it


BUDGETS = {
    budget.name: budget
    for budget in (
        Budget("login", 10, MINUTE, "username", keep=DAY),  # keeps the failures a day
        Budget("login-ip", 10, MINUTE, "ip"),
        Budget("signup", 20, HOUR, "ip"),
        Budget("auth", 30, MINUTE, "ip"),  # every other /auth/* call
        # Each sends an email: a few an hour per username, whoever asks (no mail bombing).
        Budget("codes", 5, HOUR, "username"),
        Budget("posts", 25, HOUR, "user"),
        # Each edit rewrites its post's search document and may notify: the author's own item.
        Budget("edits", 60, HOUR, "user"),
        Budget("comments", 30, MINUTE, "user"),
        Budget("follows", 60, HOUR, "user"),
        Budget("messages", 100, MINUTE, "user"),
        Budget("conversations", 20, DAY, "user"),
        Budget("reports", 30, HOUR, "user"),
        Budget("writes", 300, MINUTE, "user"),  # every other write
    )
}

# Which budgets each route spends (method, path as in template.yaml). A write not named here
# spends `writes`; a GET spends nothing.
ROUTES: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/auth/login"): ("login", "login-ip"),
    ("POST", "/auth/signup"): ("signup",),
    ("POST", "/auth/confirm"): ("auth",),
    ("POST", "/auth/login/totp"): ("auth",),
    ("POST", "/auth/refresh"): ("auth",),
    ("POST", "/auth/forgot-password"): ("auth", "codes"),
    ("POST", "/auth/resend-code"): ("auth", "codes"),
    ("POST", "/auth/reset-password"): ("auth",),
    ("POST", "/auth/logout"): ("auth",),
    ("POST", "/posts"): ("posts",),
    ("PATCH", "/posts/{post_id}"): ("edits",),
    ("POST", "/posts/{post_id}/comments"): ("comments",),
    ("POST", "/users/{username}/follow"): ("follows",),
    ("POST", "/conversations"): ("conversations",),
    ("POST", "/conversations/{conversation_id}/messages"): ("messages",),
    ("POST", "/stories/{story_id}/reply"): ("messages",),
    ("POST", "/reports"): ("reports",),
}
UNLIMITED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

LOCKOUT_AFTER = 5  # failed logins in a row (at RateLimitScale 1) before the first lock
LOCKOUT_FIRST = 60  # seconds of the first lock; each further failure doubles it
LOCKOUT_MAX = HOUR
FAILURES_FORGOTTEN = DAY  # a failure this old no longer counts

# A millisecond: what epoch seconds as floats (and DynamoDB's numbers) keep for certain.
EPSILON = 1e-3


def budgets_of(method: str, path: str) -> tuple[str, ...]:
    """The budgets a call of this route spends (none for a read)."""
    if method in UNLIMITED_METHODS:
        return ()
    return ROUTES.get((method, path), ("writes",))


def scaled(quota: int, scale: float) -> int:
    """The quota at RateLimitScale `scale` (0 when off; never below one call otherwise)."""
    return 0 if scale <= 0 else max(1, math.floor(quota * scale))


# ---------------------------------------------------------------- the bucket math


@dataclass(frozen=True, slots=True)
class Decision:
    """One call's answer from its bucket."""

    allowed: bool
    remaining: int  # tokens left after this call
    reset: int  # seconds until the bucket is full again
    retry_after: int = 0  # when refused: seconds until a token (or the end of a lock-out)


def interval(quota: int, window: int) -> float:
    """Seconds between two tokens."""
    return window / quota


def take(
    full_at: float | None, now: float, quota: int, window: int
) -> tuple[float | None, Decision]:
    """The bucket's `full_at` after one call at `now` (None: refused, unchanged) and the
    answer. `full_at` None or in the past is a full bucket."""
    step = interval(quota, window)
    start = now if full_at is None or full_at <= now else full_at
    if start > now + window - step + EPSILON:  # no token left
        wait = start + step - window - now
        return None, Decision(False, 0, _seconds(start - now), max(1, _seconds(wait)))
    after = start + step
    return after, decided(after, now, quota, window)


def decided(full_at: float, now: float, quota: int, window: int) -> Decision:
    """The answer of an allowed call that left its bucket full at `full_at`."""
    step = interval(quota, window)
    left = math.floor((now + window - full_at + EPSILON) / step)
    return Decision(True, max(0, min(quota, left)), _seconds(full_at - now))


def _seconds(span: float) -> int:
    return max(0, math.ceil(span - EPSILON))


def lockout_seconds(failures: int, after: int) -> int:
    """How long the `failures`-th failed login in a row locks its username (0: no lock)."""
    if after <= 0 or failures < after:
        return 0
    return int(min(LOCKOUT_MAX, LOCKOUT_FIRST * 2 ** min(failures - after, 16)))


# ---------------------------------------------------------------- the buckets in DynamoDB

# Buckets this process last saw partly empty: their next call tries the advancing update
# first. Only the order of the two attempts depends on it, never the answer.
_HOT: OrderedDict[str, float] = OrderedDict()
_HOT_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Spent:
    budget: Budget
    quota: int
    decision: Decision
    failures: int = 0  # login buckets: failed logins in a row so far


def spend(key: str, budget: Budget, quota: int, now: float) -> Spent:
    """One token of bucket `key`: one conditional UpdateItem when the bucket is full (or this
    process last saw it partly empty), two otherwise; a refusal costs the failed ones only."""
    step = interval(quota, budget.window)
    limit = now + budget.window - step + EPSILON  # the latest full_at that holds a token
    expires = math.ceil(now + budget.window) + budget.keep
    unlocked = Bucket.locked_until.does_not_exist() | (Bucket.locked_until <= now)
    stamp = [Bucket.updated_at.set(now), Bucket.expires_at.set(expires)]
    refill = (
        [Bucket.full_at.set(now + step), *stamp],
        (Bucket.full_at.does_not_exist() | (Bucket.full_at <= now)) & unlocked,
    )
    advance = (
        [Bucket.full_at.set(Bucket.full_at + step), *stamp],
        Bucket.full_at.exists() & (Bucket.full_at > now) & (Bucket.full_at <= limit) & unlocked,
    )
    attempts = [advance, refill] if _HOT.get(key, 0) > now else [refill, advance]
    seen: dict[str, float] = {}
    # Twice round: a concurrent call can move the bucket between the two (made, or refilled),
    # failing both conditions though a token is there.
    for actions, condition in attempts * 2:
        written, seen = update(key, actions, condition)
        if written:
            full_at = seen.get("full_at", now + step)
            _remember(key, full_at)
            return Spent(
                budget, quota, decided(full_at, now, quota, budget.window), _failures(seen, now)
            )
        locked = seen.get("locked_until", 0.0)
        if locked > now:
            return Spent(
                budget,
                quota,
                Decision(False, 0, _seconds(locked - now), _seconds(locked - now) or 1),
            )
        previous = seen.get("full_at")
        if previous is not None and previous > limit:
            _remember(key, previous)
            wait = max(1, _seconds(previous + step - budget.window - now))
            return Spent(budget, quota, Decision(False, 0, _seconds(previous - now), wait))
    # Every condition failed without a reason: other calls kept moving the bucket.
    return Spent(budget, quota, Decision(False, 0, budget.window, 1))


def _remember(key: str, full_at: float) -> None:
    _HOT[key] = full_at
    _HOT.move_to_end(key)
    while len(_HOT) > _HOT_SIZE:
        _HOT.popitem(last=False)


def _failures(item: Mapping[str, float], now: float) -> int:
    if item.get("failed_at", 0.0) < now - FAILURES_FORGOTTEN:
        return 0
    return int(item.get("failures", 0))


def login_failed(key: str, failures_before: int, now: float, after: int) -> None:
    """One more failed login of the username bucket `key`; the lock-out it earns."""
    failures = failures_before + 1
    lock = lockout_seconds(failures, after)
    count = Bucket.failures.add(1) if failures_before else Bucket.failures.set(1)
    actions = [
        count,
        Bucket.failed_at.set(now),
        Bucket.expires_at.set(math.ceil(now) + FAILURES_FORGOTTEN + MINUTE),
    ]
    if lock:
        actions.append(Bucket.locked_until.set(now + lock))
    update(key, actions, None)


def login_succeeded(key: str) -> None:
    """The username's failures are forgotten (called only when it had some; a bucket its TTL
    removed meanwhile is not written again)."""
    actions = [Bucket.failures.remove(), Bucket.failed_at.remove(), Bucket.locked_until.remove()]
    update(key, actions, Bucket.pk.exists())


# ---------------------------------------------------------------- the middleware


def limit(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Middleware (every route): spends the route's budgets before it runs; a 429 when one is
    spent; the RateLimit headers on the response, whatever it is."""
    event = app.current_event
    names = budgets_of(event.http_method, event.resource)
    scale = get_settings().rate_limit_scale if names else 0.0
    if not names or scale <= 0:
        return next_middleware(app)
    now = time.time()
    spent: list[tuple[str, Spent]] = []
    for name in names:
        budget = BUDGETS[name]
        key = _key(app, budget)
        if key is None:
            continue
        quota = scaled(budget.quota, scale)
        spent.append((key, spend(key, budget, quota, now)))
    headers = rate_limit_headers([item for _, item in spent])
    app.append_context(rate_limit_headers=headers)  # type: ignore[no-untyped-call]
    refused = [item for _, item in spent if not item.decision.allowed]
    if refused:
        wait = max(item.decision.retry_after for item in refused)
        raise RateLimited(_message(refused[0].budget), wait, headers)
    login = next(((key, item) for key, item in spent if item.budget.name == "login"), None)
    if login is None:
        return _with_headers(next_middleware(app), headers)
    key, item = login
    try:
        response = next_middleware(app)
    except Unauthorized:
        login_failed(key, item.failures, now, scaled(LOCKOUT_AFTER, scale))
        raise
    if item.failures and response.status_code < 400:
        login_succeeded(key)
    return _with_headers(response, headers)


def limit_headers(app: APIGatewayRestResolver) -> dict[str, str]:
    """The RateLimit headers of the request being answered ({} when it is not limited)."""
    return dict(app.context.get("rate_limit_headers") or {})


def _with_headers(response: Response[Any], headers: Mapping[str, str]) -> Response[Any]:
    response.headers.update(headers)
    return response


def _key(app: APIGatewayRestResolver, budget: Budget) -> str | None:
    """The bucket of this call for `budget` (None: the call names no such caller)."""
    if budget.per == "user":
        found = app.context.get("caller")  # None: the route refuses the call itself (401)
        return f"user#{found.user_id}#{budget.name}" if isinstance(found, Caller) else None
    if budget.per == "ip":
        ip = app.current_event.request_context.identity.source_ip or "unknown"
        return f"ip#{ip}#{budget.name}"
    username = _body_username(app.current_event.decoded_body)
    return f"name#{username}#{budget.name}" if username else None


def _body_username(body: str | None) -> str | None:
    try:
        parsed = json.loads(body or "")
    except ValueError:
        return None
    name = parsed.get("username") if isinstance(parsed, dict) else None
    return name.strip().lower()[:128] if isinstance(name, str) and name.strip() else None


def rate_limit_headers(spent: list[Spent]) -> dict[str, str]:
    """`RateLimit-Policy` and `RateLimit` for the budgets a call spent (draft syntax: a list
    of quoted policy names with parameters)."""
    if not spent:
        return {}
    policy = ", ".join(f'"{s.budget.name}";q={s.quota};w={s.budget.window}' for s in spent)
    state = ", ".join(
        f'"{s.budget.name}";r={s.decision.remaining};t={s.decision.reset}' for s in spent
    )
    return {"RateLimit-Policy": policy, "RateLimit": state}


def _message(budget: Budget) -> str:
    if budget.name == "login":
        return "Too many login attempts for this username; wait before trying again."
    return f"Too many requests ({budget.name}); wait before trying again."
