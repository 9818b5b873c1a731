"""A deleted account's likes, comments and follows leave others' counts while it waits to be
erased, come back on restore, and leave exactly once whatever runs first, withdrawal or
erasure (glimpse.withdrawal), on moto with the template's stack; each page delivered twice."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from functions.users import app as users
from glimpse.adapters import cognito as cognito_adapter
from glimpse.events import AccountErased
from glimpse.graph.service import unfollow
from glimpse.models.base import get_or_none
from glimpse.models.posts import Comment, Like, like_sk, post_pk
from glimpse.models.transactions import transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user
from tests.integration.social import User, api, make_user, post, settle
from tests.integration.test_passwords import PASSWORD, account


def ok(result: tuple[int, Any]) -> Any:
    status, body = result
    assert status in (200, 201, 204), body
    return body


def counts(bob: User, carol: User, bob_post: str) -> dict[str, int]:
    """What others' counts say: bob's post, bob's followers, carol's following."""
    found = ok(api("posts", "get_post", bob, {"post_id": bob_post}))
    bob_me, carol_me = ok(api("users", "get_me", bob)), ok(api("users", "get_me", carol))
    return {
        "likes": found["like_count"],
        "comments": found["comment_count"],
        "bob.followers": bob_me["followers_count"],
        "carol.following": carol_me["following_count"],
    }


def as_account(name: str, user_id: str, claims: dict[str, str], sample: str) -> int:
    """The users function's status for `sample`, sent by the account's own sign-in."""
    event = as_user(sample, user_id, name)
    event["requestContext"]["authorizer"]["claims"].update(
        auth_time=claims["auth_time"], origin_jti=claims["origin_jti"]
    )
    event["body"] = json.dumps({"password": PASSWORD}) if sample == "users/delete_me" else None
    return int(users.lambda_handler(event, FakeContext())["statusCode"])


def contributing_account(stack: Stack) -> tuple[User, User, User, str, dict[str, str]]:
    """Alice liked bob's post, commented on it twice, follows bob and is followed by carol."""
    name, user_id, tokens = account(stack)
    alice, bob, carol = User(user_id, name), make_user(prefix="bob"), make_user(prefix="carol")
    bob_post = post(bob, "hi")
    ok(api("posts", "like", alice, {"post_id": bob_post}))
    for text in ("one", "two"):
        ok(api("posts", "create_comment", alice, {"post_id": bob_post}, body={"text": text}))
    ok(api("graph", "follow", alice, {"username": bob.username}))
    ok(api("graph", "follow", carol, {"username": alice.username}))
    settle()
    assert counts(bob, carol, bob_post) == COUNTED
    return alice, bob, carol, bob_post, cognito_adapter.claims_of(tokens["id_token"])


COUNTED = {"likes": 1, "comments": 2, "bob.followers": 1, "carol.following": 1}
GONE = {"likes": 0, "comments": 0, "bob.followers": 0, "carol.following": 0}


def test_counts_leave_with_the_account_and_come_back_with_it(
    stack: Stack, auto_confirm: None
) -> None:
    alice, bob, carol, bob_post, claims = contributing_account(stack)
    assert as_account(alice.username, alice.id, claims, "users/delete_me") == 202
    settle(deliveries=2)
    assert counts(bob, carol, bob_post) == GONE
    like = Like.get(post_pk(bob_post), like_sk(alice.id))
    assert like.withdrawn_at is not None  # still there: restorable

    later = {**claims, "auth_time": str(int(claims["auth_time"]) + 10), "origin_jti": "later"}
    assert as_account(alice.username, alice.id, later, "users/restore_me") == 204
    settle(deliveries=2)
    assert counts(bob, carol, bob_post) == COUNTED
    assert Like.get(post_pk(bob_post), like_sk(alice.id)).withdrawn_at is None

    again = {**later, "auth_time": str(int(later["auth_time"]) + 10), "origin_jti": "again"}
    assert as_account(alice.username, alice.id, again, "users/delete_me") == 202
    settle(deliveries=2)
    assert counts(bob, carol, bob_post) == GONE
    with transaction() as tx:  # the grace period ends
        tx.emit(AccountErased(user_id=alice.id))
    settle(deliveries=2)
    assert counts(bob, carol, bob_post) == GONE, "erased items left the counts once"
    assert get_or_none(Like, post_pk(bob_post), like_sk(alice.id)) is None
    assert not [c for c in Comment.query(post_pk(bob_post)) if c.author_id == alice.id]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_withdrawal_and_erasure_racing_leave_each_count_once(
    stack: Stack, auto_confirm: None, seed: int
) -> None:
    """Deleted and erased at once: the withdrawal's pages and erasure's meet in random order."""
    alice, bob, carol, bob_post, claims = contributing_account(stack)
    assert as_account(alice.username, alice.id, claims, "users/delete_me") == 202
    with transaction() as tx:
        tx.emit(AccountErased(user_id=alice.id))
    settle(deliveries=2, shuffle=random.Random(seed))
    assert counts(bob, carol, bob_post) == GONE


