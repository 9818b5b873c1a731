"""moto's per-call costs that grow with the data, cut in the local cloud's process only.

A profile of `make demo` (docs/demo.md) found these, each answering exactly as moto does:

- SQS's ReceiveMessage checked each message it returned against the queue's retention period
  by building the queue's whole attribute map three times (`get_queue_attributes`), and each
  map counts the queue's visible, delayed and in-flight messages: a receive from a queue of
  240 waiting uploads walked them some 2,000 times. The check reads the period itself here.
- moto's clock (`unix_time`, `unix_time_millis`), asked twice for every message of a queue on
  each receive, built two datetimes a call; here it is `time.time()`, the same number.
- Every request listed its response class's methods with `inspect.getmembers` to find the
  action's; the list is made once per class (and again if the class gains a method) here.
"""

from __future__ import annotations

import datetime
import functools
import time
from typing import Any

from moto.core import responses, utils
from moto.sqs import models as sqs


def unix_time(dt: datetime.datetime | None = None) -> float:
    """moto's `unix_time`: seconds since the epoch of `dt` (naive UTC), or of now."""
    return time.time() if dt is None else utils.unix_time(dt)


def unix_time_millis(dt: datetime.datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


def _retained(self: sqs.SQSBackend, queue_name: str, message: sqs.Message) -> bool:
    """Whether the message is within its queue's retention period (moto's check, without
    building the queue's attribute map)."""
    queue: Any = self.get_queue(queue_name)
    period = int(queue.message_retention_period)
    return bool(period + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]


def _method_names(clazz: Any) -> list[str]:
    """moto's list of a class's methods, made once for each shape of the class: a method added
    later (`cognito.install`, a test's patch) changes the sizes of the classes' namespaces, and
    the list is made again."""
    shape = tuple(len(vars(c)) for c in clazz.__mro__)
    return _names_of(clazz, shape)


@functools.cache
def _names_of(clazz: Any, shape: tuple[int, ...]) -> list[str]:
    return list(utils.method_names_from_class(clazz))


# moto's own, as imported: what `uninstall` puts back.
_ORIGINALS: dict[tuple[Any, str], Any] = {
    (owner, name): getattr(owner, name)
    for owner, name in (
        (sqs, "unix_time"),
        (sqs, "unix_time_millis"),
        (sqs.SQSBackend, "is_message_valid_based_on_retention_period"),
        (responses, "method_names_from_class"),
    )
}


def install() -> None:
    """Patch moto in this process (again: the same functions, so harmless)."""
    sqs.unix_time = unix_time  # type: ignore[attr-defined]
    sqs.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]
    sqs.SQSBackend.is_message_valid_based_on_retention_period = _retained  # type: ignore[method-assign]
    responses.method_names_from_class = _method_names  # type: ignore[attr-defined]


def uninstall() -> None:
    """moto as it was (a test that installed the patches leaves the process as it found it)."""
    for (owner, name), original in _ORIGINALS.items():
        setattr(owner, name, original)
    _names_of.cache_clear()
