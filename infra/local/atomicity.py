"""DynamoDB's per-request atomicity on moto.

AWS applies each write (and each transaction) atomically: a condition is checked and the
write applied with nothing in between. moto's server is threaded and its DynamoDB backend
has no lock, so two concurrent conditional writes could both pass their check. Concurrency
tests (unique usernames, exact counters) must not depend on luck, so the local cloud runs
moto's DynamoDB operations one at a time.

Serialised, no transaction ever meets another, so the contention AWS reports as
`TransactionConflict` would never show locally. `set_conflict_share(0.2)` cancels that share
of TransactWriteItems calls the way DynamoDB does when another transaction holds one of
their items, so the retry paths run in tests and on `make run ARGS=--chaos-conflicts 0.2`.
"""

from __future__ import annotations

import functools
import random
import threading
from typing import Any

from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

_OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "query",
    "scan",
)
_lock = threading.RLock()
_installed = False
_conflicts = {"share": 0.0, "cancelled": 0}
_random = random.Random()


def set_conflict_share(share: float, seed: int | None = None) -> None:
    """Cancel this share (0-1) of transactions with TransactionConflict from now on."""
    if not 0 <= share <= 1:
        raise ValueError("the conflict share is between 0 and 1")
    with _lock:
        _conflicts["share"] = share
        _random.seed(seed)


def conflicts_caused() -> int:
    """How many transactions the conflict switch has cancelled so far."""
    return int(_conflicts["cancelled"])


def _keep_stream_shards(
    backend: DynamoDBBackend, transaction: Any, *args: Any, **kwargs: Any
) -> Any:
    """moto rolls a cancelled transaction back by swapping in deep copies of its tables, which
    orphans every open stream iterator (they read the old shard object) and leaves the old
    shard holding records of writes that were rolled back. Keep the shard objects, with the
    copies' records: iterators stay valid and see only committed writes, as on AWS."""
    shards: dict[str, Any] = {
        name: table.stream_shard
        for name, table in backend.tables.items()
        if table.stream_shard is not None
    }
    try:
        return transaction(backend, *args, **kwargs)
    finally:
        for name, shard in shards.items():
            table = backend.tables.get(name)
            restored = getattr(table, "stream_shard", None)
            if table is not None and restored is not None and restored is not shard:
                shard.items = restored.items
                shard.table = table
                table.stream_shard = shard


def _maybe_conflict(transact_items: list[dict[str, Any]]) -> None:
    if _conflicts["share"] and _random.random() < _conflicts["share"]:
        _conflicts["cancelled"] += 1
        # One item "held by another transaction", the others not the reason (AWS's shape).
        reasons: list[tuple[str | None, str | None, None]] = [(None, None, None)] * len(
            transact_items
        )
        reasons[_random.randrange(len(transact_items))] = (
            "TransactionConflict",
            "Transaction is ongoing for the item",
            None,
        )
        raise TransactionCanceledException(reasons)


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        for name in _OPERATIONS:
            original = getattr(DynamoDBBackend, name)

            @functools.wraps(original)
            def serialized(
                *args: Any, __original: Any = original, __name: str = name, **kwargs: Any
            ) -> Any:
                with _lock:
                    if __name != "transact_write_items":
                        return __original(*args, **kwargs)
                    items = kwargs.get("transact_items", args[1] if len(args) > 1 else [])
                    _maybe_conflict(list(items))
                    return _keep_stream_shards(args[0], __original, *args[1:], **kwargs)

            setattr(DynamoDBBackend, name, serialized)
