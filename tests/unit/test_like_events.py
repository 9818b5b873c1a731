"""A like's event is its item's creation on the Posts stream (glimpse.posts.like_events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from glimpse.clock import time_of
from glimpse.events import CommentLiked, PostLiked
from glimpse.models.posts import POST, comment_like_sk, post_pk
from glimpse.models.streams import StreamRecord, read_batch
from glimpse.posts import like_events
from tests.conftest import load_event

POST_ID, AUTHOR = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "5f0c1e52-0a51-4c1e-9d7e-2a1b0c9d8e7f"
LIKER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
LIKED_AT = datetime(2026, 11, 21, 9, 31, 0, 456000, tzinfo=UTC)


def created() -> StreamRecord:
    (record,) = read_batch(load_event("publisher/like_created"))
    return record


def test_a_like_created_is_post_liked_at_the_like_s_time_with_the_same_id_each_read() -> None:
    event = like_events.event_of(created())
    assert isinstance(event, PostLiked)
    assert (event.post_id, event.author_id, event.user_id) == (POST_ID, AUTHOR, LIKER)
    assert event.occurred_at == LIKED_AT
    assert time_of(event.event_id) == LIKED_AT  # a ULID of when it happened
    again = like_events.event_of(created())
    assert again is not None
    assert again.event_id == event.event_id


def test_a_like_made_again_is_a_new_event() -> None:
    record = created()
    image = {**record.new_image, "created_at": "2026-11-21T10:00:00.000000+0000"}
    later = StreamRecord("INSERT", "2", keys=record.keys, new_image=image)
    first, second = (like_events.event_of(r) for r in (record, later))
    assert first is not None
    assert second is not None
    assert first.event_id != second.event_id


def test_a_like_of_an_earlier_release_had_its_event_in_the_outbox() -> None:
    """Not published again (it would count twice while a deploy rolls out)."""
    record = created()
    image = {k: v for k, v in record.new_image.items() if k != "streamed"}
    old = StreamRecord("INSERT", "3", keys=record.keys, new_image=image, made_at=record.made_at)
    assert like_events.event_of(old) is None


def test_a_like_put_back_by_a_restore_is_no_new_like() -> None:
    record = created()
    late = LIKED_AT + like_events.STREAM_RETENTION + timedelta(seconds=1)
    restored = StreamRecord(
        "INSERT", "4", keys=record.keys, new_image=record.new_image, made_at=late
    )
    assert like_events.event_of(restored) is None
    soon = LIKED_AT + like_events.STREAM_RETENTION - timedelta(seconds=1)
    retried = StreamRecord(
        "INSERT", "5", keys=record.keys, new_image=record.new_image, made_at=soon
    )
    assert like_events.event_of(retried) == like_events.event_of(record)  # the same id


def test_a_comment_like_created_is_comment_liked() -> None:
    comment_id, commenter = "01JD0Z8Q5M3S4V6X7Y8Z9A0C00", "c0ffee00-0000-4000-8000-000000000001"
    thread = "01JD0Z8Q5M3S4V6X7Y8Z9A0C01"
    keys = {"pk": post_pk(POST_ID), "sk": comment_like_sk(comment_id, thread, LIKER)}
    image = {
        **keys,
        "user_id": LIKER,
        "liked_id": comment_id,
        "reply_to": thread,
        "comment_author_id": commenter,
        "created_at": "2026-11-21T09:31:00.456000+0000",
        "streamed": True,
    }
    liked = like_events.event_of(StreamRecord("INSERT", "6", keys=keys, new_image=image))
    assert isinstance(liked, CommentLiked)
    assert (liked.comment_id, liked.author_id, liked.user_id) == (comment_id, commenter, LIKER)
    assert liked.reply_to == thread


def test_removals_and_anything_else_on_the_posts_stream_publish_nothing() -> None:
    """An unlike's `post_unliked` is in its transaction's outbox; a removal on the stream may
    as well be a deleted post's clean-up."""
    record = created()
    for name in ("MODIFY", "REMOVE"):
        change = StreamRecord(name, "7", keys=record.keys, new_image=record.new_image)  # type: ignore[arg-type]
        assert like_events.event_of(change) is None
    post = StreamRecord("INSERT", "8", keys={"pk": post_pk(POST_ID), "sk": POST}, new_image={})
    assert like_events.event_of(post) is None
    keys_only = StreamRecord("INSERT", "9", keys=record.keys)  # a stream without images
    assert like_events.event_of(keys_only) is None
