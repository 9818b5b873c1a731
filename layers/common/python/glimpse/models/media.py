"""The Media table: one item per media item.

Keys (`pk`, `sk`): `MEDIA#<media_id>` / `MEDIA`; ByOwner (keys only): `owner_id`, an account's
media items. A pending item carries `expires_at` (TTL) so
an upload slot that is never used disappears; the thumbnailer removes it when the item is
ready and keeps it on a rejected item (its reason stays readable until then).

`alt_text` describes the item for screen readers: set by its post's author (`POST /posts`,
`PATCH /posts/{id}`); a media item belongs to one post, so the text lives on the item and every
media object shows it.

`used_by` names the post or story that uses the item; `DELETING` while `DELETE /media` removes
it (set under the condition that nothing uses it, so no post or story can take it meanwhile).

Automatic moderation (glimpse.media.moderation) leaves, when it settles the item, the labels
that scored above `ModerationReviewScore` (`auto_labels`, on a `ready` or a `rejected` item) and,
on a ready item moderators must look at, why (`flagged`: `labels` or `moderation_failed`,
written with its `media_flagged` event).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, get_or_none, table_meta

MEDIA = "MEDIA"
DELETING = "deleting"  # `used_by` of an item being deleted (never a post's or story's id)


def media_pk(media_id: str) -> str:
    return f"MEDIA#{media_id}"


def find(media_id: str) -> MediaItem | None:
    return get_or_none(MediaItem, media_pk(media_id), MEDIA)


class ByOwner(GlobalSecondaryIndex["MediaItem"]):
    class Meta:
        index_name = "ByOwner"
        projection = KeysOnlyProjection()

    owner_id = UnicodeAttribute(hash_key=True)


class AutoLabel(MapAttribute[str, object]):
    """A label automatic moderation gave the upload, and its score (0..1)."""

    label = UnicodeAttribute()
    score = NumberAttribute()


def auto_label(label: str, score: float) -> AutoLabel:
    return AutoLabel(label=label, score=score)


class MediaItem(Model):
    Meta = table_meta("media_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=MEDIA)
    media_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # post | story | avatar
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()  # as declared by the client
    status = UnicodeAttribute()  # pending | ready | rejected
    reason = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    renditions = MapAttribute[str, str](null=True)  # long edge -> object key
    blurhash = UnicodeAttribute(null=True)
    filter = UnicodeAttribute(null=True)  # a glimpse.media.filters preset; absent before filters
    media_type = UnicodeAttribute(null=True)  # image | video; absent (image) before videos
    duration_ms = NumberAttribute(null=True)  # a ready video's
    videos = MapAttribute[str, str](null=True)  # a ready video's: short edge -> MP4 object key
    used_by = UnicodeAttribute(null=True)  # the post or story that uses it, or DELETING
    alt_text = UnicodeAttribute(null=True)  # set by its post's author (≤ 1000 characters)
    # Sent in a direct message: it stays as long as its owner's account does (the message
    # shows it), whatever happens to a post that also shows it.
    in_messages = BooleanAttribute(null=True)
    auto_labels = ListAttribute[AutoLabel](of=AutoLabel, null=True)  # strongest first
    flagged = UnicodeAttribute(null=True)  # labels | moderation_failed: moderators look at it
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)
    by_owner = ByOwner()
