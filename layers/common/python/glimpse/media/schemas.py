"""The media objects of API.md as pydantic models (they also feed the OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from glimpse.inputs import Count
from glimpse.media.filters import FilterName
from glimpse.media.limits import MediaKind, MediaStatus, RejectReason
from glimpse.schema import Schema


class MediaCreate(Schema):
    """`POST /media`. The content type is checked by the service: a disallowed one is a 415."""

    model_config = ConfigDict(extra="forbid")

    kind: MediaKind
    content_type: str = Field(
        min_length=1,
        max_length=100,
        description="An image type, or for a post or story a video type (at most 60 s); "
        "else a 415.",
    )
    size_bytes: Count = Field(ge=1, description="The file's size; over the limit is a 413.")
    filter: FilterName = Field(
        default="none", description="A preset applied to every rendition (GET /media/filters)."
    )


class UploadForm(Schema):
    url: str
    fields: dict[str, str] = Field(
        description="Form fields to send, in order, before the file (multipart/form-data)."
    )


class UploadOut(Schema):
    media_id: str
    upload: UploadForm
    expires_in: int = Field(description="Seconds the upload form stays valid.")
    max_bytes: int


class MediaOut(Schema):
    media_id: str
    kind: MediaKind
    media_type: Literal["image", "video"] = "image"
    status: MediaStatus
    content_type: str
    width: int | None = None
    height: int | None = None
    renditions: dict[str, str] | None = Field(
        default=None, description='Long edge ("1080", "640", "320", "150") → URL, once ready.'
    )
    blurhash: str | None = None
    filter: FilterName | None = Field(
        default=None, description="The preset asked for at upload; null before filters existed."
    )
    duration_ms: int | None = Field(default=None, description="A ready video's length.")
    video: dict[str, str] | None = Field(
        default=None,
        description='A ready video\'s H.264/AAC MP4s: short edge ("720", "480") → URL. Its '
        "renditions are poster frames.",
    )
    alt_text: str | None = Field(
        default=None, description="Its post's author's description (screen readers)."
    )
    reason: RejectReason | None = None


class FilterOut(Schema):
    name: FilterName
    description: str


class FilterList(Schema):
    items: list[FilterOut]
    next_cursor: None = Field(default=None, description="Always null: one page holds them all.")
