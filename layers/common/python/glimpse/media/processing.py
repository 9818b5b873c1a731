"""The thumbnailer's work on one uploaded object: check, render, publish, settle the item.

The media item moves `pending → ready | rejected` once, by a conditional write, so a repeated
or late delivery can never undo or redo a settled item. Every step before that write is
safe to repeat (same keys, same bytes), which is what makes a retry after a failure anywhere
in the middle correct.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from pynamodb.expressions.update import Action

from glimpse.adapters import media_bucket
from glimpse.clock import now
from glimpse.media import imaging
from glimpse.media.filters import PRESETS
from glimpse.media.limits import MAX_UPLOAD_BYTES, RejectReason
from glimpse.media.service import find
from glimpse.models.base import conditionally
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import original_key, parse_upload_key, rendition_key


@dataclass(frozen=True)
class UploadedObject:
    """What an S3 ObjectCreated record says about an upload (key already URL-decoded)."""

    bucket: str
    key: str
    size: int
    version: str  # the record's sequencer (or eTag where there is none): one upload


@dataclass(frozen=True)
class Outcome:
    result: Literal["ready", "rejected", "ignored"]
    detail: str = ""
    reason: RejectReason | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    duration_ms: float = 0.0


def process_upload(upload: UploadedObject) -> Outcome:
    started = time.perf_counter()
    parsed = parse_upload_key(upload.key)
    if parsed is None:
        return Outcome("ignored", "not an upload key")
    user_id, media_id = parsed
    item = find(media_id)
    if item is None or item.owner_id != user_id:
        media_bucket.delete(upload.bucket, upload.key)
        return Outcome("ignored", "no such media item for this key; upload deleted")
    if item.status != "pending":
        # A re-delivery after the item settled, or a second upload to the same slot.
        media_bucket.delete(upload.bucket, upload.key)
        return Outcome("ignored", f"media item already {item.status}; upload deleted")

    stored = media_bucket.open_upload(upload.bucket, upload.key)
    if stored is None:
        return Outcome("ignored", "the upload is gone")
    try:
        if stored.size == 0:
            return _reject(item, upload, "not_an_image", "empty file", started)
        if stored.size > MAX_UPLOAD_BYTES:
            # The S3 policy refuses these in AWS; the local S3 does not enforce it.
            return _reject(item, upload, "too_large", f"{stored.size} bytes", started)
        data = stored.read()
    finally:
        stored.close()

    try:
        preset = PRESETS.get(item.filter or "none", PRESETS["none"])
        rendered = imaging.render(data, item.content_type, preset=preset)
    except imaging.Rejected as rejected:
        return _reject(item, upload, rejected.reason, rejected.detail, started, len(data))

    keys: dict[str, str] = {}
    caching = media_bucket.SHORT_LIVED if item.kind == "story" else media_bucket.LASTING
    for size, jpeg in rendered.renditions.items():
        keys[str(size)] = rendition_key(media_id, size, item.kind)
        media_bucket.put_rendition(upload.bucket, keys[str(size)], jpeg, caching)
    media_bucket.copy(upload.bucket, upload.key, original_key(user_id, media_id, item.kind))
    settled = _settle(
        item,
        MediaItem.status.set("ready"),
        MediaItem.width.set(rendered.width),
        MediaItem.height.set(rendered.height),
        MediaItem.renditions.set(keys),
        MediaItem.blurhash.set(rendered.blurhash),
        MediaItem.expires_at.remove(),
    )
    media_bucket.delete(upload.bucket, upload.key)
    return Outcome(
        "ready" if settled else "ignored",
        f"{rendered.width}x{rendered.height}" if settled else "settled by another delivery",
        bytes_in=len(data),
        bytes_out=sum(len(jpeg) for jpeg in rendered.renditions.values()),
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def _reject(
    item: MediaItem,
    upload: UploadedObject,
    reason: RejectReason,
    detail: str,
    started: float,
    bytes_in: int = 0,
) -> Outcome:
    settled = _settle(item, MediaItem.status.set("rejected"), MediaItem.reason.set(reason))
    media_bucket.delete(upload.bucket, upload.key)  # a rejected original is never kept
    return Outcome(
        "rejected" if settled else "ignored",
        detail,
        reason=reason if settled else None,
        bytes_in=bytes_in,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def _settle(item: MediaItem, *actions: Action) -> bool:
    """Move a pending item to its final state; False when another delivery already did."""
    target = MediaItem(media_pk(item.media_id), MEDIA)
    return conditionally(
        lambda: target.update(
            actions=[*actions, MediaItem.updated_at.set(now())],
            condition=MediaItem.status == "pending",
        )
    )
