"""What an upload may be, and what the pipeline makes of it (API.md, Media upload)."""

from __future__ import annotations

from typing import Literal

MediaKind = Literal["post", "story", "avatar"]
MediaStatus = Literal["pending", "ready", "rejected"]
RejectReason = Literal[
    "not_an_image", "unsupported_format", "too_large", "too_many_pixels", "too_long", "corrupt"
]

ALLOWED_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_URL_TTL_SECONDS = 15 * 60
# A pending item whose upload never arrives (or never finishes) is deleted by TTL after this;
# the bucket's lifecycle rule expires the unprocessed upload itself after one day.
PENDING_TTL_SECONDS = 2 * 24 * 3600
# Decoding budget: width x height read from the header, checked before any pixel is decoded.
PIXEL_BUDGET = 50_000_000
# Long edge of each rendition, largest first; renditions are never upscaled.
RENDITION_SIZES: tuple[int, ...] = (1080, 640, 320, 150)
