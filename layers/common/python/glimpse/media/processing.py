"""The thumbnailer's work on one uploaded object: check, render, moderate, publish, settle
the item.

The media item moves `pending → ready | rejected` once, by a conditional write, so a repeated
or late delivery can never undo or redo a settled item. Every step before that write is
safe to repeat (same keys, same bytes), which is what makes a retry after a failure anywhere
in the middle correct. An item deleted while its upload was processed (`DELETE /media`) is
not there to settle: what was written for it is deleted again.

Automatic moderation (glimpse.media.moderation) scores the rendered pixels before anything is
published: a `policy` rejection publishes nothing; a flagged upload is settled `ready` with its
`media_flagged` event in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pynamodb.expressions.update import Action

from glimpse.adapters import media_bucket
from glimpse.clock import now
from glimpse.media import imaging, moderation
from glimpse.media.files import delete_files
from glimpse.media.filters import PRESETS
from glimpse.media.limits import RejectReason, max_bytes_of
from glimpse.media.moderation import PASSED, Verdict
from glimpse.models.base import conditionally
from glimpse.models.media import DELETING, MEDIA, MediaItem, auto_label, find, media_pk
from glimpse.models.objects import original_key, parse_upload_key, rendition_key, upload_key
from glimpse.models.transactions import ConditionFailed, transaction

if TYPE_CHECKING:
    from glimpse.events import Event


@dataclass(frozen=True)
class UploadedObject:
    """What an S3 ObjectCreated record says about an upload (key already URL-decoded)."""

    bucket: str
    key: str
    size: int
    version: str  # the record's sequencer (or eTag where there is none): one upload
    attempt: int = 1  # which delivery of its message this is (SQS's ApproximateReceiveCount)


@dataclass(frozen=True)
class Outcome:
    result: Literal["ready", "rejected", "ignored"]
    detail: str = ""
    reason: RejectReason | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    duration_ms: float = 0.0
    flagged: moderation.FlagReason | None = None  # ready, and sent to moderators for this


Publisher = Callable[[MediaItem, UploadedObject, media_bucket.Upload, float], "Outcome"]


def process_upload(upload: UploadedObject, publish: Publisher | None = None) -> Outcome:
    """Check an upload against its pending item, then `publish` it (the renditions of an
    image by default; the transcoder passes its own for videos)."""
    started = time.perf_counter()
    parsed = parse_upload_key(upload.key)
    if parsed is None:
        return Outcome("ignored", "not an upload key")
    user_id, media_id = parsed
    item = find(media_id)
    if (
        item is None
        or item.owner_id != user_id
        or upload.key != upload_key(user_id, media_id, item.media_type or "image")
    ):
        media_bucket.delete(upload.bucket, upload.key)
        return Outcome("ignored", "no such media item for this key; upload deleted")
    if item.status != "pending":
        # A re-delivery after the item settled, or a second upload to the same slot.
        media_bucket.delete(upload.bucket, upload.key)
        return Outcome("ignored", f"media item already {item.status}; upload deleted")
    if item.used_by == DELETING:
        media_bucket.delete(upload.bucket, upload.key)
        return Outcome("ignored", "media item being deleted; upload deleted")

    stored = media_bucket.open_upload(upload.bucket, upload.key)
    if stored is None:
        return Outcome("ignored", "the upload is gone")
    try:
        if stored.size == 0:
            return reject(item, upload, "not_an_image", "empty file", started)
        if stored.size > max_bytes_of(item.content_type):
            # The S3 policy refuses these in AWS; the local S3 does not enforce it.
            return reject(item, upload, "too_large", f"{stored.size} bytes", started)
        return (publish or _publish_image)(item, upload, stored, started)
    finally:
        stored.close()


def _publish_image(
    item: MediaItem, upload: UploadedObject, stored: media_bucket.Upload, started: float
) -> Outcome:
    data = stored.read()
    try:
        preset = PRESETS.get(item.filter or "none", PRESETS["none"])
        rendered = imaging.render(data, item.content_type, preset=preset)
    except imaging.Rejected as rejected:
        return reject(item, upload, rejected.reason, rejected.detail, started, len(data))
    verdict = moderation.review([rendered.sample], upload.attempt)
    if verdict.rejected:
        return reject_by_policy(item, upload, verdict, started, len(data))
    keys = publish_renditions(item, upload, rendered)
    out = sum(len(jpeg) for jpeg in rendered.renditions.values())
    return settle_ready(item, upload, started, rendered, keys, (len(data), out), verdict=verdict)


def publish_renditions(
    item: MediaItem, upload: UploadedObject, rendered: imaging.Rendered
) -> dict[str, str]:
    """The renditions written where the CDN serves them: size → object key."""
    keys: dict[str, str] = {}
    for size, jpeg in rendered.renditions.items():
        keys[str(size)] = rendition_key(item.media_id, size, item.kind)
        media_bucket.put_rendition(upload.bucket, keys[str(size)], jpeg)
    return keys


def settle_ready(
    item: MediaItem,
    upload: UploadedObject,
    started: float,
    rendered: imaging.Rendered,
    keys: dict[str, str],
    sizes: tuple[int, int],
    *more: Action,
    verdict: Verdict = PASSED,
) -> Outcome:
    """Keep the original, mark the item ready (its renditions at `keys`, `more` of its
    attributes, and moderation's `verdict`: labels, a flag and its event), drop the upload.
    `sizes`: bytes in, bytes out."""
    original = original_key(item.owner_id, item.media_id, item.kind)
    if not media_bucket.copy(upload.bucket, upload.key, original):
        gone = _deleted_meanwhile(item, started)  # the upload went with its item
        if gone is None:
            raise RuntimeError(f"the upload of media item {item.media_id} is gone")
        return gone
    settled = _settle(
        item,
        MediaItem.status.set("ready"),
        MediaItem.width.set(rendered.width),
        MediaItem.height.set(rendered.height),
        MediaItem.renditions.set(keys),
        MediaItem.blurhash.set(rendered.blurhash),
        MediaItem.expires_at.remove(),
        *more,
        *_moderated(verdict),
        event=_flagged(item, verdict),
    )
    media_bucket.delete(upload.bucket, upload.key)
    if not settled and (gone := _deleted_meanwhile(item, started)) is not None:
        return gone
    return Outcome(
        "ready" if settled else "ignored",
        f"{rendered.width}x{rendered.height}" if settled else "settled by another delivery",
        bytes_in=sizes[0],
        bytes_out=sizes[1],
        duration_ms=(time.perf_counter() - started) * 1000,
        flagged=verdict.flag if settled else None,
    )


def _deleted_meanwhile(item: MediaItem, started: float) -> Outcome | None:
    """If the item was deleted (or is being deleted) while its upload was processed, what
    this wrote for it goes too; None if it is still there."""
    found = find(item.media_id)
    if found is not None and found.used_by != DELETING:
        return None
    delete_files([item])
    return Outcome(
        "ignored",
        "media item deleted meanwhile; its files deleted",
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def reject(
    item: MediaItem,
    upload: UploadedObject,
    reason: RejectReason,
    detail: str,
    started: float,
    bytes_in: int = 0,
    *more: Action,
) -> Outcome:
    """Settle the item `rejected` for `reason` (and `more` of its attributes); the upload
    goes."""
    settled = _settle(item, MediaItem.status.set("rejected"), MediaItem.reason.set(reason), *more)
    media_bucket.delete(upload.bucket, upload.key)  # a rejected original is never kept
    return Outcome(
        "rejected" if settled else "ignored",
        detail,
        reason=reason if settled else None,
        bytes_in=bytes_in,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def reject_by_policy(
    item: MediaItem, upload: UploadedObject, verdict: Verdict, started: float, bytes_in: int
) -> Outcome:
    """Moderation's rejection (`reason: policy`), with the labels that made it."""
    return reject(item, upload, "policy", verdict.detail, started, bytes_in, *_moderated(verdict))


def _moderated(verdict: Verdict) -> list[Action]:
    """What the item keeps of moderation's verdict: its labels, and why moderators look."""
    actions: list[Action] = []
    if verdict.labels:
        labels = [auto_label(label, score) for label, score in verdict.labels]
        actions.append(MediaItem.auto_labels.set(labels))
    if verdict.flag is not None:
        actions.append(MediaItem.flagged.set(verdict.flag))
    return actions


def _flagged(item: MediaItem, verdict: Verdict) -> Event | None:
    """The `media_flagged` event of an item published for moderators to look at."""
    if verdict.flag is None:
        return None
    from glimpse.events import AutoLabel as Label  # pydantic: only when an upload is flagged
    from glimpse.events import MediaFlagged

    return MediaFlagged(
        media_id=item.media_id,
        owner_id=item.owner_id,
        labels=[Label(label=label, score=score) for label, score in verdict.labels],
        reason=verdict.flag,
    )


def _settle(item: MediaItem, *actions: Action, event: Event | None = None) -> bool:
    """Move a pending item to its final state, with `event` if one is given (one
    transaction); False when another delivery already did."""
    target = MediaItem(media_pk(item.media_id), MEDIA)
    changes = [*actions, MediaItem.updated_at.set(now())]
    pending = MediaItem.status == "pending"
    if event is None:
        return conditionally(lambda: target.update(actions=changes, condition=pending))
    try:
        with transaction() as tx:
            tx.update(target, changes, condition=pending)
            tx.emit(event)
    except ConditionFailed:
        return False
    return True
