"""The export object of API.md as a pydantic model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from glimpse.schema import Schema, Timestamp

ExportStatus = Literal["pending", "ready", "failed"]


class ExportOut(Schema):
    export_id: str
    status: ExportStatus
    url: str | None = Field(
        default=None,
        description="`ready`: where to download the ZIP; each response gives a new link that "
        "works for an hour.",
    )
    expires_at: Timestamp | None = Field(
        default=None, description="`ready`: when the archive is deleted (7 days after it was made)."
    )
    size_bytes: int | None = Field(default=None, description="`ready`: the ZIP's size.")
