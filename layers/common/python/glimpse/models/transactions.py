"""How a DynamoDB transaction is written, retried and fails: the one place that knows.

- Items can be named, so a cancellation says which condition failed (`ConditionFailed.names`).
- Contention is never an error: a transaction cancelled by `TransactionConflict` (another
  transaction on one of its items) or throttling is sent again after a full-jitter backoff
  (the batch writes' schedule, glimpse.models.batch); when that keeps happening the caller
  gets `Contention`, a 429 with `Retry-After`.
- `emit` adds a domain event to the outbox in the same transaction (glimpse.models.outbox).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from glimpse.config import get_settings
from glimpse.errors import BUSY_ERROR_CODES, BUSY_MESSAGE, RateLimited
from glimpse.models.base import Model
from glimpse.models.batch import backoff
from glimpse.models.outbox import OutboxEvent, outbox_item

if TYPE_CHECKING:
    from glimpse.events import Event

# Backoff before attempts 2..6 is at most 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s (about 1.5 s on
# average): well inside an API function's 10 s timeout.
ATTEMPTS = 6
RETRYABLE_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


@cache
def _connection(region: str) -> Connection:
    """One connection (one botocore client) per process: a new one per transaction would load
    the service model again each time (tens of milliseconds of JSON parsing)."""
    return Connection(region=region)


class ConditionFailed(Exception):
    """The transaction was cancelled because conditions failed; nothing was written."""

    def __init__(self, names: set[str]) -> None:
        super().__init__(f"conditions failed: {sorted(names) or 'unnamed'}")
        self.names = names


class Contention(RateLimited):
    """A transaction kept losing to concurrent writes or throttling: the caller retries later."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE, 1)


class Transaction:
    """A TransactWrite whose items can be named; committed (with retries) when the block ends.

    PynamoDB sends condition checks, then deletes, puts and updates, whatever order they were
    added in; `ConditionFailed.names` maps DynamoDB's cancellation reasons back to the names.
    """

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._write = TransactWrite(connection=_connection(get_settings().region))
        self._sleep = sleep
        self._names: dict[str, list[str | None]] = {
            "check": [],
            "delete": [],
            "put": [],
            "update": [],
        }

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        if exc_type is None:
            self.commit()

    @property
    def size(self) -> int:
        return sum(len(names) for names in self._names.values())

    def condition_check(
        self,
        model: type[Model],
        hash_key: str,
        range_key: str | None,
        condition: Any,
        name: str | None = None,
    ) -> None:
        self._names["check"].append(name)
        self._write.condition_check(model, hash_key, range_key, condition=condition)

    def delete(self, model: Model, condition: Any = None, name: str | None = None) -> None:
        self._names["delete"].append(name)
        self._write.delete(model, condition=condition)

    def save(self, model: Model, condition: Any = None, name: str | None = None) -> None:
        self._names["put"].append(name)
        self._write.save(model, condition=condition)

    def update(
        self, model: Model, actions: list[Any], condition: Any = None, name: str | None = None
    ) -> None:
        self._names["update"].append(name)
        self._write.update(model, actions=actions, condition=condition)

    def emit(self, event: Event, due: datetime | None = None) -> None:
        """Publish `event` if and only if this transaction commits (the outbox): now, or once
        `due` has passed unless the delayed item is deleted before (glimpse.models.outbox)."""
        self.save(outbox_item(event, due), condition=OutboxEvent.pk.does_not_exist())

    def commit(self) -> None:
        if self.size == 0:
            return
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._write._commit()
                return
            except TransactWriteError as exc:
                codes = {r.code for r in exc.cancellation_reasons or [] if r is not None}
                if "ConditionalCheckFailed" in codes:
                    raise ConditionFailed(self._failed(exc)) from None
                if not (codes & RETRYABLE_REASONS or exc.cause_response_code in BUSY_ERROR_CODES):
                    raise
            if attempt < ATTEMPTS:
                self._sleep(backoff(attempt))
        raise Contention()

    def _failed(self, exc: TransactWriteError) -> set[str]:
        names = [
            *self._names["check"],
            *self._names["delete"],
            *self._names["put"],
            *self._names["update"],
        ]
        reasons = exc.cancellation_reasons or []
        return {
            name
            for name, reason in zip(names, reasons, strict=False)
            if name and reason is not None and reason.code == "ConditionalCheckFailed"
        }


def transaction() -> Transaction:
    """A transaction over any of the tables (one request, all or nothing)."""
    return Transaction()
