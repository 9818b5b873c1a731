"""Opaque, tamper-evident list cursors (API.md, Lists): signing only, no AWS.

A cursor is `base64url(json position) . base64url(HMAC-SHA256(key, list id + position))`.
The list id (e.g. `followers:<user_id>`) is part of the MAC but not of the cursor, so a cursor
edited, forged, or taken from another list fails verification: a 400, never a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from glimpse.errors import BadRequest, field_error


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, list_id: str, payload: bytes) -> bytes:
    return hmac.new(key, list_id.encode() + b"\n" + payload, hashlib.sha256).digest()[:18]


def sign(key: bytes, list_id: str, position: dict[str, Any]) -> str:
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(key, list_id, payload))}"


def verify(key: bytes, list_id: str, cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor holds, None for no cursor; 400 for anything not signed here."""
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
    if not hmac.compare_digest(mac, _mac(key, list_id, payload)):
        raise invalid
    position = json.loads(payload)
    if not isinstance(position, dict):
        raise invalid
    return position
