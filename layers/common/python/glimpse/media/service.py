"""Upload slots and media items as the API serves them; deleting an unused one. Never sees an
event."""

from __future__ import annotations

from datetime import timedelta

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path

from glimpse.adapters import media_bucket
from glimpse.adapters.cdn import rendition_urls
from glimpse.clock import new_id, now
from glimpse.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    field_error,
)
from glimpse.graph.access import relation, require_content
from glimpse.media.files import delete_files
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
from glimpse.models.base import conditionally, get_or_none, str_map
from glimpse.models.media import DELETING, MEDIA, MediaItem, find, media_pk
from glimpse.models.moderation import is_removed
from glimpse.models.objects import upload_key
from glimpse.models.posts import POST, Post, post_pk
from glimpse.models.transactions import ConditionFailed, Contention, transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk


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
        alt_text=item.alt_text,
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
    if item is None or item.used_by == DELETING or (item.owner_id != caller_id and hidden):
        # Unused, or rejected (which hides the post using it): the uploader's alone.
        raise NotFound("No such media item.")
    if item.owner_id != caller_id:
        try:
            found = relation(caller_id, item.owner_id)
        except NotFound:
            raise NotFound("No such media item.") from None
        require_content(found, "media")
        if item.kind == "post" and _post_removed(str(item.used_by)):  # a moderator's removal
            raise NotFound("No such media item.")
    return view(item)


def _post_removed(post_id: str) -> bool:
    post = get_or_none(Post, post_pk(post_id), POST, consistent=False)
    return post is None or is_removed(post)


def ready_media_of(owner_id: str, media_id: str, kind: MediaKind, field: str) -> MediaItem:
    """The caller's own ready media item of `kind`, for a field that points at one (400 if not)."""
    item = find(media_id)
    if item is None or item.owner_id != owner_id or item.used_by == DELETING:
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
    if item is None or item.owner_id != owner_id or item.used_by == DELETING:
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


# --------------------------------------------------------------------------- delete
def delete_media(caller_id: str, media_id: str) -> None:
    """The caller's unused media item goes, with every object of it (glimpse.media.files).

    404 for someone else's item, as for one that does not exist (ids cannot be probed); 409
    while a post or story uses it, or it is the caller's avatar. First the item is claimed
    (`used_by = DELETING`, under the condition that nothing uses it: a post, story or avatar
    that takes it at the same moment and the claim cannot both succeed), then its objects go,
    then the item. A request that finds the item claimed finishes the work, so a retry after a
    failure halfway leaves nothing behind; once the item is gone, deleting again is a 404.
    """
    item: MediaItem | None = _claimed(caller_id, media_id)
    for _attempt in range(3):
        if item is None:
            return  # another request finished the deletion
        delete_files([item])
        if _drop(item):
            return
        item = find(media_id)  # the thumbnailer settled it meanwhile: its files are new
    raise Contention()


def _drop(item: MediaItem) -> bool:
    """Delete the claimed item if its status is still the one read; False if not (or gone)."""
    as_read = (MediaItem.used_by == DELETING) & (MediaItem.status == item.status)
    return conditionally(lambda: item.delete(condition=as_read))


def _claimed(caller_id: str, media_id: str) -> MediaItem:
    """The caller's media item, marked as being deleted (or found so: a retry), or the 404 or
    409 that says why not."""
    for _attempt in range(3):
        item = find(media_id)
        if item is None or item.owner_id != caller_id:
            raise NotFound("No such media item.")
        if item.used_by == DELETING:
            return item
        if item.in_messages:
            raise Conflict(
                f"Media item {media_id} was sent in a conversation; it stays with the message."
            )
        if item.used_by:
            raise Conflict(
                f"Media item {media_id} is used by your {item.kind} {item.used_by}; "
                f"delete the {item.kind} first."
            )
        try:
            with transaction() as tx:
                tx.update(
                    MediaItem(media_pk(media_id), MEDIA),
                    actions=[MediaItem.used_by.set(DELETING), MediaItem.updated_at.set(now())],
                    # As read: settled since, it may have become the avatar.
                    condition=(MediaItem.owner_id == caller_id)
                    & MediaItem.used_by.does_not_exist()
                    & MediaItem.in_messages.does_not_exist()
                    & (MediaItem.status == item.status),
                    name="media",
                )
                avatar = _not_the_avatar(item)
                if avatar is not None:
                    tx.condition_check(
                        UserProfile, user_pk(caller_id), PROFILE, condition=avatar, name="avatar"
                    )
        except ConditionFailed as failed:
            if "avatar" in failed.names:
                raise Conflict(
                    f"Media item {media_id} is your avatar; set another one first."
                ) from None
            continue  # used, settled or deleted meanwhile: read it again
        item.used_by = DELETING
        return item
    raise Contention()


def _not_the_avatar(item: MediaItem) -> Condition | None:
    """For a ready avatar item, a condition on its owner's profile: its avatar is not `item`
    (the profile keeps its avatar's rendition keys, glimpse.users.service); else None."""
    if item.kind != "avatar":
        return None
    condition: Condition | None = None
    for size, key in str_map(item.renditions).items():
        shown = Path(UserProfile.avatar)[size]
        other = shown.does_not_exist() | (shown != key)
        condition = other if condition is None else condition & other
    return condition
