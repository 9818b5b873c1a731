"""Opaque, tamper-evident list cursors (API.md, Lists).

A cursor is `base64url(json position) . base64url(HMAC-SHA256(key, list id + position))`.
The list id (e.g. `followers:<user_id>`) is part of the MAC but not of the cursor, so a cursor
edited, forged, or taken from another list fails verification: a 400, never a wrong page.
The key is the template's `CursorSecret`, read once per execution environment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from glimpse.adapters.aws import secrets
from glimpse.config import get_settings
from glimpse.errors import BadRequest, field_error

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# The two query parameters of every list route (validated by the resolver, in OpenAPI).
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (default 20).")]
Cursor = Annotated[
    str | None, Query(max_length=4096, description="`next_cursor` of the previous page.")
]


@cache
def _key() -> bytes:
    arn = get_settings().require("cursor_secret_arn")
    return secrets().get_secret_value(SecretId=arn)["SecretString"].encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(list_id: str, payload: bytes) -> bytes:
    return hmac.new(_key(), list_id.encode() + b"\n" + payload, hashlib.sha256).digest()[:18]


def encode_cursor(list_id: str, position: dict[str, Any]) -> str:
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(list_id, payload))}"


def decode_cursor(list_id: str, cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor holds, None for no cursor; 400 for anything not minted here."""
    if not cursor:
        return None
    invalid = BadRequest(
        "The cursor is not valid for this list.", [field_error("cursor", "invalid cursor")]
    )
    try:
        payload_text, mac_text = cursor.split(".", 1)
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise invalid from None
    if not hmac.compare_digest(mac, _mac(list_id, payload)):
        raise invalid
    position = json.loads(payload)
    if not isinstance(position, dict):
        raise invalid
    return position


class Page[T](BaseModel):
    """A list response: `{"items": [...], "next_cursor": "<opaque>" | null}`."""

    items: list[T]
    next_cursor: str | None = None
