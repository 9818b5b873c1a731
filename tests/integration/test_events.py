"""Domain events: written with the change (outbox), counted once, consumed whatever the order."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from functions.publisher import app as publisher
from glimpse import events
from glimpse.clock import now
from glimpse.counters import followers
from glimpse.counters import service as counters
from glimpse.events import type_of
from glimpse.graph import celebrities
from glimpse.graph import service as graph
from glimpse.models import transactions
from glimpse.models.base import get_or_none
from glimpse.models.batch import write_many
from glimpse.models.feed import CELEBRITIES, FeedItem, feed_pk
from glimpse.models.graph import AFFINITY, BLOCKS, FOLLOWER, FOLLOWS, REQUEST, Edge, edge_key
from glimpse.models.outbox import OutboxEvent
from glimpse.models.posts import Comment, Like, Post, like_sk, post_pk
from glimpse.models.streams import read_batch
from glimpse.models.transactions import transaction
from glimpse.posts import cleanup
from glimpse.posts import service as posts
from infra.local import atomicity
from tests.integration.conftest import Stack
from tests.integration.social import (
    EventPump,
    TableStream,
    User,
    api,
    follow,
    make_user,
    post,
    profile,
    run_feed_jobs,
    settle,
)


def outbox_ids() -> set[str]:
    return {item.pk for item in OutboxEvent.scan()}  # tests only: the outbox is small here


def emitted(action: Callable[[], Any]) -> list[str]:
    """The types of the events `action` wrote to the outbox, of the likes' own events (their
    items' changes on the Posts stream, as the publisher reads them) and of the follows' (their
    edges' creations on the Users stream, as the followers function publishes them)."""
    stack = EventPump.current
    assert stack is not None
    posts_stream = TableStream(stack, "PostsTable", "LATEST")
    users_stream = TableStream(stack, "UsersTable", "LATEST")
    before = outbox_ids()
    action()
    new = [item.type for item in OutboxEvent.scan() if item.pk not in before]
    likes = publisher._events(read_batch({"Records": posts_stream.read()}))
    follows = [
        type_of(type(followers.event_of(change)))
        for change in followers.changes(read_batch({"Records": users_stream.read()}))
        if change.created
    ]
    return sorted(new + [kind for _, (kind, _) in likes] + follows)


def stored_entries(user: User) -> list[str]:
    return [item.sk for item in FeedItem.query(feed_pk(user.id)) if item.sk != CELEBRITIES]


def edges_between(a: User, b: User) -> list[str]:
    """Every follow, request and block edge between a and b that exists."""
    found = []
    for owner, kind, other in (
        (a, FOLLOWS, b),
        (b, FOLLOWS, a),
        (a, FOLLOWER, b),
        (b, FOLLOWER, a),
        (a, REQUEST, b),
        (b, REQUEST, a),
    ):
        try:
            Edge.get(*edge_key(owner.id, kind, other.id), consistent_read=True)
            found.append(f"{owner.username} {kind} {other.username}")
        except Edge.DoesNotExist:
            continue
    return found


# --------------------------------------------------------------------------- the outbox
def test_each_write_records_its_event_with_the_change(alice: User, bob: User) -> None:
    carol = make_user(private=True)
    post_id = ""

    def publish() -> None:
        nonlocal post_id
        post_id = post(alice)

    assert emitted(publish) == ["post_created"]
    assert emitted(lambda: follow(bob, alice)) == ["follow_created"]
    assert emitted(lambda: follow(bob, carol)) == ["follow_created"]  # a request
    assert emitted(lambda: api("graph", "approve", carol, {"username": bob.username})) == [
        "request_approved"
    ]
    like = {"post_id": post_id}
    assert emitted(lambda: api("posts", "like", bob, like)) == ["post_liked"]
    assert emitted(lambda: api("posts", "unlike", bob, like)) == ["post_unliked"]
    comment: dict[str, Any] = {}

    def add_comment() -> None:
        comment.update(api("posts", "create_comment", bob, like, body={"text": "hi"})[1])

    assert emitted(add_comment) == ["comment_added"]
    params = {**like, "comment_id": comment["comment_id"]}
    assert emitted(lambda: api("posts", "delete_comment", bob, params)) == ["comment_deleted"]
    assert emitted(lambda: api("users", "patch_me", alice, body={"is_private": True})) == [
        "account_made_private"
    ]
    assert emitted(lambda: api("users", "patch_me", alice, body={"bio": "hello"})) == [
        "profile_changed"
    ]
    assert emitted(lambda: api("graph", "block", alice, {"username": bob.username})) == [
        "follow_removed",
        "user_blocked",
    ]
    assert emitted(lambda: api("graph", "unblock", alice, {"username": bob.username})) == [
        "user_unblocked"
    ]
    deleted = emitted(lambda: api("posts", "delete_post", alice, like))
    assert sorted(deleted) == ["media_withdrawn", "post_deleted"]  # its media go too


def test_refused_and_repeated_writes_record_nothing(alice: User, bob: User) -> None:
    post_id = post(alice)
    api("posts", "like", bob, {"post_id": post_id})
    follow(bob, alice)
    assert emitted(lambda: api("posts", "like", bob, {"post_id": post_id})) == []  # again
    assert emitted(lambda: follow(bob, alice)) == []
    assert emitted(lambda: api("graph", "unblock", alice, {"username": bob.username})) == []
    api("graph", "block", alice, {"username": bob.username})
    assert emitted(lambda: api("graph", "block", alice, {"username": bob.username})) == []
    refused = [
        lambda: api("posts", "like", bob, {"post_id": post_id}),  # 404 across the block
        lambda: api("graph", "follow", bob, {"username": alice.username}),
        lambda: api("posts", "create_comment", bob, {"post_id": post_id}, body={"text": "x"}),
        lambda: api("graph", "unfollow", bob, {"username": alice.username}),  # nothing left
    ]
    for action in refused:
        assert emitted(action) == []
    api("users", "patch_me", alice, body={"bio": "same"})
    assert emitted(lambda: api("users", "patch_me", alice, body={"bio": "same"})) == []
    assert emitted(lambda: api("users", "patch_me", alice, body={"is_private": False})) == []


def test_a_blocked_user_cannot_like_again_or_unlike(alice: User, bob: User) -> None:
    post_id = post(alice)
    assert api("posts", "like", bob, {"post_id": post_id})[0] == 200
    api("graph", "block", alice, {"username": bob.username})
    for route in ("like", "unlike"):
        status, body = api("posts", route, bob, {"post_id": post_id})
        assert (status, body["error"]["code"]) == (404, "not_found")


def test_approving_a_request_of_a_follower_drops_it_with_an_event(alice: User, bob: User) -> None:
    """A follow and a request both stored (a race of an older version): approving removes the
    request and says so; the follow, and the counts, stay as they are."""
    for owner, kind, other in (
        (bob, FOLLOWS, alice),
        (alice, FOLLOWER, bob),
        (alice, REQUEST, bob),
    ):
        Edge(*edge_key(owner.id, kind, other.id), other_id=other.id).save()
    approve = lambda: api("graph", "approve", alice, {"username": bob.username})  # noqa: E731
    assert emitted(approve) == ["follow_removed"]
    assert edges_between(alice, bob) == [
        f"{bob.username} FOLLOWS# {alice.username}",
        f"{alice.username} FOLLOWER# {bob.username}",
    ]
    assert api("graph", "follow_requests", alice)[1]["items"] == []


def test_event_types_and_json_round_trip() -> None:
    event = events.PostLiked(post_id="p", author_id="a", user_id="u")
    again = events.parse(event.model_dump_json())
    assert again == event
    assert isinstance(again, events.PostLiked)
    assert len(set(events.EVENT_TYPES)) == len(events.EVENT_TYPES) == 40
    with pytest.raises(ValueError, match="type"):
        events.parse('{"type": "post_exploded", "event_id": "x"}')


# --------------------------------------------------------------------------- counters
def test_counts_are_exact_however_often_and_in_whatever_order_events_come(
    alice: User,
) -> None:
    post_id = post(alice)
    fans = [make_user() for _ in range(12)]
    for fan in fans:
        posts.like(fan.id, post_id)
        graph.follow(fan.id, alice.username)
    for fan in fans[:4]:
        posts.unlike(fan.id, post_id)
        graph.unfollow(fan.id, alice.username)
    settle(deliveries=3, shuffle=random.Random(7))
    assert int(Post.get(post_pk(post_id), "POST").like_count) == 8
    found = profile(alice)
    assert (int(found.followers_count), int(found.posts_count)) == (8, 1)
    assert [int(profile(f).following_count) for f in fans] == [0] * 4 + [1] * 8


def test_one_write_per_counter_item_per_batch(alice: User) -> None:
    post_id = post(alice)
    settle()
    likes = [
        events.PostLiked(post_id=post_id, author_id=alice.id, user_id=f"user-{i}")
        for i in range(40)
    ]
    applied = counters.apply(likes + likes[:10])  # duplicates in the same batch count once
    assert (applied.events, applied.transactions) == (40, 1)
    assert applied.items_written == 41  # the post once, and 40 readers' affinity edges
    again = counters.apply(likes)  # a re-delivered batch
    assert (again.events, again.duplicates, again.items_written) == (0, 40, 0)
    assert int(Post.get(post_pk(post_id), "POST").like_count) == 40


def test_a_batch_larger_than_a_transaction_is_split(alice: User) -> None:
    post_ids = [post(alice) for _ in range(3)]
    settle()
    likes = [
        events.PostLiked(post_id=post_ids[i % 3], author_id=alice.id, user_id=alice.id)
        for i in range(150)
    ]
    applied = counters.apply(likes)
    assert applied.events == 150
    assert applied.transactions == 2  # 97 marks + 3 posts, then the other 53 and 3 posts
    assert [int(Post.get(post_pk(p), "POST").like_count) for p in post_ids] == [50, 50, 50]


def test_counting_a_deleted_post_creates_nothing(alice: User) -> None:
    post_id = post(alice)
    api("posts", "delete_post", alice, {"post_id": post_id})
    settle()
    # A like that committed just after the deletion, and after the clean-up ran.
    Like(post_pk(post_id), "LIKE#someone", user_id="someone", created_at=now()).save()
    late = events.PostLiked(post_id=post_id, author_id=alice.id, user_id="someone")
    applied = counters.apply([late])
    assert (applied.events, applied.orphans_removed) == (1, 1)
    with pytest.raises(Post.DoesNotExist):
        Post.get(post_pk(post_id), "POST")
    assert list(Like.query(post_pk(post_id))) == []


def affinity(reader: User, author: User) -> int:
    edge = get_or_none(Edge, *edge_key(reader.id, AFFINITY, author.id), consistent=True)
    return 0 if edge is None else int(edge.interactions)


def test_an_unlike_counts_even_when_its_post_is_deleted_before_it_is_published(
    alice: User, bob: User
) -> None:
    """The unlike's event is in its transaction (the outbox), not read off the stream later,
    when the post may be gone: the liker's affinity goes back down."""
    post_id = post(alice)
    assert api("posts", "like", bob, {"post_id": post_id})[0] == 200
    settle()
    assert affinity(bob, alice) == 1
    assert api("posts", "unlike", bob, {"post_id": post_id})[0] == 200
    assert api("posts", "delete_post", alice, {"post_id": post_id})[0] == 204
    settle()
    assert affinity(bob, alice) == 0


def test_a_like_written_by_the_release_before_counts_once(alice: User, bob: User) -> None:
    """While a deploy rolls out, the previous release writes a like with its `post_liked` in
    the outbox (and no `streamed` mark): its creation on the stream is not published again."""
    post_id = post(alice)
    with transaction() as tx:
        tx.save(Like(post_pk(post_id), like_sk(bob.id), user_id=bob.id, created_at=now()))
        tx.emit(events.PostLiked(post_id=post_id, author_id=alice.id, user_id=bob.id))
    settle(deliveries=2)
    assert int(Post.get(post_pk(post_id), "POST", consistent_read=True).like_count) == 1
    assert affinity(bob, alice) == 1


def test_celebrity_promotion_is_an_event_the_fan_out_consumes(
    stack: Stack, alice: User, celebrity_threshold: None
) -> None:
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        follow(fan, alice)
    settle()
    assert profile(alice).is_celebrity
    for fan in fans:
        celebrities = FeedItem.get(feed_pk(fan.id), CELEBRITIES).celebrity_ids
        assert celebrities == {alice.id}


def test_a_celebrity_leaves_the_sets_of_readers_who_unfollowed_meanwhile(alice: User) -> None:
    fan, gone = make_user(), make_user()
    follow(fan, alice)
    settle()
    assert celebrities.join([fan.id, gone.id], alice.id) == 1
    assert FeedItem.get(feed_pk(fan.id), CELEBRITIES).celebrity_ids == {alice.id}
    assert not FeedItem.get(feed_pk(gone.id), CELEBRITIES).celebrity_ids


# --------------------------------------------------------------------------- contention
@pytest.fixture
def conflicts() -> Iterator[Callable[[float], None]]:
    """Cancel a share of transactions with TransactionConflict; backoff without sleeping."""
    saved = transactions.backoff
    transactions.backoff = lambda attempt: 0.0  # type: ignore[assignment]
    yield lambda share: atomicity.set_conflict_share(share, seed=11)
    atomicity.set_conflict_share(0.0)
    transactions.backoff = saved  # type: ignore[assignment]


def test_conflicts_are_retried_and_never_an_error(
    alice: User, bob: User, conflicts: Callable[[float], None]
) -> None:
    post_id = post(alice)
    before = atomicity.conflicts_caused()
    conflicts(0.5)
    for _ in range(5):
        assert api("posts", "like", bob, {"post_id": post_id})[0] == 200
        assert api("posts", "unlike", bob, {"post_id": post_id})[0] == 200
    assert follow(bob, alice) == "following"
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204
    settle()
    conflicts(0.0)
    assert atomicity.conflicts_caused() > before
    assert int(Post.get(post_pk(post_id), "POST").like_count) == 0
    assert edges_between(alice, bob) == []


def test_contention_that_outlasts_the_retries_is_a_429(
    alice: User, bob: User, conflicts: Callable[[float], None]
) -> None:
    post_id = post(alice)
    conflicts(1.0)
    status, body = api("posts", "create_comment", bob, {"post_id": post_id}, body={"text": "hi"})
    conflicts(0.0)
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert list(Comment.query(post_pk(post_id), Comment.sk.startswith("COMMENT#"))) == []


# --------------------------------------------------------------------------- block wins
def test_a_block_re_reads_when_a_follow_commits_under_it(
    alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of the old code, made deterministic: the block reads no follow, then the
    follow commits before the block's transaction. The block's checks fail; it re-reads."""
    real = graph._edges_between
    reads: list[int] = []

    def stale_then_real(a: str, b: str) -> dict[tuple[str, str], bool]:
        found = real(a, b)
        if not reads:  # the first read, as it was before the follow
            graph.follow(bob.id, alice.username)
        reads.append(1)
        return found

    monkeypatch.setattr(graph, "_edges_between", stale_then_real)
    graph.block(alice.id, bob.username)
    assert len(reads) == 2
    assert edges_between(alice, bob) == []
    Edge.get(*edge_key(alice.id, BLOCKS, bob.id), consistent_read=True)  # the block stands


def test_a_second_block_or_an_unfollow_removes_a_leftover_edge(alice: User, bob: User) -> None:
    """Edges a block must never leave behind (as an older version could) are removed by
    blocking again, and by the blocked user's unfollow (the follower edge by the followers
    function, from the follow edge's removal)."""
    api("graph", "block", alice, {"username": bob.username})
    for owner, kind, other in ((bob, FOLLOWS, alice), (alice, FOLLOWER, bob)):
        Edge(*edge_key(owner.id, kind, other.id), other_id=other.id).save()
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204
    settle()
    assert edges_between(alice, bob) == []
    for owner, kind, other in ((bob, FOLLOWS, alice), (alice, FOLLOWER, bob)):
        Edge(*edge_key(owner.id, kind, other.id), other_id=other.id).save()
    assert api("graph", "unfollow", bob, {"username": alice.username})[0] == 204
    settle()
    assert edges_between(alice, bob) == []


# --------------------------------------------------------------------------- re-follow
def test_re_following_back_fills_again_and_each_unfollow_prunes(stack: Stack, alice: User) -> None:
    ids = [post(alice, f"p{i}") for i in range(3)]
    reader = make_user()
    shuffle = random.Random(3)
    for _round in range(2):
        follow(reader, alice)
        settle(deliveries=2, shuffle=shuffle)
        assert sorted(stored_entries(reader)) == sorted(ids)
        api("graph", "unfollow", reader, {"username": alice.username})
        settle(deliveries=2, shuffle=shuffle)
        assert stored_entries(reader) == []


def test_follow_unfollow_follow_in_one_batch_ends_following(alice: User) -> None:
    ids = [post(alice) for _ in range(2)]
    settle()
    reader = make_user()
    follow(reader, alice)
    api("graph", "unfollow", reader, {"username": alice.username})
    follow(reader, alice)
    settle(deliveries=2, shuffle=random.Random(5))  # the three events, in any order
    assert sorted(stored_entries(reader)) == sorted(ids)
    assert int(profile(alice).followers_count) == 1


# --------------------------------------------------------------------------- viral delete
def test_deleting_a_post_with_5000_likes_runs_in_chunks(
    stack: Stack, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleanup, "CLEANUP_PAGE", 500)
    post_id = post(alice)
    settle()
    moment = now()
    likes = [
        Like(post_pk(post_id), f"LIKE#fan-{i:05d}", user_id=f"fan-{i:05d}", created_at=moment)
        for i in range(5000)
    ]
    write_many(Like, puts=likes)
    sizes: list[int] = []
    real = cleanup.write_many

    def recorded(model: Any, puts: Any = (), deletes: Any = (), **kwargs: Any) -> int:
        if model is not FeedItem:
            sizes.append(len(deletes))
        return real(model, puts=puts, deletes=deletes, **kwargs)

    monkeypatch.setattr(cleanup, "write_many", recorded)
    assert api("posts", "delete_post", alice, {"post_id": post_id}) == (204, None)
    jobs = run_feed_jobs(stack)
    assert jobs >= 10  # post_deleted, then a continuation per further 500 likes
    assert max(sizes) <= 500
    assert sum(sizes) == 5000
    assert list(Like.query(post_pk(post_id))) == []


# --------------------------------------------------------------------------- sample events
@pytest.mark.parametrize(
    ("function", "sample"),
    [
        ("publisher", "publisher/outbox_insert"),
        ("counters", "counters/post_liked"),
        ("fanout", "fanout/post_created"),
    ],
)
def test_the_sample_events_run_through_their_functions(
    stack: Stack, function: str, sample: str
) -> None:
    """events/ holds what `sam local invoke -e` feeds each event consumer: it must work."""
    from functions.counters import app as counters_app
    from functions.fanout import app as fanout_app
    from functions.publisher import app as publisher_app
    from tests.conftest import FakeContext, load_event

    handler = {"publisher": publisher_app, "counters": counters_app, "fanout": fanout_app}
    response = handler[function].lambda_handler(load_event(sample), FakeContext())
    assert response["batchItemFailures"] == []
