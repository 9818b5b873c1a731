"""Batch reads across tables and batch writes with backoff.

PynamoDB's own batch operations cover one table per request and resend unprocessed writes
at once; the feed's read path needs one BatchGetItem over several tables, and fan-out must
back off when DynamoDB returns UnprocessedItems. Both go through PynamoDB's connection, so
they share its client, settings and instrumentation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from glimpse.models.base import Model

GET_LIMIT = 100
WRITE_LIMIT = 25
MAX_ATTEMPTS = 8

type Key = tuple[str, str]


def _raw_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _connection(model: type[Model]) -> Any:
    return model._get_connection().connection


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff: up to 50 ms x 2^attempt, capped at 2 s."""
    return random.uniform(0, min(2.0, 0.05 * 2**attempt))


class Fetched:
    """The items a :func:`get_many` call found, by model and key."""

    def __init__(self) -> None:
        self._items: dict[tuple[type[Model], str, str], Model] = {}

    def add(self, model: type[Model], item: Model) -> None:
        self._items[(model, item.pk, item.sk)] = item  # type: ignore[attr-defined]

    def get[M: Model](self, model: type[M], key: Key) -> M | None:
        found = self._items.get((model, *key))
        return found if isinstance(found, model) else None

    def merge(self, other: Fetched) -> None:
        self._items.update(other._items)


def get_many(
    requests: Iterable[tuple[type[Model], Key]],
    *,
    consistent: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """One BatchGetItem per 100 keys, over any number of tables (all keyed `pk`/`sk`)."""
    wanted: dict[tuple[str, str, str], type[Model]] = {}
    for model, (pk, sk) in requests:
        wanted[(model.Meta.table_name, pk, sk)] = model
    fetched = Fetched()
    keys = list(wanted)
    for start in range(0, len(keys), GET_LIMIT):
        request: dict[str, Any] = {}
        for table, pk, sk in keys[start : start + GET_LIMIT]:
            entry = request.setdefault(table, {"Keys": [], "ConsistentRead": consistent})
            entry["Keys"].append(_raw_key(pk, sk))
        connection = _connection(next(iter(wanted.values())))
        attempt = 0
        while request:
            data = connection.dispatch("BatchGetItem", {"RequestItems": request})
            for table, items in data.get("Responses", {}).items():
                for raw in items:
                    model = wanted[(table, raw["pk"]["S"], raw["sk"]["S"])]
                    fetched.add(model, model.from_raw_data(raw))
            request = data.get("UnprocessedKeys") or {}
            if request:
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    raise RuntimeError("BatchGetItem kept returning unprocessed keys")
                sleep(backoff(attempt))
    return fetched


def write_many(
    model: type[Model],
    puts: Sequence[Model] = (),
    deletes: Sequence[Key] = (),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """BatchWriteItem in chunks of 25, resending UnprocessedItems with backoff.

    Returns the number of requests made (the fan-out benchmark reports it).
    """
    table = model.Meta.table_name
    operations: list[dict[str, Any]] = [{"PutRequest": {"Item": item.serialize()}} for item in puts]
    operations += [{"DeleteRequest": {"Key": _raw_key(pk, sk)}} for pk, sk in deletes]
    connection = _connection(model)
    requests = 0
    for start in range(0, len(operations), WRITE_LIMIT):
        pending = operations[start : start + WRITE_LIMIT]
        attempt = 0
        while pending:
            data = connection.dispatch("BatchWriteItem", {"RequestItems": {table: pending}})
            requests += 1
            pending = (data.get("UnprocessedItems") or {}).get(table, [])
            if pending:
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    raise RuntimeError(
                        f"BatchWriteItem kept returning {len(pending)} unprocessed items"
                    )
                sleep(backoff(attempt))
    return requests
