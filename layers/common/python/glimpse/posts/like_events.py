"""Likes' events, read from the Posts table's stream: a like item's creation is its
`post_liked` (or `comment_liked`), its removal by a person its `post_unliked` (or
`comment_unliked`).

A like is one item, so the item's own change is its event: the request writes the like alone
(one conditional `PutItem`, 1 write unit) instead of a transaction of the like and an outbox
item (4 write units), and the stream gives the event exactly when the like commits, as the
outbox would. The publisher publishes these with the outbox's events (same topic, same
JSON); consumers cannot tell them apart.

- An event's id is a ULID of when it happened, derived from the item and its `created_at`
  (`clock.derived_id`): a retried batch publishes the same ids (consumers absorb them), a like
  made again after an unlike is a new event.
- A removal is an unlike only while what it belongs to is still there. The clean-up of a
  deleted post (or comment thread) deletes its likes by the thousand: those removals are not
  unlikes, and publishing them would cost an event and a counter mark each. `parents` names
  the items to read (one BatchGetItem per batch): the post, and for a comment like the
  comment.
- A like withdrawn with its deleted account (`withdrawn_at`) left the counts then: its
  removal says so (`withdrawn`), as the outbox event did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from glimpse.clock import derived_id
from glimpse.events import CommentLiked, CommentUnliked, Event, PostLiked, PostUnliked
from glimpse.models.base import Model
from glimpse.models.batch import Fetched
from glimpse.models.posts import (
    COMMENT_LIKE,
    LIKE,
    POST,
    Comment,
    Post,
    comment_key,
    comment_ref,
    post_id_in,
)
from glimpse.models.streams import Image, StreamRecord

type ParentKey = tuple[type[Model], tuple[str, str]]


def is_like(record: StreamRecord) -> bool:
    """A post's or a comment's like, created or removed (what this module reads)."""
    return record.event_name in ("INSERT", "REMOVE") and record.sk.startswith((LIKE, COMMENT_LIKE))


def parents(records: Iterable[StreamRecord]) -> list[ParentKey]:
    """What the removals among `records` belong to (and the post of a like that does not name
    its author): read them before `event_of`."""
    keys: list[ParentKey] = []
    for record in records:
        if not is_like(record):
            continue
        if record.event_name == "INSERT":
            if not record.sk.startswith(COMMENT_LIKE) and "author_id" not in record.new_image:
                keys.append((Post, (record.pk, POST)))
            continue
        keys.append((Post, (record.pk, POST)))
        if record.sk.startswith(COMMENT_LIKE):
            keys.append((Comment, comment_key(_comment_ref(record.pk, record.old_image))))
    return keys


def event_of(record: StreamRecord, found: Fetched) -> Event | None:
    """The event a like's record stands for, or None (not a like; a clean-up's removal)."""
    if not is_like(record):
        return None
    post = found.get(Post, (record.pk, POST))
    if record.event_name == "INSERT":
        return _liked(record, post)
    if post is None:
        return None  # its post was deleted: the clean-up's, not an unlike
    image = record.old_image
    if record.sk.startswith(COMMENT_LIKE):
        if found.get(Comment, comment_key(_comment_ref(record.pk, image))) is None:
            return None  # its comment was deleted: the thread's clean-up
        return CommentUnliked(
            event_id=_event_id("comment_unliked", record, image),
            occurred_at=_removed(record, image),
            post_id=post_id_in(record.pk),
            comment_id=str(image["liked_id"]),
            reply_to=image.get("reply_to"),
            author_id=str(image["comment_author_id"]),
            user_id=str(image["user_id"]),
            liked_at=_created(image),
            withdrawn=image.get("withdrawn_at") is not None,
        )
    return PostUnliked(
        event_id=_event_id("post_unliked", record, image),
        occurred_at=_removed(record, image),
        post_id=post_id_in(record.pk),
        author_id=str(post.author_id),
        user_id=str(image["user_id"]),
        liked_at=_created(image),
        withdrawn=image.get("withdrawn_at") is not None,
    )


def _liked(record: StreamRecord, post: Post | None) -> Event | None:
    image = record.new_image
    post_id, made = post_id_in(record.pk), _created(image)
    if record.sk.startswith(COMMENT_LIKE):
        return CommentLiked(
            event_id=_event_id("comment_liked", record, image),
            occurred_at=made,
            post_id=post_id,
            comment_id=str(image["liked_id"]),
            reply_to=image.get("reply_to"),
            author_id=str(image["comment_author_id"]),
            user_id=str(image["user_id"]),
        )
    author_id = image.get("author_id") or (post.author_id if post is not None else None)
    if author_id is None:
        return None  # a like from an older release on a post gone since: nothing to count
    return PostLiked(
        event_id=_event_id("post_liked", record, image),
        occurred_at=made,
        post_id=post_id,
        author_id=str(author_id),
        user_id=str(image["user_id"]),
    )


def _comment_ref(pk: str, image: Image) -> str:
    reply_to = image.get("reply_to")
    return comment_ref(post_id_in(pk), str(image.get("liked_id", "")), reply_to)


def _created(image: Image) -> datetime:
    return datetime.fromisoformat(str(image["created_at"]))  # PynamoDB's UTCDateTimeAttribute


def _removed(record: StreamRecord, image: Image) -> datetime:
    """When a like was removed: the stream's time of the change (the same on every read)."""
    return record.made_at or _created(image)


def _event_id(kind: str, record: StreamRecord, image: Image) -> str:
    """The same for every delivery of one change, different for a like made again."""
    moment = _created(image) if record.event_name == "INSERT" else _removed(record, image)
    return derived_id(moment, f"{kind}|{record.pk}|{record.sk}|{image.get('created_at')}")
