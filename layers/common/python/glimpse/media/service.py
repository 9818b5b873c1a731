"""Upload slots and media items as the API serves them. Never sees an event."""

from __future__ import annotations

from datetime import timedelta

from glimpse.adapters import media_bucket
from glimpse.adapters.cdn import rendition_urls
from glimpse.clock import new_id, now
from glimpse.errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, field_error
from glimpse.graph.access import relation, require_content
from glimpse.media.filters import PRESETS
from glimpse.media.limits import (
    ALLOWED_TYPES,
    PENDING_TTL_SECONDS,
    UPLOAD_URL_TTL_SECONDS,
    VIDEO_KINDS,
    VIDEO_TYPES,
    MediaKind,
    max_bytes_of,
    media_type_of,
)
from glimpse.media.schemas import (
    FilterList,
    FilterOut,
    MediaCreate,
    MediaOut,
    UploadForm,
    UploadOut,
)
from glimpse.models.base import str_map
from glimpse.models.media import MEDIA, MediaItem, find, media_pk
from glimpse.models.objects import upload_key


def create_upload(owner_id: str, request: MediaCreate) -> UploadOut:
    """A pending media item and the presigned POST that uploads its file. Refusals write nothing."""
    content_type = request.content_type.strip().lower()
    accepted = (*ALLOWED_TYPES, *VIDEO_TYPES) if request.kind in VIDEO_KINDS else ALLOWED_TYPES
    if content_type not in accepted:
        raise UnsupportedMediaType(
            f"{request.content_type} is not accepted for a {request.kind}; "
            f"use one of {', '.join(accepted)}.",
            [field_error("content_type", f"must be one of {', '.join(accepted)}")],
        )
    media_type = media_type_of(content_type)
    max_bytes = max_bytes_of(content_type)
    if request.size_bytes > max_bytes:
        raise PayloadTooLarge(
            f"{media_type.capitalize()} uploads are limited to {max_bytes} bytes.",
            [field_error("size_bytes", f"must be at most {max_bytes}")],
        )
    media_id = new_id()
    created = now()
    MediaItem(
        media_pk(media_id),
        MEDIA,
        media_id=media_id,
        owner_id=owner_id,
        kind=request.kind,
        media_type=media_type,
        content_type=content_type,
        size_bytes=request.size_bytes,
        filter=request.filter,
        status="pending",
        created_at=created,
        updated_at=created,
        expires_at=created + timedelta(seconds=PENDING_TTL_SECONDS),
    ).save(condition=MediaItem.pk.does_not_exist())
    slot = media_bucket.presigned_upload(
        upload_key(owner_id, media_id, media_type), content_type, max_bytes, UPLOAD_URL_TTL_SECONDS
    )
    return UploadOut(
        media_id=media_id,
        upload=UploadForm(url=slot.url, fields=slot.fields),
        expires_in=UPLOAD_URL_TTL_SECONDS,
        max_bytes=max_bytes,
    )


def list_filters() -> FilterList:
    """Every preset `POST /media` accepts, in a fixed order, with its one-line description."""
    return FilterList(
        items=[
            FilterOut(name=preset.name, description=preset.description)
            for preset in PRESETS.values()
        ]
    )


def view(item: MediaItem) -> MediaOut:
    ready = item.status == "ready"
    is_video = item.media_type == "video"
    return MediaOut(
        media_id=item.media_id,
        kind=item.kind,
        media_type="video" if is_video else "image",
        status=item.status,
        content_type=item.content_type,
        width=int(item.width) if ready and item.width is not None else None,
        height=int(item.height) if ready and item.height is not None else None,
        renditions=(rendition_urls(str_map(item.renditions)) or None) if ready else None,
        blurhash=item.blurhash if ready else None,
        filter=item.filter if item.filter in PRESETS else None,
        duration_ms=int(item.duration_ms) if is_video and ready and item.duration_ms else None,
        video=(rendition_urls(str_map(item.videos)) or None) if is_video and ready else None,
        reason=item.reason if item.status == "rejected" else None,
    )


def get_media(caller_id: str, media_id: str) -> MediaOut:
    """Only the uploader sees a media item until a post or story uses it (API.md).

    Anyone else gets the same 404 as for an item that does not exist, so ids cannot be probed.
    Once used by a post, it is as visible as its owner's posts (403 private, 404 across a
    block). A story's media stay the owner's here: others see them through the story, whose
    audience and expiry this route does not know.
    """
    item = find(media_id)
    hidden = (
        item is None or item.used_by is None or item.status == "rejected" or item.kind == "story"
    )
    if item is None or (item.owner_id != caller_id and hidden):
        # Unused, or rejected (which hides the post using it): the uploader's alone.
        raise NotFound("No such media item.")
    if item.owner_id != caller_id:
        try:
            found = relation(caller_id, item.owner_id)
        except NotFound:
            raise NotFound("No such media item.") from None
        require_content(found, "media")
    return view(item)


def ready_media_of(owner_id: str, media_id: str, kind: MediaKind, field: str) -> MediaItem:
    """The caller's own ready media item of `kind`, for a field that points at one (400 if not)."""
    item = find(media_id)
    if item is None or item.owner_id != owner_id:
        raise BadRequest("No such media item of yours.", [field_error(field, "no such media item")])
    if item.kind != kind:
        raise BadRequest(
            f"The media item is a {item.kind}, not a {kind}.",
            [field_error(field, f"must be a media item of kind {kind}")],
        )
    if item.status != "ready":
        raise BadRequest(
            f"The media item is {item.status}, not ready.",
            [field_error(field, "must be ready (poll GET /media/{media_id})")],
        )
    return item


def unused_media(item: MediaItem | None, owner_id: str, kind: MediaKind, field: str) -> MediaItem:
    """`item` if it is the caller's, of `kind`, unused and not rejected (pending is fine: a
    post or story shows it once ready); else the 400 that names `field`."""
    if item is None or item.owner_id != owner_id:
        raise BadRequest("No such media item of yours.", [field_error(field, "no such media item")])
    problem = (
        f"must be a media item of kind {kind}"
        if item.kind != kind
        else "is already used"
        if item.used_by
        else "was rejected"
        if item.status == "rejected"
        else None
    )
    if problem:
        raise BadRequest(f"Media item {item.media_id} {problem}.", [field_error(field, problem)])
    return item
