"""What every model shares: the table's region and the connection settings."""

from __future__ import annotations

from pynamodb.models import Model

from glimpse.config import get_settings


class BaseMeta:
    region = get_settings().region
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3


def table_name(setting: str) -> str:
    """The physical table name the template gave this function (empty if it was not given)."""
    return str(getattr(get_settings(), setting))


__all__ = ["BaseMeta", "Model", "table_name"]
