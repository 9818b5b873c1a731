"""How the end-to-end tests wait: on a condition, never on the clock.

The local cloud does its work in the background (event delivery, fan-out, thumbnails, TTL
sweeps), so a test waits until what it expects is true, polling with backoff, for a deadline
of minutes: a slow or loaded machine makes a test slower, never red, and a real failure still
fails, with what never became true and the last value seen.

`GLIMPSE_TEST_SLOWDOWN` (default 1) multiplies every deadline, HTTP timeout and promised
latency, for machines slower still.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, overload

SLOWDOWN = max(1.0, float(os.environ.get("GLIMPSE_TEST_SLOWDOWN") or 1))

# How long a wait may take before the test fails: long enough for a machine at a load of 10.
DEADLINE = 180.0 * SLOWDOWN
# Each HTTP request's (and WebSocket receive's) timeout: a stuck server still fails the test.
HTTP_TIMEOUT = 60.0 * SLOWDOWN
# The most one test may take (pytest-timeout; pyproject's 300 s is for the other suites).
TEST_TIMEOUT = 900.0 * SLOWDOWN
# A latency the product promises ("in a follower's feed within 5 s") is checked at this many
# times the promise: a busy machine stretches it, a lost event or a poll instead of a push does
# not fit. The real latencies are measured by benchmarks/local_cloud.py.
PROMISE_ALLOWANCE = 10.0

_FIRST_PAUSE = 0.05
_LONGEST_PAUSE = 1.0
_BACKOFF = 1.5


def scaled(seconds: float) -> float:
    """`seconds` times GLIMPSE_TEST_SLOWDOWN: for a timeout a tool takes (a subprocess's)."""
    return seconds * SLOWDOWN


def promised(seconds: float) -> float:
    """The most a promised latency of `seconds` may take on this machine, in a test."""
    return seconds * PROMISE_ALLOWANCE * SLOWDOWN


def _shown(value: Any, limit: int = 2000) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


@overload
def until[T](
    probe: Callable[[], T], done: None = None, *, what: str, deadline: float | None = None
) -> T: ...
@overload
def until[T](
    probe: Callable[[], T],
    done: Callable[[T], object],
    *,
    what: str,
    deadline: float | None = None,
) -> T: ...
def until[T](
    probe: Callable[[], T],
    done: Callable[[T], object] | None = None,
    *,
    what: str,
    deadline: float | None = None,
) -> T:
    """`probe()`'s value once `done(value)` holds (without `done`: once the value is truthy).

    Polls at 50 ms, then less often (up to once a second), until `deadline` seconds (default
    DEADLINE) have passed; then fails naming `what` and the last value seen. An exception in
    `probe` is not caught: a wrong status code fails at once, as it would outside a wait.
    """
    limit = DEADLINE if deadline is None else deadline
    started = time.monotonic()
    pause = _FIRST_PAUSE
    while True:
        value = probe()
        if done(value) if done is not None else value:
            return value
        waited = time.monotonic() - started
        if waited >= limit:
            raise AssertionError(
                f"never true within {limit:.0f} s: {what}\nlast value seen: {_shown(value)}"
            )
        time.sleep(min(pause, max(0.0, limit - waited)))
        pause = min(pause * _BACKOFF, _LONGEST_PAUSE)


def within_promise(started: float, seconds: float, what: str) -> None:
    """Fail if more than `promised(seconds)` passed since `started` (a time.monotonic())."""
    took = time.monotonic() - started
    assert took < promised(seconds), (
        f"{what} took {took:.1f} s: promised {seconds:g} s, allowed {promised(seconds):.0f} s "
        "on a busy machine"
    )
