"""Wake-ups for the pollers: moto tells this process when a stream or a queue gets something.

Lambda's pollers ask AWS over and over; the local cloud's run in the same process as moto, so
instead of polling every 50-200 ms (most of an idle local cloud's CPU), a poller with nothing
to do waits here until the table stream or the queue it reads from gets a record or a message
(`version(key)` changed), or until its backoff runs out (a message whose visibility timeout
ends is not announced, so SQS pollers still look now and then).

Keys: `stream:<table name>` (a record added to the table's stream), `table:<table name>` (an
item written or deleted, stream or not: the TTL sweeper looks only at tables that changed) and
`queue:<queue name>` (a message added to the queue: sent, published through SNS, an S3
notification, a redrive).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_anything = threading.Condition(_lock)  # waiters woken by any key
_by_key: dict[str, threading.Condition] = {}  # waiters of one key (all on `_lock`)
_versions: dict[str, int] = {}
_installed = False


def version(key: str) -> int:
    """How many times `key` got something so far (in this process)."""
    return _versions.get(key, 0)


def bump(key: str) -> None:
    """`key` got something: its waiters (and those of any key) look again. Only they: each
    DynamoDB write bumps its table, and waking every poller on each (some thirty threads)
    cost more than the writes' own notifying."""
    with _lock:
        _versions[key] = _versions.get(key, 0) + 1
        waiters = _by_key.get(key)
        if waiters is not None:
            waiters.notify_all()
        _anything.notify_all()


def wake_all() -> None:
    """Every waiter checks its condition again (e.g. the delivery is stopping)."""
    with _lock:
        _anything.notify_all()
        for waiters in _by_key.values():
            waiters.notify_all()


def wait(until: Callable[[], bool], timeout: float, key: str | None = None) -> bool:
    """Wait until `until()` holds or `timeout` passes; `until` is checked whenever `key` is
    bumped (any key when None; "" for none: only `wake_all`)."""
    with _lock:
        waiters = _anything if key is None else _by_key.get(key)
        if waiters is None:
            waiters = _by_key[str(key)] = threading.Condition(_lock)
        return waiters.wait_for(until, timeout)


def stream_key(stream_arn: str) -> str:
    """The key of a table stream, from its ARN (`...:table/<name>/stream/<label>`)."""
    return f"stream:{stream_arn.split(':table/', 1)[-1].split('/stream/', 1)[0]}"


def queue_key(queue: str) -> str:
    """The key of a queue, from its URL, ARN or name."""
    return f"queue:{queue.rstrip('/').rsplit('/', 1)[-1].rsplit(':', 1)[-1]}"


def install() -> None:
    """Announce stream records and queue messages (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard
    from moto.sqs.models import Queue

    add_record, add_message = StreamShard.add, Queue.add_message

    def add(self: Any, old: Any, new: Any) -> None:
        add_record(self, old, new)
        bump(f"stream:{self.table.name}")

    def add_message_announced(self: Any, message: Any) -> None:
        add_message(self, message)
        bump(f"queue:{self.name}")

    StreamShard.add = add  # type: ignore[method-assign]
    Queue.add_message = add_message_announced  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):  # transactions and batches too
        _announce_writes(DynamoDBBackend, name)


def _announce_writes(cls: Any, name: str) -> None:
    original = getattr(cls, name)

    @functools.wraps(original)
    def announced(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, table_name, *args, **kwargs)
        finally:
            bump(f"table:{table_name}")

    setattr(cls, name, announced)
