"""Time and identifiers in the formats of API.md (ISO-8601 UTC with Z, ULIDs).

A ULID (github.com/ulid/spec) is 48 bits of milliseconds since the epoch and 80 random bits,
in 26 characters of Crockford's base32: ids sort by the time they were made. Written here, in
a few lines, rather than imported: the library cost every cold start more than all of this.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: index for index, char in enumerate(_CROCKFORD)}
_TIME_CHARS = 10  # 48 bits of milliseconds (the first character holds 3 of its 5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def _ulid(milliseconds: int, randomness: int) -> str:
    value = milliseconds << 80 | randomness
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_id(moment: datetime | None = None) -> str:
    """A new ULID: of now, or of `moment` (an item whose id and time must show the same
    millisecond, as a message's `message_id` and `created_at`)."""
    milliseconds = time.time_ns() // 1_000_000 if moment is None else _milliseconds(moment)
    return _ulid(milliseconds, int.from_bytes(os.urandom(10)))


def _milliseconds(moment: datetime) -> int:
    """Milliseconds since the epoch, floored as `iso` floors them (integer arithmetic: a
    float's product can land a millisecond short)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def first_id_at(moment: datetime) -> str:
    """The smallest ULID of `moment`: ids at or after it sort at or after this one."""
    return _ulid(int(moment.timestamp() * 1000), 0)


def derived_id(moment: datetime, name: str) -> str:
    """A ULID of `moment` whose random bits are `name`'s hash: the same id each time one fact
    (named by `name`) is read again, as a retried stream batch reads it."""
    randomness = int.from_bytes(hashlib.sha256(name.encode()).digest()[:10])
    return _ulid(_milliseconds(moment), randomness)


def time_of(ulid: str) -> datetime:
    """When an id was made (to the millisecond: a ULID's first 48 bits); ValueError if `ulid`
    is not one."""
    if len(ulid) != 26 or ulid[0] > "7" or not set(ulid) <= _VALUE.keys():
        raise ValueError(f"not a ULID: {ulid!r}")
    milliseconds = 0
    for char in ulid[:_TIME_CHARS]:
        milliseconds = milliseconds << 5 | _VALUE[char]
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def iso(moment: datetime) -> str:
    """`2026-11-21T09:30:00.123Z`: milliseconds, always UTC."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
