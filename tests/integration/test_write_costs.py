"""What a like, a comment like and a follow write, in DynamoDB write units (docs/access-patterns.md
"Write units per action"): a transaction's item is 2 units, any other item written 1 (every item
here is under 1 KB). The rate limits' bucket update, 1 unit per write request, is apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import botocore.client

from glimpse.models.base import get_or_none
from glimpse.models.graph import BLOCKS, FOLLOWER, FOLLOWS, Edge, edge_key
from glimpse.models.posts import Like, Post, like_sk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.posts import service as posts_service
from tests.integration.social import User, api, make_user, post, settle
from tests.integration.test_followers import follow_just_after_a_block


@contextmanager
def transactions() -> Iterator[list[list[tuple[str, str]]]]:
    """Each write made in the block (but the rate limits' bucket): a TransactWriteItems as its
    items, any other write as one, each as (kind, sort key)."""
    made: list[list[tuple[str, str]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            items = []
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                items.append((kind, _key(body.get("Key") or body.get("Item"))))
            made.append(items)
        elif operation in WRITES and "RateLimitsTable" not in str(params.get("TableName")):
            made.append([(operation, _key(params.get("Key") or params.get("Item")))])
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield made


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


def _key(key: dict[str, Any] | None) -> str:
    if key is None:  # a BatchWriteItem's
        return "batch|batch"
    return str(key["pk"]["S"]).split("#")[0] + "|" + key["sk"]["S"]


def kinds(made: list[list[tuple[str, str]]]) -> list[list[str]]:
    """Each write's items by what they are: `Put LIKE#`, `Put outbox`, `ConditionCheck`."""
    return [
        sorted(
            f"{kind} {'outbox' if key.startswith(('EVENT', 'LATER')) else key.split('|')[1][:5]}"
            for kind, key in items
        )
        for items in made
    ]


def test_a_like_is_one_conditional_put_of_the_like(alice: User, bob: User) -> None:
    """Its event is its item's creation on the Posts stream (glimpse.posts.like_events)."""
    post_id = post(alice)
    with transactions() as made:
        assert api("posts", "like", bob, {"post_id": post_id})[0] == 200
    assert kinds(made) == [["PutItem LIKE#"]]  # 1 write unit


def test_a_comment_like_is_one_conditional_put_of_the_like(alice: User, bob: User) -> None:
    post_id = post(alice)
    status, comment = api(
        "posts", "create_comment", alice, {"post_id": post_id}, body={"text": "hi"}
    )
    assert status == 201, comment
    params = {"post_id": post_id, "comment_id": comment["comment_id"]}
    with transactions() as made:
        assert api("posts", "like_comment", bob, params)[0] == 200
    assert kinds(made) == [["PutItem CLIKE"]]


def test_a_follow_is_one_conditional_put_of_its_edge(alice: User, bob: User) -> None:
    """The follower edge, the counts and `follow_created` follow from the edge's creation on
    the Users stream (glimpse.counters.followers)."""
    with transactions() as made:
        assert api("graph", "follow", bob, {"username": alice.username})[0] == 200
    assert kinds(made) == [["PutItem FOLLO"]]  # 1 write unit
    assert get_or_none(Edge, *edge_key(alice.id, FOLLOWER, bob.id)) is None  # not yet
    settle()
    follower = Edge.get(*edge_key(alice.id, FOLLOWER, bob.id), consistent_read=True)
    made_at = Edge.get(*edge_key(bob.id, FOLLOWS, alice.id), consistent_read=True).created_at
    assert follower.created_at == made_at  # the follow's mark
    assert UserProfile.get(user_pk(alice.id), PROFILE).followers_count == 1


def test_a_follow_that_commits_just_after_a_block_is_undone(alice: User) -> None:
    """The follow read no block; the block found no follow to remove. The followers consumer
    reads the block edges with the follow and deletes it: nothing is counted or told."""
    bob = make_user(prefix="bob")
    follow_just_after_a_block(alice, bob)
    settle()
    assert get_or_none(Edge, *edge_key(bob.id, FOLLOWS, alice.id)) is None
    assert get_or_none(Edge, *edge_key(alice.id, FOLLOWER, bob.id)) is None
    assert UserProfile.get(user_pk(alice.id), PROFILE).followers_count == 0
    assert UserProfile.get(user_pk(bob.id), PROFILE).following_count == 0
    assert api("notifications", "list", alice)[1]["items"] == []


def test_a_like_that_commits_just_after_a_block_is_a_like_made_just_before_it(
    alice: User,
) -> None:
    """No condition re-checks the block: the like stands, as a like made before the block does
    (blocks remove no likes), it counts once, and the blocked liker sees the post no more."""
    bob = make_user(prefix="bob")
    post_id = post(alice)
    real = posts_service.conditionally

    def block_first(write: Any) -> bool:
        api("graph", "block", alice, {"username": bob.username})
        return real(write)

    with mock.patch.object(posts_service, "conditionally", block_first):
        status, body = api("posts", "like", bob, {"post_id": post_id})
    assert (status, body["liked_by_me"]) == (200, True)
    assert get_or_none(Edge, *edge_key(alice.id, BLOCKS, bob.id)) is not None
    assert get_or_none(Like, post_pk(post_id), like_sk(bob.id)) is not None
    settle()
    assert Post.get(post_pk(post_id), "POST", consistent_read=True).like_count == 1
    assert api("posts", "get_post", bob, {"post_id": post_id})[0] == 404
    # the same as the like before the block: both stand, and the author's list says so
    carol = make_user(prefix="carol")
    other = post(alice)
    assert api("posts", "like", carol, {"post_id": other})[0] == 200
    api("graph", "block", alice, {"username": carol.username})
    assert get_or_none(Like, post_pk(other), like_sk(carol.id)) is not None
