"""Secrets Manager: the cursor secret (the template's `CursorSecret`), which seals cursors,
and the media URL signing key (`MediaUrlSigningKey`)."""

from __future__ import annotations

from functools import cache

from glimpse.adapters.aws import secrets
from glimpse.config import get_settings


@cache
def cursor_key() -> bytes:
    """Read once per execution environment; rotate by updating the secret (docs/operations.md)."""
    arn = get_settings().require("cursor_secret_arn")
    return secrets().get_secret_value(SecretId=arn)["SecretString"].encode()


@cache
def media_url_key() -> bytes:
    """The private key media URLs are signed with (DER, PKCS8), read once per execution
    environment; a rotation deploys a new stack parameter, hence new environments."""
    import base64

    arn = get_settings().require("media_url_signing_key_arn")
    return base64.b64decode(secrets().get_secret_value(SecretId=arn)["SecretString"])
