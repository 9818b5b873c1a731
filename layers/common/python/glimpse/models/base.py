"""What every model shares: table names and region read from settings when first used.

PynamoDB reads `Meta.table_name` on each use, so a metaclass property binds a model to the
table the template gave this function without reading the environment at import time.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from glimpse.config import get_settings


def table_meta(setting: str) -> Any:
    """A `Meta` class for a model stored in the table named by settings field `setting`."""

    class _Lazy(type):
        @property
        def table_name(cls) -> str:
            return get_settings().require(setting)

        @property
        def region(cls) -> str:
            return get_settings().region

    class Meta(metaclass=_Lazy):
        connect_timeout_seconds = 3
        read_timeout_seconds = 10
        max_retry_attempts = 3

    return Meta


__all__ = ["Model", "Transaction", "str_map", "table_meta", "transaction"]


def str_map(value: Any) -> dict[str, str]:
    """A raw `MapAttribute[str, str]` value as a plain dict ({} when unset)."""
    return {str(k): str(v) for k, v in value.as_dict().items()} if value else {}


class Transaction:
    """A TransactWrite whose items can be named, to tell which condition cancelled it.

    PynamoDB sends condition checks, then deletes, puts and updates, whatever order they were
    added in; `failed` maps DynamoDB's cancellation reasons back to the names given here.
    """

    def __init__(self) -> None:
        self._write = TransactWrite(connection=Connection(region=get_settings().region))
        self._names: dict[str, list[str | None]] = {
            "check": [],
            "delete": [],
            "put": [],
            "update": [],
        }

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, *exc: object) -> None:
        self._write.__exit__(*exc)

    def condition_check(
        self,
        model: type[Model],
        hash_key: str,
        range_key: str,
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

    def failed(self, exc: TransactWriteError) -> set[str]:
        """Names of the items whose condition failed (empty: cancelled for another reason)."""
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
