"""Sealed list cursors (glimpse.cursors): they open only for their list under the secret that
sealed them, and show nothing of the key they hold."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import uuid

import pytest

from glimpse import cursors
from glimpse.errors import BadRequest

SECRET = b"unit-test-secret-of-48-characters-0123456789abcd"
USER = str(uuid.uuid4())
LIST = f"followers:{USER}"
POSITION = {"after": f"FOLLOWER#{USER}"}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def refused(cursor: str, list_id: str = LIST, secret: bytes = SECRET) -> bool:
    """Whether opening `cursor` is the 400 on the `cursor` field."""
    try:
        cursors.unseal(secret, list_id, cursor)
    except BadRequest as error:
        return bool(error.details[0]["field"] == "cursor")
    return False


def raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def test_a_cursor_opens_for_its_list_with_its_position() -> None:
    token = cursors.seal(SECRET, LIST, POSITION)
    assert cursors.unseal(SECRET, LIST, token) == POSITION
    assert cursors.unseal(SECRET, LIST, None) is None
    assert cursors.unseal(SECRET, LIST, "") is None
    again = cursors.seal(SECRET, LIST, POSITION)
    assert again != token  # a salt of its own each time
    assert cursors.unseal(SECRET, LIST, again) == POSITION
    feed = {"before": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "served": 40}
    assert cursors.unseal(SECRET, "feed:x", cursors.seal(SECRET, "feed:x", feed)) == feed


def test_a_cursor_is_url_safe_and_short() -> None:
    token = cursors.seal(SECRET, LIST, POSITION)
    assert set(token) <= set(ALPHABET)
    # the position's compact JSON, 1 version byte, 16 of salt, 16 of tag; no padding
    payload = json.dumps(POSITION, separators=(",", ":")).encode()
    assert len(token) == math.ceil((len(payload) + 33) * 4 / 3)
    assert len(token) <= 120  # a followers cursor: its signed form was 100


def test_a_cursor_reveals_neither_the_key_nor_the_user_id() -> None:
    token = cursors.seal(SECRET, LIST, POSITION)
    decoded = raw(token)
    for clear in (USER, USER.replace("-", ""), "FOLLOWER", "after", "followers"):
        assert clear.encode() not in decoded
        assert clear not in token
    assert uuid.UUID(USER).bytes not in decoded


def test_a_cursor_edited_in_any_character_or_byte_is_refused() -> None:
    token = cursors.seal(SECRET, LIST, POSITION)
    for index, char in enumerate(token):
        at = ALPHABET.index(char)
        for other in (ALPHABET[(at + 1) % 64], ALPHABET[at ^ 1]):  # ^ 1: a low bit only
            assert refused(token[:index] + other + token[index + 1 :]), (index, other)
    data = raw(token)
    for index in range(len(data)):
        for bit in (0x01, 0x80):
            flipped = data[:index] + bytes([data[index] ^ bit]) + data[index + 1 :]
            assert refused(cursors._b64(flipped)), (index, bit)
    for bad in (token[:-1], token[1:], token + "A", token + "=", token + ".", " " + token, "x"):
        assert refused(bad), bad


def test_a_cursor_from_another_list_or_secret_is_refused() -> None:
    token = cursors.seal(SECRET, LIST, POSITION)
    assert refused(token, list_id=f"following:{USER}")
    assert refused(token, list_id=f"followers:{uuid.uuid4()}")
    assert refused(token, secret=b"another secret")


def test_a_cursor_of_the_signed_format_is_refused() -> None:
    """The format before sealing: `base64url(position JSON) . base64url(HMAC-SHA256[:18])`."""
    payload = json.dumps(POSITION, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(SECRET, LIST.encode() + b"\n" + payload, hashlib.sha256).digest()[:18]
    old = f"{cursors._b64(payload)}.{cursors._b64(mac)}"
    assert refused(old)
    assert refused(old.replace(".", ""))


def test_only_a_json_object_opens() -> None:
    """Defence in depth: what a sealed cursor must hold, even under the right secret."""
    salt = bytes(16)
    sealed = cursors._aead(SECRET, salt).encrypt(
        cursors.NONCE, b"[1, 2]", cursors.VERSION + LIST.encode()
    )
    assert refused(cursors._b64(cursors.VERSION + salt + sealed))


@pytest.mark.parametrize("version", [b"\x00", b"\x02"])
def test_an_unknown_version_is_refused(version: bytes) -> None:
    data = raw(cursors.seal(SECRET, LIST, POSITION))
    assert refused(cursors._b64(version + data[1:]))
