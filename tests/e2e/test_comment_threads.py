"""Comment replies and comment likes over HTTP on the local cloud, with real accounts and real
uploads: threads and their counts, comment likes counted by the counters, the `comment_reply`
and grouped `comment_like` notifications, a thread's deletion, who may use each route (owner,
follower, stranger, a private account's non-follower, blocked either way), a moderator's
removal, hidden words, and a deleted account's replies and likes leaving the counts."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import PASSWORD, Client, sign_up_and_log_in
from tests.e2e.test_moderation import a_moderator, act
from tests.e2e.test_social import publish
from tests.e2e.waiting import until


def comment(client: Client, post_id: str, text: str = "hi", reply_to: str | None = None) -> Any:
    body = {"text": text, **({"reply_to": reply_to} if reply_to else {})}
    response = client.post(f"/posts/{post_id}/comments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def listed(client: Client, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def thread(client: Client, post_id: str, comment_id: str) -> list[dict[str, Any]]:
    return listed(client, f"/posts/{post_id}/comments/{comment_id}/replies")


def of_type(client: Client, kind: str) -> list[dict[str, Any]]:
    return [n for n in listed(client, "/notifications") if n["type"] == kind]


def test_replies_likes_and_their_notifications(cloud: LocalCloud) -> None:
    ann, ben, cat = (sign_up_and_log_in(cloud, name) for name in ("ann", "ben", "cat"))
    post_id = publish(ann, "threads")
    top = comment(ben, post_id, "first")
    assert (top["reply_to"], top["reply_count"], top["like_count"], top["liked_by_me"]) == (
        None,
        0,
        0,
        False,
    )
    reply = comment(cat, post_id, "an answer", reply_to=top["comment_id"])
    assert reply["reply_to"] == top["comment_id"]
    deeper = comment(ben, post_id, "back to you", reply_to=reply["comment_id"])
    assert deeper["reply_to"] == top["comment_id"], "a reply to a reply joins its thread"
    assert [c["comment_id"] for c in listed(ann, f"/posts/{post_id}/comments")] == [
        top["comment_id"]
    ]
    assert [r["comment_id"] for r in thread(ann, post_id, top["comment_id"])] == [
        reply["comment_id"],
        deeper["comment_id"],
    ]
    page = ann.get(f"/posts/{post_id}/comments/{top['comment_id']}/replies?limit=1").json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]

    liked = f"/posts/{post_id}/comments/{top['comment_id']}/like"
    assert cat.post(liked).json() == {"like_count": 1, "liked_by_me": True}
    assert cat.post(liked).json()["liked_by_me"] is True  # liking twice counts once
    assert ann.post(liked).status_code == 200
    until(
        lambda: listed(ben, f"/posts/{post_id}/comments")[0],
        lambda c: (c["reply_count"], c["like_count"]) == (2, 2),
        what="the thread's replies and likes counted",
    )
    assert listed(cat, f"/posts/{post_id}/comments")[0]["liked_by_me"] is True
    assert ann.get(f"/posts/{post_id}").json()["comment_count"] == 1  # top-level comments

    told = until(
        lambda: of_type(ben, "comment_reply"),
        lambda found: len(found) == 1,
        what="ben told of cat's reply",
    )
    assert told[0]["comment_id"] == reply["comment_id"]
    assert told[0]["text"] == f"{cat.username} replied to your comment"
    until(lambda: of_type(cat, "comment_reply"), what="cat told of ben's answer")
    grouped = until(
        lambda: of_type(ben, "comment_like"),
        lambda found: len(found) == 1 and found[0]["actor_count"] == 2,
        what="two likes of ben's comment, one notification",
    )
    assert grouped[0]["text"] == f"{ann.username} and {cat.username} liked your comment"
    assert ann.delete(liked).json() == {"like_count": 1, "liked_by_me": False}
    until(
        lambda: of_type(ben, "comment_like"),
        lambda found: found[0]["actor_count"] == 1,
        what="the unlike takes ann out of the group",
    )

    # the post's author deletes the thread: its replies and their likes go with it
    reply_like = f"/posts/{post_id}/comments/{reply['comment_id']}/like"
    assert ben.post(reply_like).status_code == 200
    assert ann.delete(f"/posts/{post_id}/comments/{top['comment_id']}").status_code == 204
    assert listed(ben, f"/posts/{post_id}/comments") == []
    assert ben.get(f"/posts/{post_id}/comments/{top['comment_id']}/replies").status_code == 404
    assert ben.post(reply_like).status_code == 404
    until(lambda: of_type(ben, "comment_reply"), lambda f: f == [], what="the reply's notice gone")


@pytest.mark.parametrize("route", ["reply", "replies", "like", "unlike"])
def test_who_may_use_each_thread_route(cloud: LocalCloud, route: str) -> None:
    owner, follower, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, name) for name in ("own", "fol", "str", "blk", "bkr")
    )
    private = sign_up_and_log_in(cloud, "prv")
    assert private.patch("/me", json={"is_private": True}).status_code == 200
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    public_post, private_post = publish(owner), publish(private)
    top = comment(owner, public_post)["comment_id"]
    hidden = comment(private, private_post)["comment_id"]
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204

    def call(client: Client, post_id: str, comment_id: str) -> int:
        base = f"/posts/{post_id}/comments"
        if route == "reply":
            body = {"text": "x", "reply_to": comment_id}
            return client.post(base, json=body).status_code
        if route == "replies":
            return client.get(f"{base}/{comment_id}/replies").status_code
        method = client.post if route == "like" else client.delete
        return method(f"{base}/{comment_id}/like").status_code

    success = 201 if route == "reply" else 200
    assert call(owner, public_post, top) == success
    assert call(follower, public_post, top) == success
    assert call(stranger, public_post, top) == success
    assert call(stranger, private_post, hidden) == 403  # a private account's non-follower
    assert call(blocked, public_post, top) == 404  # blocked by the author
    assert call(blocker, public_post, top) == 404  # blocking the author
    assert call(private, private_post, hidden) == success


def test_removal_hidden_words_and_a_deleted_account(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    leaver = sign_up_and_log_in(cloud, "leaver")
    moderator = a_moderator(cloud)
    post_id = publish(ann, "moderated")
    top = comment(ben, post_id, "fine")["comment_id"]
    reply = comment(leaver, post_id, "me too", reply_to=top)["comment_id"]

    # a moderator removes the top-level comment: its replies go out of sight with it
    act(moderator, "comment", top, "remove")
    assert ann.get(f"/posts/{post_id}/comments/{top}/replies").status_code == 404
    assert ann.post(f"/posts/{post_id}/comments/{top}/like").status_code == 404
    assert [r["comment_id"] for r in thread(ben, post_id, top)] == [reply]  # its author's view
    act(moderator, "comment", top, "restore")
    assert [r["comment_id"] for r in thread(ann, post_id, top)] == [reply]

    # hidden words: the post's author does not see replies holding them
    words = {"words": ["spoiler"], "hide_offensive": False}
    assert ann.put("/me/hidden-words", json=words).status_code == 200
    comment(ben, post_id, "a spoiler", reply_to=top)
    assert [r["comment_id"] for r in thread(ann, post_id, top)] == [reply]
    assert len(thread(ben, post_id, top)) == 2

    # a deleted account's reply and comment like leave the counts, and come back with it
    assert leaver.post(f"/posts/{post_id}/comments/{top}/like").status_code == 200

    def counts() -> tuple[int, int]:
        shown = listed(ann, f"/posts/{post_id}/comments")[0]
        return shown["reply_count"], shown["like_count"]

    until(counts, lambda c: c == (2, 1), what="the replies and the like counted")
    response = leaver.request("DELETE", "/me", json={"password": PASSWORD})
    assert response.status_code == 202, response.text
    until(counts, lambda c: c == (1, 0), what="the leaver's reply and like out of the counts")
    assert reply not in [r["comment_id"] for r in thread(ben, post_id, top)]  # gone at once
