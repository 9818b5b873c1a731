"""Handlers the runtime tests load (each environment gets its own copy of this module)."""

from typing import Any


def explode(event: Any, context: Any) -> None:
    raise ValueError("nope")


def hold(event: Any, context: Any) -> int:
    event.wait()  # a threading.Barrier: returns once every concurrent invocation is inside
    return id(hold)
