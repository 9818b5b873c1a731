"""DynamoDB's per-request atomicity on moto.

AWS applies each write (and each transaction) atomically: a condition is checked and the
write applied with nothing in between. moto's server is threaded and its DynamoDB backend
has no lock, so two concurrent conditional writes could both pass their check. Concurrency
tests (unique usernames, exact counters) must not depend on luck, so the local cloud runs
moto's DynamoDB operations one at a time.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

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


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        for name in _OPERATIONS:
            original = getattr(DynamoDBBackend, name)

            @functools.wraps(original)
            def serialized(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
                with _lock:
                    return __original(*args, **kwargs)

            setattr(DynamoDBBackend, name, serialized)
