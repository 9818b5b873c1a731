"""Comment replies and comment likes through the handlers, against moto: threads, counts by the
counters (each event delivered twice), notifications, a thread's deletion, who may do what,
a moderator's removal, hidden words, a deleted and an erased account's replies and likes."""

from __future__ import annotations

from typing import Any

import pytest

from glimpse.adapters import cognito as cognito_adapter
from glimpse.events import AccountErased
from glimpse.models.posts import COMMENT_LIKE, REPLY, Comment, CommentLike, Post, post_pk
from glimpse.models.transactions import transaction
from glimpse.posts import service
from tests.conftest import run_concurrently
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, post, settle
from tests.integration.test_notifications import of_type
from tests.integration.test_passwords import account
from tests.integration.test_reports import act
from tests.integration.test_withdrawal import as_account, ok


def comment(user: User, post_id: str, text: str = "hi", reply_to: str | None = None) -> Any:
    body = {"text": text, **({"reply_to": reply_to} if reply_to else {})}
    status, answer = api("posts", "create_comment", user, {"post_id": post_id}, body=body)
    assert status == 201, answer
    return answer


def top_level(user: User, post_id: str) -> list[dict[str, Any]]:
    return list(ok(api("posts", "comments", user, {"post_id": post_id}))["items"])


def replies_of(user: User, post_id: str, comment_id: str) -> tuple[int, Any]:
    return api("posts", "list_replies", user, {"post_id": post_id, "comment_id": comment_id})


def like(user: User, post_id: str, comment_id: str, method: str = "like_comment") -> Any:
    return api("posts", method, user, {"post_id": post_id, "comment_id": comment_id})


