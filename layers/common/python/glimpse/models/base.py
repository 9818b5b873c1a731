"""What every model shares: table names and region read from settings when first used, and
one botocore loader for all their connections.

PynamoDB reads `Meta.table_name` on each use, so a metaclass property binds a model to the
table the template gave this function without reading the environment at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.session
import pynamodb.connection.base
from botocore.loaders import Loader, create_loader
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model

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


__all__ = ["Model", "conditionally", "get_or_none", "start_after", "str_map", "table_meta"]


# PynamoDB gives each model class its own connection, and each connection a new botocore
# session, whose loader reads and parses DynamoDB's service model and endpoint rules again:
# about 10 MB and a few milliseconds for every model a process uses (the exporter uses 14).
# The sessions share one loader instead, so they are parsed once per process.
@cache
def _loader(data_path: str | None) -> Loader:
    return create_loader(data_path)


def _session(env_vars: dict[str, Any] | None = None) -> botocore.session.Session:
    session = botocore.session.Session(env_vars)
    session.register_component("data_loader", _loader(session.get_config_variable("data_path")))
    return session


pynamodb.connection.base.get_session = _session  # type: ignore[attr-defined]  # what it calls


def conditionally(write: Callable[[], Any]) -> bool:
    """Run one conditional put, update or delete: False when its condition did not hold (and
    nothing was written); any other failure is raised."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def start_after(pk: str, sk: str | None) -> dict[str, Any] | None:
    """A Query's `last_evaluated_key` for resuming after (pk, sk) (None: from the start), for
    work that continues through a queue; lists that page for clients use glimpse.pagination."""
    return {"pk": {"S": pk}, "sk": {"S": sk}} if sk else None


def get_or_none[M: Model](
    model: type[M], hash_key: str, range_key: str | None = None, *, consistent: bool = True
) -> M | None:
    """One item by key (strongly consistent unless told), or None: the one "get or 404"."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except model.DoesNotExist:
        return None


def str_map(value: Any) -> dict[str, str]:
    """A raw `MapAttribute[str, str]` value as a plain dict ({} when unset)."""
    return {str(k): str(v) for k, v in value.as_dict().items()} if value else {}
