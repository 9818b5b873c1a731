"""Time and identifiers in the formats of API.md (ISO-8601 UTC with Z, ULIDs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema
from ulid import ULID


def now() -> datetime:
    return datetime.now(UTC)


def first_id_at(moment: datetime) -> str:
    """The smallest ULID of `moment`: ids at or after it sort at or after this one."""
    return str(ULID.from_datetime(moment))[:10] + "0" * 16


def time_of(ulid: str) -> datetime:
    """When an id was made (to the millisecond: a ULID's first 48 bits)."""
    return ULID.from_str(ulid).datetime.astimezone(UTC)


def iso(moment: datetime) -> str:
    """`2026-11-21T09:30:00.123Z`: milliseconds, always UTC."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def new_id() -> str:
    return str(ULID())


# A datetime that serialises as API.md's time format (also in the OpenAPI document).
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-11-21T09:30:00.123Z"}
    ),
]
