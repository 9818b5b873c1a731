"""What a function does around a SnapStart snapshot (template parameter `EnableSnapStart`).

With SnapStart, Lambda runs a function's import once, when a version is published, and starts
every later execution environment from a snapshot of that memory. So:

- **Before the snapshot**, finish what the first request would otherwise do in each restored
  environment: build the pydantic schemas that `glimpse.schema` defers (a cold start pays for
  each it uses), and load what the function loads on first use (`prime`: Powertools'
  idempotency for a create, AES-GCM for cursors, pillow-heif, PyAV). The snapshot then holds
  them ready.
- **After a restore**, make unique again what the snapshot copied into every environment: the
  `random` module's state (the retry jitter of `glimpse.models.batch`; identical jitter in
  many environments would retry in step). Ids (`glimpse.clock.new_id`) read `os.urandom`,
  which Lambda reseeds at restore.

Nothing else made at import outlives a restore badly: AWS clients, PynamoDB connections, the
cursor key and the JWKS are made or fetched on first use, so after the restore; boto3 gets
its credentials then, from the runtime; no clock reading is kept from import.

The hooks come from `snapshot_restore_py`, which Lambda's Python runtimes include. Elsewhere
(the local cloud, the tests) it is absent, and `install` does nothing; without SnapStart,
Lambda never calls the hooks.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel


_PRIMERS: list[Callable[[], object]] = []


def prime(load: Callable[[], object]) -> None:
    """`load` (idempotent: a library's import, a cached set-up that makes no connection and
    reads no credential) runs before a snapshot; without SnapStart, on first use only. A
    `load` primed twice (one per route that creates, say) runs once."""
    if load not in _PRIMERS:
        _PRIMERS.append(load)


def install() -> bool:
    """Register the hooks; False where the runtime has no SnapStart library."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


def before_snapshot() -> None:
    for load in _PRIMERS:
        load()
    schema = sys.modules.get("glimpse.schema")
    if schema is None:  # the function uses no pydantic model: nothing is deferred
        return
    for model in _schemas(schema.Schema):
        if not model.__pydantic_complete__:
            model.model_rebuild(force=True)


def after_restore() -> None:
    random.seed()  # from os.urandom, fresh in each restored environment


def _schemas(base: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _schemas(model)
