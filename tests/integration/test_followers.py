"""The followers consumer (glimpse.counters.followers): the follow edges' changes on the Users
stream → follower edges, counts and `follow_created`, exact however often a batch is read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from functions.followers import app as followers
from glimpse.clock import now
from glimpse.events import FollowCreated
from glimpse.graph import service as graph_service
from glimpse.models.base import get_or_none
from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key
from glimpse.models.transactions import transaction
from infra.local.delivery.filters import FilterCriteria
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.social import (
    TableStream,
    User,
    api,
    follow,
    make_user,
    profile,
    settle,
)


class Recorded:
    """The follow edges' records from now on, as the template's mapping filters them."""

    def __init__(self, stack: Stack) -> None:
        self.stream = TableStream(stack, "UsersTable", start="LATEST")
        source = stack.provisioner.template.resources["FollowersEdgesSource"]["Properties"]
        self.filter = FilterCriteria(source["FilterCriteria"])

    def read(self) -> list[dict[str, Any]]:
        return [r for r in self.stream.read() if self.filter.passes(r)]


def follow_just_after_a_block(blocker: User, follower: User) -> None:
    """`follower`'s follow reads no block, then `blocker`'s block commits, then the follow's
    write (the race a follow's write no longer checks)."""
    real = graph_service.conditionally

    def block_first(write: Any) -> bool:
        api("graph", "block", blocker, {"username": follower.username})
        return real(write)

    with mock.patch.object(graph_service, "conditionally", block_first):
        assert api("graph", "follow", follower, {"username": blocker.username})[0] == 200
    assert get_or_none(Edge, *edge_key(follower.id, FOLLOWS, blocker.id)) is not None  # for now


def deliver(records: list[dict[str, Any]]) -> None:
    response = followers.lambda_handler({"Records": records}, FakeContext())
    assert response["batchItemFailures"] == [], response


def followers_of(user: User) -> set[str]:
    return {
        edge.other_id
        for edge in Edge.query(
            edge_key(user.id, FOLLOWER, "")[0],
            Edge.sk.startswith(FOLLOWER),
            consistent_read=True,
        )
    }


def test_a_batch_read_again_counts_nothing_twice(stack: Stack, alice: User) -> None:
    fans = [make_user(prefix="fan") for _ in range(3)]
    recorded = Recorded(stack)
    for fan in fans:
        follow(fan, alice)
    assert api("graph", "unfollow", fans[0], {"username": alice.username}) == (204, None)
    records = recorded.read()
    assert [r["eventName"] for r in records] == ["INSERT"] * 3 + ["REMOVE"]
    deliver(records)
    deliver(records)  # Lambda retried the whole batch
    deliver(records[:1])  # and its first record again, after its removal was applied
    assert followers_of(alice) == {fans[1].id, fans[2].id}
    assert (profile(alice).followers_count, profile(fans[0]).following_count) == (2, 0)
    assert [profile(f).following_count for f in fans[1:]] == [1, 1]


def test_follow_unfollow_follow_in_one_batch_is_one_follow(stack: Stack, alice: User) -> None:
    bob = make_user(prefix="bob")
    recorded = Recorded(stack)
    follow(bob, alice)
    api("graph", "unfollow", bob, {"username": alice.username})
    follow(bob, alice)
    records = recorded.read()
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE", "INSERT"]
    deliver(records)
    deliver(records)
    follower = Edge.get(*edge_key(alice.id, FOLLOWER, bob.id), consistent_read=True)
    edge = Edge.get(*edge_key(bob.id, FOLLOWS, alice.id), consistent_read=True)
    assert follower.created_at == edge.created_at  # the follow that stands
    assert (profile(alice).followers_count, profile(bob).following_count) == (1, 1)
    # told once, of the follow that stands (the first was undone before it was applied)
    settle()
    kinds = [n["type"] for n in api("notifications", "list", alice)[1]["items"]]
    assert kinds == ["follow"]


def test_an_earlier_release_follow_is_counted_once_and_unfollowed_here(alice: User) -> None:
    """Both edges and `follow_created` in one transaction, as releases before this one wrote a
    follow (no `streamed`): the counters count its event and the followers consumer skips its
    creation; its removal now is counted here, once."""
    bob = make_user(prefix="bob")
    with transaction() as tx:
        tx.save(
            Edge(*edge_key(bob.id, FOLLOWS, alice.id), other_id=alice.id, created_at=now()),
            condition=Edge.pk.does_not_exist(),
        )
        tx.save(Edge(*edge_key(alice.id, FOLLOWER, bob.id), other_id=bob.id, created_at=now()))
        tx.emit(FollowCreated(follower_id=bob.id, followee_id=alice.id, status="following"))
    assert (profile(alice).followers_count, profile(bob).following_count) == (1, 1)
    assert api("graph", "unfollow", bob, {"username": alice.username}) == (204, None)
    assert (profile(alice).followers_count, profile(bob).following_count) == (0, 0)
    assert get_or_none(Edge, *edge_key(alice.id, FOLLOWER, bob.id)) is None


def test_an_approved_request_is_published_as_approved(alice: User) -> None:
    carol = make_user(private=True, prefix="carol")
    assert follow(alice, carol) == "requested"
    assert api("graph", "approve", carol, {"username": alice.username}) == (204, None)
    settle()
    assert followers_of(carol) == {alice.id}
    assert (profile(carol).followers_count, profile(alice).following_count) == (1, 1)
    kinds = [n["type"] for n in api("notifications", "list", alice)[1]["items"]]
    assert kinds == ["follow_accepted"]


def test_a_replayed_earlier_release_removal_leaves_a_later_follow_alone(
    stack: Stack, alice: User
) -> None:
    """The stream's first day is read from its start after a deploy: an earlier release's
    unfollow (its both edges gone, counted by its event) must not take the follower edge of the
    follow made again after it, which has no `streamed` either."""
    bob = make_user(prefix="bob")
    recorded = Recorded(stack)
    first = now()
    for made in (first, first + timedelta(seconds=5)):  # followed, unfollowed, followed again
        if made is not first:
            with transaction() as tx:
                tx.delete(Edge(*edge_key(bob.id, FOLLOWS, alice.id)))
                tx.delete(Edge(*edge_key(alice.id, FOLLOWER, bob.id)))
        with transaction() as tx:
            tx.save(Edge(*edge_key(bob.id, FOLLOWS, alice.id), other_id=alice.id, created_at=made))
            tx.save(Edge(*edge_key(alice.id, FOLLOWER, bob.id), other_id=bob.id, created_at=made))
    records = recorded.read()
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE", "INSERT"]
    deliver(records)
    assert followers_of(alice) == {bob.id}
    assert get_or_none(Edge, *edge_key(alice.id, FOLLOWER, bob.id)).created_at == first + timedelta(
        seconds=5
    )


def test_an_unblock_takes_a_follow_that_committed_across_the_block(alice: User) -> None:
    """Blocked and unblocked before the followers function read the follow: the unblock removes
    it, as the block would have."""
    bob = make_user(prefix="bob")
    follow_just_after_a_block(alice, bob)
    assert api("graph", "unblock", alice, {"username": bob.username}) == (204, None)
    assert get_or_none(Edge, *edge_key(bob.id, FOLLOWS, alice.id)) is None
    settle()
    assert followers_of(alice) == set()
    assert (profile(alice).followers_count, profile(bob).following_count) == (0, 0)
    assert follow(bob, alice) == "following"  # a follow after the unblock stands
    settle()
    assert followers_of(alice) == {bob.id}


def test_an_earlier_release_follows_promote_a_celebrity_through_the_counters(
    celebrity_threshold: None,
) -> None:
    """While a deploy rolls out, an earlier release's follow events are still counted by the
    counters, which promote an account passing the threshold as the followers function does."""
    star = make_user(prefix="star")
    for fan in [make_user(prefix="fan") for _ in range(3)]:
        with transaction() as tx:
            tx.save(Edge(*edge_key(fan.id, FOLLOWS, star.id), other_id=star.id, created_at=now()))
            tx.save(Edge(*edge_key(star.id, FOLLOWER, fan.id), other_id=fan.id, created_at=now()))
            tx.emit(FollowCreated(follower_id=fan.id, followee_id=star.id, status="following"))
    assert profile(star).followers_count == 3
    assert profile(star).is_celebrity


def test_an_unfollow_leaves_the_followers_list_at_once(alice: User) -> None:
    """The follower edge goes a moment later (the followers function); the list reads the
    follow edges with the profiles and leaves a gone follow out meanwhile."""
    bob, carol = make_user(prefix="bob"), make_user(prefix="carol")
    for fan in (bob, carol):
        follow(fan, alice)
    settle()
    assert api("graph", "unfollow", bob, {"username": alice.username}) == (204, None)
    assert followers_of(alice) == {bob.id, carol.id}  # the follower edge, for now
    listed = api("graph", "followers", alice, {"username": alice.username})[1]["items"]
    assert [u["username"] for u in listed] == [carol.username]