def test_a_removal_read_before_a_withdrawal_commits_nothing(
    stack: Stack, auto_confirm: None
) -> None:
    """Erasure reads a like, a comment and a follow; the withdrawal marks them before erasure
    writes: erasure's transaction fails (and reads again), so its events are never counted as
    if the items still were."""
    from glimpse.graph.service import _edges_between, _sever_in
    from glimpse.models.graph import FOLLOWS, Edge, edge_key
    from glimpse.models.posts import POST, Comment, Post
    from glimpse.models.transactions import ConditionFailed
    from glimpse.posts.service import uncomment_in, unlike_in

    alice, bob, _carol, bob_post, _claims = contributing_account(stack)
    the_post = Post.get(post_pk(bob_post), POST)
    like = Like.get(post_pk(bob_post), like_sk(alice.id))
    comment = next(c for c in Comment.query(post_pk(bob_post)) if c.author_id == alice.id)
    edges = _edges_between(alice.id, bob.id)
    for model, key in (
        (Like, (like.pk, like.sk)),
        (Comment, (comment.pk, comment.sk)),
    ):  # the withdrawal, meanwhile (on items of its own: those read stay as read)
        model(*key).update(actions=[model.withdrawn_at.set(1.0)])
    follow = edge_key(alice.id, FOLLOWS, bob.id)
    Edge(*follow).update(actions=[Edge.follower_gone_at.set(1.0)])
    for remove in (
        lambda tx: unlike_in(tx, the_post, like),
        lambda tx: uncomment_in(tx, the_post, comment),
        lambda tx: _sever_in(tx, alice.id, bob.id, edges),
    ):
        with pytest.raises(ConditionFailed), transaction() as tx:
            remove(tx)


class Leaver:
    """An account that deletes and restores itself, each time from a new sign-in."""

    def __init__(self, stack: Stack) -> None:
        name, user_id, tokens = account(stack)
        self.user = User(user_id, name)
        self.claims = cognito_adapter.claims_of(tokens["id_token"])
        self.signed_in = 0

    def send(self, sample: str) -> None:
        self.signed_in += 10  # a new sign-in each time: the last one's session ended
        claims = {
            **self.claims,
            "auth_time": str(int(self.claims["auth_time"]) + self.signed_in),
            "origin_jti": f"sign-in-{self.signed_in}",
        }
        assert as_account(self.user.username, self.user.id, claims, sample) in (202, 204)

    def follows(self) -> dict[str, int]:
        """Its own counts, as stored (its old sessions ended with the deletion)."""
        me = UserProfile.get(user_pk(self.user.id), PROFILE)
        return {"followers": int(me.followers_count), "following": int(me.following_count)}


@pytest.mark.parametrize("order", ["carol first", "alice first"])
def test_two_deleted_accounts_that_follow_come_back_with_exact_counts(
    stack: Stack, auto_confirm: None, order: str
) -> None:
    """Carol follows alice; both leave, then both come back: each count once, whatever the
    order (a change aimed at an account that is aside waits on its deleted item)."""
    alice, carol = Leaver(stack), Leaver(stack)
    ok(api("graph", "follow", carol.user, {"username": alice.user.username}))
    settle()
    for leaver in (carol, alice):
        leaver.send("users/delete_me")
        settle(deliveries=2)
    for leaver in (carol, alice) if order == "carol first" else (alice, carol):
        leaver.send("users/restore_me")
        settle(deliveries=2)
    assert alice.follows() == {"followers": 1, "following": 0}
    assert carol.follows() == {"followers": 0, "following": 1}


def test_an_account_erased_while_another_is_aside_leaves_its_count(
    stack: Stack, auto_confirm: None
) -> None:
    """Carol follows alice; alice leaves, then carol; carol is erased; alice comes back
    without carol in her followers."""
    alice, carol = Leaver(stack), Leaver(stack)
    ok(api("graph", "follow", carol.user, {"username": alice.user.username}))
    settle()
    for leaver in (alice, carol):
        leaver.send("users/delete_me")
        settle(deliveries=2)
    with transaction() as tx:
        tx.emit(AccountErased(user_id=carol.user.id))
    settle(deliveries=2)
    alice.send("users/restore_me")
    settle(deliveries=2)
    assert alice.follows() == {"followers": 0, "following": 0}


def test_a_restored_account_that_unfollows_before_its_return_job(
    stack: Stack, auto_confirm: None
) -> None:
    """Alice follows bob, leaves, comes back and unfollows before her follows count again:
    bob's count and hers end at 0."""
    alice, bob = Leaver(stack), make_user(prefix="bob")
    ok(api("graph", "follow", alice.user, {"username": bob.username}))
    settle()
    alice.send("users/delete_me")
    settle(deliveries=2)
    alice.send("users/restore_me")  # her return job waits in the queue
    unfollow(alice.user.id, bob.username)  # from her new sign-in
    settle(deliveries=2)
    assert alice.follows() == {"followers": 0, "following": 0}
    assert ok(api("users", "get_me", bob))["followers_count"] == 0
