"""Likes' events, read from the Posts table's stream: a like item's creation is its
`post_liked` (or `comment_liked`).

A like is one item, so its creation is its event: the request writes the like alone (one
conditional `PutItem`, 1 write unit) instead of a transaction of the like and an outbox item
(4 write units), and the stream gives the event exactly when the like commits, as the outbox
would. The publisher publishes these with the outbox's events (same topic, same JSON);
consumers cannot tell them apart.

- Only items that say so (`streamed`) are published: a like written by an earlier release
  carried its event in the outbox, and publishing its creation too would count it twice
  while a deploy rolls out.
- An event's id is a ULID of the like's `created_at` whose random part is derived from the
  item (`clock.derived_id`): a retried batch publishes the same ids (consumers absorb them), a
  like made again after an unlike is a new event.
- A like put back long after it was made (a table restore copying items back: docs/operations.md)
  is no new like: a creation whose like is older than the stream's 24 hours of records is
  skipped. One put back sooner gets the id it had, which the consumers have applied already.
- Removals are not events here: an unlike is a transaction with its checks, and its
  `post_unliked` goes through the outbox with it (a removal on the stream could be a deleted
  post's clean-up, a restore's or an unlike, and only the request knows which).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from glimpse.clock import derived_id
from glimpse.events import CommentLiked, Event, PostLiked
from glimpse.models.posts import COMMENT_LIKE, LIKE, post_id_in
from glimpse.models.streams import StreamRecord

STREAM_RETENTION = timedelta(hours=24)  # DynamoDB Streams keeps a record this long


def is_like(record: StreamRecord) -> bool:
    """A post's or a comment's like created (what this module reads)."""
    return record.event_name == "INSERT" and record.sk.startswith((LIKE, COMMENT_LIKE))


def event_of(record: StreamRecord) -> Event | None:
    """The event a like's creation stands for, or None (not a like's creation; a like of an
    earlier release; a like put back)."""
    image = record.new_image
    if not is_like(record) or not image.get("streamed") or "created_at" not in image:
        return None
    made = datetime.fromisoformat(str(image["created_at"]))  # PynamoDB's UTCDateTimeAttribute
    if record.made_at is not None and record.made_at - made > STREAM_RETENTION:
        return None  # put back by a restore: counted when it was made
    event_id = derived_id(made, f"{record.pk}|{record.sk}|{image['created_at']}")
    post_id = post_id_in(record.pk)
    if record.sk.startswith(COMMENT_LIKE):
        return CommentLiked(
            event_id=event_id,
            occurred_at=made,
            post_id=post_id,
            comment_id=str(image["liked_id"]),
            reply_to=image.get("reply_to"),
            author_id=str(image["comment_author_id"]),
            user_id=str(image["user_id"]),
        )
    return PostLiked(
        event_id=event_id,
        occurred_at=made,
        post_id=post_id,
        author_id=str(image["author_id"]),
        user_id=str(image["user_id"]),
    )
