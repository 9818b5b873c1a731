"""Handlers the runtime tests load (each environment gets its own copy of this module)."""

from typing import Any

from pydantic import BaseModel


class Box[T](BaseModel):
    item: T


# A generic model made at import, as the API handlers' `Page[...]` return types are: pydantic
# looks the defining module up in sys.modules while it makes it.
IntBox = Box[int]


def explode(event: Any, context: Any) -> None:
    raise ValueError("nope")


def hold(event: Any, context: Any) -> int:
    event.wait()  # a threading.Barrier: returns once every concurrent invocation is inside
    assert IntBox(item=1).item == 1
    return id(hold)
