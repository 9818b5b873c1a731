"""Opaque, tamper-evident list cursors (API.md, Lists): sealing only, no AWS.

A cursor is `base64url(version · salt · AES-256-GCM(position JSON))`, unpadded:

- `version`: one byte (1), so a later format can be told apart;
- `salt`: 16 random bytes, from which the cursor's own AES key is derived: HMAC-SHA256 of the
  label `glimpse cursor v1`, a zero byte and the salt, keyed with the cursor secret. The secret
  serves nothing else under that label, and every cursor has a key of its own, so the
  nonce (fixed: each key seals one cursor) never repeats under a key however many cursors are
  made, which random 96-bit nonces under one key would only promise for 2^32 of them;
- the ciphertext with its 16-byte GCM tag; the associated data is the version and the list id
  (e.g. `followers:<user_id>`), which is not in the cursor.

So a cursor shows nothing of its position (the DynamoDB key it holds names users), and one
edited in any character, forged, or taken from another list fails to open: a 400, never a
wrong page. Only the canonical base64url text of a cursor opens (no padding, no other
characters, no spare bits set). A cursor of the earlier signed format (`payload.mac`) is
refused like any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from glimpse import snapstart
from glimpse.errors import BadRequest, field_error

VERSION = b"\x01"
LABEL = b"glimpse cursor v1\x00"
SALT_BYTES = 16
TAG_BYTES = 16
NONCE = bytes(12)  # each derived key seals a single cursor


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """The bytes of canonical unpadded base64url `text`; ValueError for anything else."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:  # characters the decoder skipped, padding, spare bits
        raise ValueError("not canonical base64url")
    return raw


def _aesgcm() -> Any:
    """AES-GCM, loaded with the first cursor (about 11 ms), not at a function's cold start;
    before the snapshot under SnapStart."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


snapstart.prime(_aesgcm)


def _aead(secret: bytes, salt: bytes) -> Any:
    return _aesgcm()(hmac.new(secret, LABEL + salt, hashlib.sha256).digest())


def _associated(list_id: str) -> bytes:
    return VERSION + list_id.encode()


def seal(secret: bytes, list_id: str, position: dict[str, Any]) -> str:
    """`position` sealed for the list `list_id` under the cursor secret."""
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    salt = os.urandom(SALT_BYTES)
    sealed = _aead(secret, salt).encrypt(NONCE, payload, _associated(list_id))
    return _b64(VERSION + salt + sealed)


def unseal(secret: bytes, list_id: str, cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor holds, None for no cursor; 400 for anything not sealed here for
    this list."""
    if not cursor:
        return None
    invalid = BadRequest(
        "The cursor is not valid for this list.", [field_error("cursor", "invalid cursor")]
    )
    try:
        raw = _unb64(cursor)
    except (ValueError, binascii.Error):
        raise invalid from None
    if len(raw) < 1 + SALT_BYTES + TAG_BYTES or raw[:1] != VERSION:
        raise invalid
    salt, sealed = raw[1 : 1 + SALT_BYTES], raw[1 + SALT_BYTES :]
    from cryptography.exceptions import InvalidTag

    try:
        payload = _aead(secret, salt).decrypt(NONCE, sealed, _associated(list_id))
    except InvalidTag:
        raise invalid from None
    position = json.loads(payload)
    if not isinstance(position, dict):
        raise invalid
    return position
