"""What an upload may be, and what the pipeline makes of it (API.md, Media upload)."""

from __future__ import annotations

from typing import Literal

MediaKind = Literal["post", "story", "avatar"]
MediaType = Literal["image", "video"]
MediaStatus = Literal["pending", "ready", "rejected"]
RejectReason = Literal[
    "not_an_image",
    "unsupported_format",
    "too_large",
    "too_many_pixels",
    "too_long",
    "corrupt",
    "policy",  # automatic moderation (glimpse.media.moderation)
]

ALLOWED_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
)
VIDEO_TYPES: tuple[str, ...] = ("video/mp4", "video/quicktime", "video/webm")
# The file name extension of each accepted type (an original in a data export).
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
}
VIDEO_KINDS: tuple[str, ...] = ("post", "story")  # an avatar is a still
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
UPLOAD_URL_TTL_SECONDS = 15 * 60
# A pending item whose upload never arrives (or never finishes) is deleted by TTL after this;
# the bucket's lifecycle rule expires the unprocessed upload itself after one day.
PENDING_TTL_SECONDS = 2 * 24 * 3600
# Decoding budget: width x height read from the header, checked before any pixel is decoded.
PIXEL_BUDGET = 50_000_000


def media_type_of(content_type: str) -> MediaType:
    return "video" if content_type in VIDEO_TYPES else "image"


def max_bytes_of(content_type: str) -> int:
    return MAX_VIDEO_BYTES if content_type in VIDEO_TYPES else MAX_UPLOAD_BYTES


# Long edge of each rendition, largest first; renditions are never upscaled.
RENDITION_SIZES: tuple[int, ...] = (1080, 640, 320, 150)
