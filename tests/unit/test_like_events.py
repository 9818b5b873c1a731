"""A like's event is its item's change on the Posts stream (glimpse.posts.like_events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from glimpse.clock import time_of
from glimpse.events import CommentLiked, CommentUnliked, PostLiked, PostUnliked
from glimpse.models.batch import Fetched
from glimpse.models.posts import POST, Comment, Post, comment_like_sk, comment_sk, post_pk
from glimpse.models.streams import StreamRecord, read_batch
from glimpse.posts import like_events
from tests.conftest import load_event

POST_ID, AUTHOR = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "5f0c1e52-0a51-4c1e-9d7e-2a1b0c9d8e7f"
LIKER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def found(*items: Any) -> Fetched:
    fetched = Fetched()
    for item in items:
        fetched.add(type(item), item)
    return fetched


def the_post() -> Post:
    return Post(post_pk(POST_ID), POST, author_id=AUTHOR)


def test_a_like_created_is_post_liked_at_the_like_s_time_with_the_same_id_each_read() -> None:
    (record,) = read_batch(load_event("publisher/like_created"))
    assert like_events.parents([record]) == []  # the item names its author: nothing to read
    event = like_events.event_of(record, Fetched())
    assert isinstance(event, PostLiked)
    assert (event.post_id, event.author_id, event.user_id) == (POST_ID, AUTHOR, LIKER)
    assert event.occurred_at == datetime(2026, 11, 21, 9, 31, 0, 456000, tzinfo=UTC)
    assert time_of(event.event_id) == event.occurred_at  # a ULID of when it happened
    again = like_events.event_of(read_batch(load_event("publisher/like_created"))[0], Fetched())
    assert again is not None
    assert again.event_id == event.event_id


def test_a_like_made_again_is_a_new_event() -> None:
    (record,) = read_batch(load_event("publisher/like_created"))
    image = {**record.new_image, "created_at": "2026-11-21T10:00:00.000000+0000"}
    later = StreamRecord("INSERT", "2", keys=record.keys, new_image=image)
    first, second = (like_events.event_of(r, Fetched()) for r in (record, later))
    assert first is not None
    assert second is not None
    assert first.event_id != second.event_id


def test_an_unlike_is_post_unliked_while_its_post_is_there() -> None:
    (record,) = read_batch(load_event("publisher/like_removed"))
    assert like_events.parents([record]) == [(Post, (post_pk(POST_ID), POST))]
    event = like_events.event_of(record, found(the_post()))
    assert isinstance(event, PostUnliked)
    assert (event.author_id, event.user_id, event.withdrawn) == (AUTHOR, LIKER, False)
    assert event.liked_at == datetime(2026, 11, 21, 9, 31, 0, 456000, tzinfo=UTC)
    assert event.occurred_at == datetime.fromtimestamp(1795253520, UTC)  # the removal's


def test_a_deleted_post_s_clean_up_publishes_nothing() -> None:
    (record,) = read_batch(load_event("publisher/like_removed"))
    assert like_events.event_of(record, Fetched()) is None


def test_a_withdrawn_like_s_removal_says_it_left_the_count_already() -> None:
    (record,) = read_batch(load_event("publisher/like_removed"))
    image = {**record.old_image, "withdrawn_at": 1795253500}
    removed = StreamRecord("REMOVE", "3", keys=record.keys, old_image=image, made_at=None)
    event = like_events.event_of(removed, found(the_post()))
    assert isinstance(event, PostUnliked)
    assert event.withdrawn


def test_a_like_without_its_author_takes_the_post_s() -> None:
    """Likes from older releases name no author: the post is read for it (or, gone, none)."""
    (record,) = read_batch(load_event("publisher/like_created"))
    image = {k: v for k, v in record.new_image.items() if k != "author_id"}
    old = StreamRecord("INSERT", "4", keys=record.keys, new_image=image)
    assert like_events.parents([old]) == [(Post, (post_pk(POST_ID), POST))]
    event = like_events.event_of(old, found(the_post()))
    assert isinstance(event, PostLiked)
    assert event.author_id == AUTHOR
    assert like_events.event_of(old, Fetched()) is None


def test_comment_likes_and_their_thread_s_clean_up() -> None:
    comment_id, commenter = "01JD0Z8Q5M3S4V6X7Y8Z9A0C00", "c0ffee00-0000-4000-8000-000000000001"
    keys = {"pk": post_pk(POST_ID), "sk": comment_like_sk(comment_id, None, LIKER)}
    image = {
        **keys,
        "user_id": LIKER,
        "liked_id": comment_id,
        "comment_author_id": commenter,
        "created_at": "2026-11-21T09:31:00.456000+0000",
    }
    created = StreamRecord("INSERT", "5", keys=keys, new_image=image)
    liked = like_events.event_of(created, Fetched())
    assert isinstance(liked, CommentLiked)
    assert (liked.comment_id, liked.author_id, liked.user_id) == (comment_id, commenter, LIKER)
    removed = StreamRecord("REMOVE", "6", keys=keys, old_image=image)
    comment = Comment(post_pk(POST_ID), comment_sk(comment_id))
    assert like_events.parents([removed]) == [
        (Post, (post_pk(POST_ID), POST)),
        (Comment, (post_pk(POST_ID), comment_sk(comment_id))),
    ]
    unliked = like_events.event_of(removed, found(the_post(), comment))
    assert isinstance(unliked, CommentUnliked)
    assert unliked.comment_id == comment_id
    assert like_events.event_of(removed, found(the_post())) is None  # the thread went


def test_anything_else_on_the_posts_stream_is_no_like() -> None:
    keys = {"pk": post_pk(POST_ID), "sk": POST}
    for name in ("INSERT", "MODIFY", "REMOVE"):
        assert like_events.event_of(StreamRecord(name, "7", keys=keys), Fetched()) is None  # type: ignore[arg-type]
    (record,) = read_batch(load_event("publisher/like_created"))
    modified = StreamRecord("MODIFY", "8", keys=record.keys, new_image=record.new_image)
    assert like_events.event_of(modified, Fetched()) is None  # a withdrawal mark, say
