"""Secrets Manager: the cursor secret (the template's `CursorSecret`), which seals cursors."""

from __future__ import annotations

from functools import cache

from glimpse.adapters.aws import secrets
from glimpse.config import get_settings


@cache
def cursor_key() -> bytes:
    """Read once per execution environment; rotate by updating the secret (docs/operations.md)."""
    arn = get_settings().require("cursor_secret_arn")
    return secrets().get_secret_value(SecretId=arn)["SecretString"].encode()
