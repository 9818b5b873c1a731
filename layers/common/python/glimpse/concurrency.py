"""Independent AWS calls of one request, made at the same time."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

MAX_WORKERS = 8


def each[T, R](call: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`call(item)` for every item, at most MAX_WORKERS at a time; results in item order. Each
    call runs in a copy of this context (the tracer's segment, the log's correlation id)."""
    work = list(items)
    if not work:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(work))) as pool:
        tasks = [pool.submit(contextvars.copy_context().run, call, item) for item in work]
        return [task.result() for task in tasks]