def test_one_level_of_replies_counted_by_the_counters(alice: User, bob: User) -> None:
    carol = make_user(prefix="carol")
    post_id = post(alice)
    first = comment(bob, post_id, "first")
    assert first["reply_to"] is None
    assert first["reply_count"] == 0
    assert first["like_count"] == 0
    reply = comment(carol, post_id, "an answer", reply_to=first["comment_id"])
    assert reply["reply_to"] == first["comment_id"]
    # a reply to a reply attaches to its top-level comment
    deeper = comment(bob, post_id, "and back", reply_to=reply["comment_id"])
    assert deeper["reply_to"] == first["comment_id"]
    second = comment(carol, post_id, "second")
    settle(deliveries=2)
    listed = top_level(bob, post_id)
    assert [c["comment_id"] for c in listed] == [first["comment_id"], second["comment_id"]]
    assert listed[0]["reply_count"] == 2
    assert listed[1]["reply_count"] == 0
    answers = ok(replies_of(bob, post_id, first["comment_id"]))["items"]
    assert [r["comment_id"] for r in answers] == [reply["comment_id"], deeper["comment_id"]]
    assert {r["reply_to"] for r in answers} == {first["comment_id"]}
    assert ok(api("posts", "get_post", bob, {"post_id": post_id}))["comment_count"] == 2
    # replies page with the shared pager
    page = ok(
        api(
            "posts",
            "list_replies",
            bob,
            {"post_id": post_id, "comment_id": first["comment_id"]},
            query={"limit": "1"},
        )
    )
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    # a reply has no replies list of its own; an unknown comment neither
    assert replies_of(bob, post_id, reply["comment_id"])[0] == 404
    assert comment_status(bob, post_id, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1E") == 404


def comment_status(user: User, post_id: str, reply_to: str) -> int:
    body = {"text": "x", "reply_to": reply_to}
    return api("posts", "create_comment", user, {"post_id": post_id}, body=body)[0]


def test_comment_likes_count_once_per_user_aggregated(alice: User, bob: User) -> None:
    post_id = post(alice)
    top = comment(bob, post_id)["comment_id"]
    reply = comment(alice, post_id, reply_to=top)["comment_id"]
    fans = [make_user() for _ in range(5)]
    run_concurrently(5, lambda i: service.like_comment(fans[i].id, post_id, top))
    run_concurrently(5, lambda i: service.like_comment(fans[0].id, post_id, top))
    answer = ok(like(bob, post_id, reply))
    assert answer == {"like_count": 1, "liked_by_me": True}
    assert ok(like(bob, post_id, reply))["liked_by_me"] is True  # twice: counted once
    settle(deliveries=2)
    stored = Comment.query(post_pk(post_id), Comment.sk.startswith("COMMENT#"))
    assert [int(c.like_count) for c in stored] == [5]  # the counters wrote it, not the request
    shown = top_level(fans[0], post_id)[0]
    assert shown["like_count"] == 5
    assert shown["liked_by_me"] is True
    assert top_level(alice, post_id)[0]["liked_by_me"] is False
    assert ok(replies_of(bob, post_id, top))["items"][0]["like_count"] == 1
    assert ok(like(bob, post_id, reply, "unlike_comment")) == {
        "like_count": 0,
        "liked_by_me": False,
    }
    assert ok(like(bob, post_id, reply, "unlike_comment"))["liked_by_me"] is False
    run_concurrently(5, lambda i: service.unlike_comment(fans[i % 2].id, post_id, top))
    settle(deliveries=2)
    assert top_level(alice, post_id)[0]["like_count"] == 3
    assert ok(replies_of(bob, post_id, top))["items"][0]["like_count"] == 0


def test_reply_and_comment_like_notifications(alice: User, bob: User) -> None:
    carol, dave = make_user(prefix="carol"), make_user(prefix="dave")
    post_id = post(alice)
    top = comment(bob, post_id, "nice")["comment_id"]
    reply = comment(carol, post_id, "agreed", reply_to=top)["comment_id"]
    (told,) = of_type(bob, "comment_reply")
    assert told["comment_id"] == reply
    assert told["post_id"] == post_id
    assert told["text"] == f"{carol.username} replied to your comment"
    assert not of_type(alice, "comment_reply")  # the post's author is not the one answered
    comment(bob, post_id, "thanks", reply_to=reply)  # answering carol's reply tells carol
    assert len(of_type(carol, "comment_reply")) == 1
    for fan in (carol, dave):
        ok(like(fan, post_id, top))
    (liked,) = of_type(bob, "comment_like")
    assert liked["actor_count"] == 2
    assert liked["comment_id"] == top
    assert liked["text"] == f"{dave.username} and {carol.username} liked your comment"
    ok(like(dave, post_id, top, "unlike_comment"))
    (liked,) = of_type(bob, "comment_like")
    assert liked["actor_count"] == 1
    ok(like(dave, post_id, reply))  # a reply's likes: its author's own group
    assert of_type(carol, "comment_like")[0]["comment_id"] == reply
    ok(api("notifications", "update_settings", bob, body=settings(likes=False)))
    ok(like(alice, post_id, top))
    assert of_type(bob, "comment_like")[0]["actor_count"] == 1  # likes turned off
    # the reply deleted: its notification is no longer shown
    assert (
        api("posts", "delete_comment", carol, {"post_id": post_id, "comment_id": reply})[0] == 204
    )
    assert not of_type(bob, "comment_reply")


def settings(**changes: bool) -> dict[str, bool]:
    return {"likes": True, "comments": True, "follows": True, "mentions": True, **changes}


def test_deleting_a_comment_takes_its_replies_and_likes(alice: User, bob: User) -> None:
    post_id = post(alice)
    top = comment(bob, post_id)["comment_id"]
    other = comment(bob, post_id)["comment_id"]
    replies = [comment(alice, post_id, reply_to=top)["comment_id"] for _ in range(3)]
    ok(like(alice, post_id, top))
    ok(like(bob, post_id, replies[0]))
    ok(like(bob, post_id, other))
    settle()
    # a reply deleted: its likes go, its thread's count follows
    params = {"post_id": post_id, "comment_id": replies[0]}
    assert api("posts", "delete_comment", alice, params)[0] == 204
    settle(deliveries=2)
    assert top_level(bob, post_id)[0]["reply_count"] == 2
    assert not [i for i in CommentLike.query(post_pk(post_id)) if i.liked_id == replies[0]]
    # the top-level comment deleted by the post's author: its replies and likes go too
    assert api("posts", "delete_comment", alice, {"post_id": post_id, "comment_id": top})[0] == 204
    settle(deliveries=2)
    left = {str(i.sk) for i in Post.query(post_pk(post_id)) if i.sk != "POST"}
    assert not [sk for sk in left if sk.startswith(REPLY) or top in sk]
    assert [c["comment_id"] for c in top_level(bob, post_id)] == [other]
    assert top_level(bob, post_id)[0]["like_count"] == 1
    assert replies_of(bob, post_id, top)[0] == 404


def test_a_reply_to_a_comment_deleted_meanwhile_is_removed(alice: User, bob: User) -> None:
    """The reply's transaction does not check its thread (that would make the comment a hot
    item): the counters find the thread gone and remove the reply, and a like's likewise."""
    post_id = post(alice)
    top = comment(bob, post_id)["comment_id"]
    found = service._liked_comment(alice.id, post_id, top)
    assert api("posts", "delete_comment", bob, {"post_id": post_id, "comment_id": top})[0] == 204
    settle()
    from glimpse.posts import threads

    # a like read before the deletion commits after its clean-up
    assert threads.like(alice.id, found[0], found[3])
    settle(deliveries=2)
    assert [i.sk for i in Post.query(post_pk(post_id))] == ["POST"]


@pytest.mark.parametrize("route", ["reply", "replies", "like", "unlike"])
def test_who_may_use_the_thread_routes(alice: User, route: str) -> None:
    """The post's author, a follower and a stranger (public post); a private account's
    non-follower gets 403, a blocked user (either way) 404."""
    follower, stranger, blocked, blocker = (make_user() for _ in range(4))
    private = make_user(private=True)
    follow(follower, alice)
    public_post, private_post = post(alice), post(private)
    top = comment(alice, public_post)["comment_id"]
    private_top = comment(private, private_post)["comment_id"]
    ok(api("graph", "block", alice, {"username": blocked.username}))
    ok(api("graph", "block", blocker, {"username": alice.username}))

    def call(user: User, post_id: str, comment_id: str) -> int:
        params = {"post_id": post_id, "comment_id": comment_id}
        if route == "reply":
            return comment_status(user, post_id, comment_id)
        name = {"replies": "list_replies", "like": "like_comment", "unlike": "unlike_comment"}
        return api("posts", name[route], user, params)[0]

    success = 201 if route == "reply" else 200
    assert call(alice, public_post, top) == success
    assert call(follower, public_post, top) == success
    assert call(stranger, public_post, top) == success
    assert call(stranger, private_post, private_top) == 403
    assert call(blocked, public_post, top) == 404
    assert call(blocker, public_post, top) == 404
    assert call(private, private_post, private_top) == success


def test_a_removed_comment_hides_its_replies(alice: User, bob: User) -> None:
    carol, moderator = make_user(prefix="carol"), make_user(prefix="mod")
    post_id = post(alice)
    top = comment(bob, post_id)["comment_id"]
    reply = comment(carol, post_id, reply_to=top)["comment_id"]
    act(moderator, "comment", top, "remove")
    assert [c["comment_id"] for c in top_level(alice, post_id)] == []
    assert replies_of(alice, post_id, top)[0] == 404
    assert comment_status(alice, post_id, top) == 404
    assert like(alice, post_id, top)[0] == 404
    mine = ok(replies_of(bob, post_id, top))["items"]  # its author sees it and its replies
    assert [r["comment_id"] for r in mine] == [reply]
    act(moderator, "comment", top, "restore")
    act(moderator, "comment", reply, "remove")  # a reply alone
    assert ok(replies_of(alice, post_id, top))["items"] == []
    assert like(alice, post_id, reply)[0] == 404
    assert ok(replies_of(carol, post_id, top))["items"][0]["removed"] is True
    (notice,) = of_type(carol, "content_removed")  # the reply's author is told, as for a comment
    assert (notice["comment_id"], notice["post_id"]) == (reply, post_id)


def test_hidden_words_hide_replies_on_the_authors_posts(alice: User, bob: User) -> None:
    ok(
        api(
            "users", "put_hidden_words", alice, body={"words": ["spoiler"], "hide_offensive": False}
        )
    )
    post_id = post(alice)
    top = comment(bob, post_id)["comment_id"]
    comment(bob, post_id, "a spoiler here", reply_to=top)
    clean = comment(bob, post_id, "fine", reply_to=top)["comment_id"]
    assert [r["comment_id"] for r in ok(replies_of(alice, post_id, top))["items"]] == [clean]
    assert len(ok(replies_of(bob, post_id, top))["items"]) == 2
    mine = comment(alice, post_id, "mine", reply_to=top)["comment_id"]
    ok(api("users", "put_hidden_words", bob, body={"words": ["secret"], "hide_offensive": False}))
    comment(alice, post_id, "a secret", reply_to=top)  # not told to bob: his hidden word
    assert [n["comment_id"] for n in of_type(bob, "comment_reply")] == [mine]


def test_a_deleted_accounts_replies_and_comment_likes_leave_the_counts(
    stack: Stack, auto_confirm: None
) -> None:
    name, user_id, tokens = account(stack)
    alice, bob = User(user_id, name), make_user(prefix="bob")
    claims = cognito_adapter.claims_of(tokens["id_token"])
    post_id = post(bob)
    top = comment(bob, post_id)["comment_id"]
    reply = comment(bob, post_id, reply_to=top)["comment_id"]
    comment(alice, post_id, "mine", reply_to=top)
    ok(like(alice, post_id, top))
    ok(like(alice, post_id, reply))
    settle()

    def counts() -> tuple[int, int, int]:
        shown = top_level(bob, post_id)[0]
        (answer, *_) = ok(replies_of(bob, post_id, top))["items"]
        return shown["reply_count"], shown["like_count"], answer["like_count"]

    assert counts() == (2, 1, 1)
    assert as_account(alice.username, alice.id, claims, "users/delete_me") == 202
    settle(deliveries=2)
    assert counts() == (1, 0, 0)
    later = {**claims, "auth_time": str(int(claims["auth_time"]) + 10), "origin_jti": "later"}
    assert as_account(alice.username, alice.id, later, "users/restore_me") == 204
    settle(deliveries=2)
    assert counts() == (2, 1, 1)
    again = {**later, "auth_time": str(int(later["auth_time"]) + 10), "origin_jti": "again"}
    assert as_account(alice.username, alice.id, again, "users/delete_me") == 202
    settle(deliveries=2)
    with transaction() as tx:  # the grace period ends
        tx.emit(AccountErased(user_id=alice.id))
    settle(deliveries=2)
    assert counts() == (1, 0, 0)  # erased items left the counts once
    pk = post_pk(post_id)
    assert not [
        c for c in Comment.query(pk, Comment.sk.startswith(REPLY)) if c.author_id == alice.id
    ]
    assert not list(CommentLike.query(pk, CommentLike.sk.startswith(COMMENT_LIKE)))
