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

moto rolls a cancelled transaction back with whole-table copies; `_transact` does it item by
item instead (see there for why).

DynamoDB Streams' reads take the same lock: a stream reader must never see the records of a
transaction still running. One that did (the local cloud's poller, between a transaction's
first write and its cancellation) published an event that never happened, and, once the
cancelled records were cut from the shard, skipped the next real record that took their
place: under load, a concurrent like and comment came out as one like too many and one
comment too few.
"""

from __future__ import annotations

import copy
import functools
import random
import threading
from typing import Any

from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from infra.local import dynamodb_index, dynamodb_serializer

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


def reading() -> threading.RLock:
    """The lock every DynamoDB operation takes: held, a reader of moto's tables in this
    process sees no write half done (the TTL sweeper's scan)."""
    return _lock


def conflicts_caused() -> int:
    """How many transactions the conflict switch has cancelled so far."""
    return int(_conflicts["cancelled"])


def _transact(backend: DynamoDBBackend, transaction: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's transaction, rolled back item by item instead of by whole-table copies.

    moto backs up every table a transaction names with a deep copy and swaps the copy in when
    the transaction is cancelled. That costs time in proportion to the tables' size on every
    transaction (a like got slower with every like before it), orphans every open stream
    iterator (they keep reading the old shard object) and leaves stream records of the
    rolled-back writes in that shard. Here the tables are not copied: the items the
    transaction writes are saved first and put back, and the streams cut back, if it fails,
    however it fails (moto refuses some transactions, a key named twice or an update of a key
    attribute, after it wrote their first items; DynamoDB writes none of them).
    """
    items = kwargs.get("transact_items", args[0] if args else [])
    saved = [_saved_item(backend, entry) for entry in items]
    streams = {
        name: (table.stream_shard, len(table.stream_shard.items))
        for name, table in backend.tables.items()
        if table.stream_shard is not None
    }
    _sharing.active = True
    try:
        return transaction(backend, *args, **kwargs)
    except Exception:  # cancelled, or refused half-way (a ValidationException): nothing applies
        for found in saved:
            if found is not None:
                _restore(*found)
        for shard, length in streams.values():
            del shard.items[length:]
        raise
    finally:
        _sharing.active = False


def _saved_item(backend: DynamoDBBackend, entry: dict[str, Any]) -> tuple[Any, ...] | None:
    ((operation, body),) = entry.items()
    table = backend.tables.get(body.get("TableName"))
    if table is None or operation == "ConditionCheck":
        return None
    raw = body.get("Key") or body.get("Item") or {}
    if table.hash_key_attr not in raw:
        return None
    hash_value = DynamoType(raw[table.hash_key_attr])
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in raw:
            return None
        range_value = DynamoType(raw[table.range_key_attr])
    current = table.get_item(hash_value, range_value)
    return table, hash_value, range_value, copy.deepcopy(current)


def _restore(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    """Put an item back as it was (absent when `item` is None), without a stream record."""
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    partition = table.items[hash_value]
    if item is None:
        partition.pop(range_value, None)
        if not partition:
            table.items.pop(hash_value, None)
    else:
        partition[range_value] = item


class _Sharing(threading.local):
    active = False


_sharing = _Sharing()


def _table_deepcopy(table: Table, memo: dict[int, Any]) -> Table:
    """Tables deep-copy as usual, except inside `_transact`, whose copies would be wasted."""
    if _sharing.active:
        return table
    clone: Table = object.__new__(type(table))
    memo[id(table)] = clone
    for name, value in table.__dict__.items():
        clone.__dict__[name] = copy.deepcopy(value, memo)
    return clone


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


def _serialize_stream_reads() -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    for name in ("get_shard_iterator", "get_records"):
        original = getattr(DynamoDBStreamsBackend, name)

        @functools.wraps(original)
        def locked(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return __original(*args, **kwargs)

        setattr(DynamoDBStreamsBackend, name, locked)


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
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
                    return _transact(args[0], __original, *args[1:], **kwargs)

            setattr(DynamoDBBackend, name, serialized)
        _serialize_stream_reads()
    dynamodb_index.install()  # and Query reads the partition, not the table
    dynamodb_serializer.install()  # and items are encoded in one pass
