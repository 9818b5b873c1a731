"""Posts, likes and comments through the handlers, against moto."""

from __future__ import annotations

import pytest

from glimpse.graph import access
from glimpse.models.base import get_or_none
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import Comment, comment_sk, post_pk
from glimpse.posts import service
from tests.conftest import run_concurrently
from tests.integration.conftest import Stack
from tests.integration.social import (
    User,
    api,
    follow,
    make_media,
    make_user,
    post,
    profile,
    run_feed_jobs,
    settle,
)


def get(viewer: User, post_id: str) -> tuple[int, dict[str, object]]:
    return api("posts", "get_post", viewer, {"post_id": post_id})


def test_create_parses_caption_and_counts(alice: User) -> None:
    media = [make_media(alice), make_media(alice, status="pending")]
    status, body = api(
        "posts",
        "create_post",
        alice,
        body={
            "media_ids": media,
            "caption": "Dusk at the #Harbour, #harbour again, with @Bob_1 and @carol.",
            "location": "Rotterdam",
        },
    )
    assert status == 201, body
    assert body["hashtags"] == ["harbour"]
    assert body["mentions"] == ["bob_1", "carol"]
    assert [m["status"] for m in body["media"]] == ["ready", "pending"]
    assert body["media"][0]["renditions"]["150"].endswith(f"/{media[0]}/150.jpg")
    assert (body["like_count"], body["comment_count"], body["liked_by_me"]) == (0, 0, False)
    assert body["created_at"].endswith("Z")
    assert body["author"]["username"] == alice.username
    assert int(profile(alice).posts_count) == 1
    used = MediaItem.get(media_pk(media[0]), MEDIA)
    assert used.used_by == body["post_id"]


@pytest.mark.parametrize(
    "problem",
    ["someone_elses", "avatar", "rejected", "missing", "used", "duplicate", "none", "eleven"],
)
def test_create_refuses_unusable_media_and_writes_nothing(
    alice: User, bob: User, problem: str
) -> None:
    ready = make_media(alice)
    if problem == "used":
        post_id = post(alice)
        ready = service.get_post(alice.id, post_id).media[0].media_id
    media_ids = {
        "someone_elses": [make_media(bob)],
        "avatar": [make_media(alice, kind="avatar")],
        "rejected": [make_media(alice, status="rejected")],
        "missing": ["01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"],
        "used": [ready],
        "duplicate": [ready, ready],
        "none": [],
        "eleven": [make_media(alice) for _ in range(11)],
    }[problem]
    before = int(profile(alice).posts_count)
    status, body = api("posts", "create_post", alice, body={"media_ids": media_ids})
    assert (status, body["error"]["code"]) == (400, "bad_request"), body
    assert body["error"]["details"][0]["field"].startswith("media_ids")
    assert int(profile(alice).posts_count) == before


def test_caption_limit(alice: User) -> None:
    status, body = api(
        "posts",
        "create_post",
        alice,
        body={"media_ids": [make_media(alice)], "caption": "x" * 2201},
    )
    assert (status, body["error"]["details"][0]["field"]) == (400, "caption")


def test_idempotency_key_returns_the_first_post(stack: Stack, alice: User) -> None:
    media = make_media(alice)
    headers = {"Idempotency-Key": "retry-1"}
    request = {"media_ids": [media], "caption": "once"}
    first = api("posts", "create_post", alice, body=request, headers=headers)
    again = api("posts", "create_post", alice, body=request, headers=headers)
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert int(profile(alice).posts_count) == 1
    status, body = api(
        "posts", "create_post", alice, body={**request, "caption": "other"}, headers=headers
    )
    assert (status, body["error"]["code"]) == (409, "conflict")
    other = make_user()
    status, _ = api(  # the key is per user: another user's same key is a new request
        "posts", "create_post", other, body={"media_ids": [make_media(other)]}, headers=headers
    )
    assert status == 201


def test_visibility_public_private_blocked(alice: User, bob: User) -> None:
    public_post = post(alice)
    assert get(bob, public_post)[0] == 200
    carol = make_user(private=True)
    private_post = post(carol)
    status, body = get(bob, private_post)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert get(carol, private_post)[0] == 200
    follow(bob, carol)
    assert get(bob, private_post)[0] == 403  # requested, not yet approved
    api("graph", "approve", carol, {"username": bob.username})
    assert get(bob, private_post)[0] == 200
    api("graph", "block", alice, {"username": bob.username})
    assert get(bob, public_post)[0] == 404
    assert api("posts", "user_posts", bob, {"username": alice.username})[0] == 404
    assert api("posts", "user_posts", alice, {"username": carol.username})[0] == 403


def test_delete_is_for_the_author(stack: Stack, alice: User, bob: User) -> None:
    post_id = post(alice)
    api("posts", "create_comment", bob, {"post_id": post_id}, body={"text": "hi"})
    api("posts", "like", bob, {"post_id": post_id})
    status, body = api("posts", "delete_post", bob, {"post_id": post_id})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert api("posts", "delete_post", alice, {"post_id": post_id}) == (204, None)
    assert get(alice, post_id)[0] == 404
    assert api("posts", "delete_post", alice, {"post_id": post_id})[0] == 404
    assert int(profile(alice).posts_count) == 0
    run_feed_jobs(stack)
    from glimpse.models.posts import Comment, post_pk

    assert list(Comment.query(post_pk(post_id))) == []  # likes and comments are gone too


def test_likes_count_once_per_user_under_concurrency(alice: User) -> None:
    post_id = post(alice)
    fans = [make_user() for _ in range(6)]
    run_concurrently(6, lambda i: service.like(fans[i].id, post_id))
    run_concurrently(6, lambda i: service.like(fans[0].id, post_id))  # one user, six times
    settle(deliveries=2)  # every event delivered twice: still counted once
    assert service.get_post(alice.id, post_id).like_count == 6
    run_concurrently(6, lambda i: service.unlike(fans[i % 3].id, post_id))
    settle(deliveries=2)
    assert service.get_post(alice.id, post_id).like_count == 3
    _status, likers = api("posts", "likes", alice, {"post_id": post_id})
    assert sorted(u["username"] for u in likers["items"]) == sorted(f.username for f in fans[3:])


def test_like_and_unlike_answer_with_the_state(alice: User, bob: User) -> None:
    post_id = post(alice)
    assert api("posts", "like", bob, {"post_id": post_id}) == (
        200,
        {"like_count": 1, "liked_by_me": True},
    )
    assert api("posts", "like", bob, {"post_id": post_id})[1] == {  # before it is counted
        "like_count": 1,
        "liked_by_me": True,
    }
    settle()
    assert api("posts", "like", bob, {"post_id": post_id})[1] == {  # after
        "like_count": 1,
        "liked_by_me": True,
    }
    assert get(bob, post_id)[1]["liked_by_me"] is True
    assert api("posts", "unlike", bob, {"post_id": post_id})[1] == {
        "like_count": 0,
        "liked_by_me": False,
    }
    settle()  # a repeat answers with the stored count: once the unlike is counted, 0
    assert api("posts", "unlike", bob, {"post_id": post_id})[1]["like_count"] == 0
    assert api("posts", "like", bob, {"post_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"})[0] == 404


def test_likes_on_private_and_blocked_authors(alice: User, bob: User) -> None:
    carol = make_user(private=True)
    post_id = post(carol)
    status, body = api("posts", "like", bob, {"post_id": post_id})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    follow(bob, carol)
    api("graph", "approve", carol, {"username": bob.username})
    assert api("posts", "like", bob, {"post_id": post_id})[0] == 200
    assert api("posts", "like", carol, {"post_id": post_id})[0] == 200  # own post
    api("graph", "block", carol, {"username": alice.username})
    assert api("posts", "like", alice, {"post_id": post_id})[0] == 404
    settle()
    assert service.get_post(carol.id, post_id).like_count == 2


def test_comments_oldest_first_and_deletion_rights(alice: User, bob: User) -> None:
    post_id = post(alice)
    carol = make_user()
    ids = []
    for author, text in ((bob, "first"), (carol, "second"), (alice, "third")):
        status, body = api(
            "posts", "create_comment", author, {"post_id": post_id}, body={"text": text}
        )
        assert status == 201
        ids.append(body["comment_id"])
    status, page = api("posts", "comments", bob, {"post_id": post_id}, query={"limit": "2"})
    assert [c["text"] for c in page["items"]] == ["first", "second"]
    status, rest = api(
        "posts", "comments", bob, {"post_id": post_id}, query={"cursor": page["next_cursor"]}
    )
    assert [c["text"] for c in rest["items"]] == ["third"]
    settle()
    assert get(bob, post_id)[1]["comment_count"] == 3

    params = {"post_id": post_id, "comment_id": ids[1]}
    status, body = api("posts", "delete_comment", bob, params)  # not carol's comment, not his post
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert api("posts", "delete_comment", alice, params) == (204, None)  # the post's author
    assert api("posts", "delete_comment", bob, {"post_id": post_id, "comment_id": ids[0]})[0] == 204
    # Gone now: to anyone but the post's author that is the same 403 as someone else's comment
    # (so comment ids cannot be probed); the post's author learns it is gone.
    assert api("posts", "delete_comment", bob, {"post_id": post_id, "comment_id": ids[0]})[0] == 403
    assert (
        api("posts", "delete_comment", alice, {"post_id": post_id, "comment_id": ids[0]})[0] == 404
    )
    settle()
    assert get(alice, post_id)[1]["comment_count"] == 1
    status, body = api(
        "posts", "create_comment", bob, {"post_id": post_id}, body={"text": "x" * 501}
    )
    assert (status, body["error"]["details"][0]["field"]) == (400, "text")


def comment_on(user: User, post_id: str, text: str = "hi") -> str:
    status, body = api("posts", "create_comment", user, {"post_id": post_id}, body={"text": text})
    assert status == 201, body
    return str(body["comment_id"])


def comment_exists(post_id: str, comment_id: str) -> bool:
    found = get_or_none(Comment, post_pk(post_id), comment_sk(comment_id))
    return found is not None


def test_across_a_block_a_commenter_cannot_delete_their_comment_the_author_can(
    alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blocked user sees the blocker as 404: deleting their own comment on the blocker's
    post is a 404 (as reading the post), and the comment stays; either way round; the post's
    author still deletes any comment on it."""
    post_id = post(alice)
    carol = make_user()
    by_bob, by_carol = comment_on(bob, post_id), comment_on(carol, post_id)
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204  # alice blocks bob
    assert api("graph", "block", carol, {"username": alice.username})[0] == 204  # carol, alice
    for user, comment_id in ((bob, by_bob), (carol, by_carol), (bob, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")):
        status, body = api(
            "posts", "delete_comment", user, {"post_id": post_id, "comment_id": comment_id}
        )
        assert (status, body["error"]["code"]) == (404, "not_found"), user
        assert body == api("posts", "get_post", user, {"post_id": post_id})[1]  # the post's 404
    assert comment_exists(post_id, by_bob)
    assert comment_exists(post_id, by_carol)
    settle()
    assert get(alice, post_id)[1]["comment_count"] == 2

    # Unblocked, bob may delete his own again; a block that commits after his read still wins.
    assert api("graph", "unblock", alice, {"username": bob.username})[0] == 204
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204
    with monkeypatch.context() as stale:
        stale.setattr(access, "blocked_either_way", lambda *_: False)  # read before the block
        status, _body = api(
            "posts", "delete_comment", bob, {"post_id": post_id, "comment_id": by_bob}
        )
    assert status == 404
    assert comment_exists(post_id, by_bob)
    assert api("graph", "unblock", alice, {"username": bob.username})[0] == 204
    params = {"post_id": post_id, "comment_id": by_bob}
    assert api("posts", "delete_comment", bob, params) == (204, None)
    assert not comment_exists(post_id, by_bob)

    # The post's author deletes a comment by someone across a block (here: who blocked her).
    params = {"post_id": post_id, "comment_id": by_carol}
    assert api("posts", "delete_comment", alice, params) == (204, None)
    assert not comment_exists(post_id, by_carol)
    settle()
    assert get(alice, post_id)[1]["comment_count"] == 0


def test_a_commenter_who_no_longer_follows_a_private_author_gets_a_403(alice: User) -> None:
    """As reading the post: a lost follow of a private author is a 403, before the comment."""
    carol = make_user(private=True)
    follow(alice, carol)
    api("graph", "approve", carol, {"username": alice.username})
    post_id = post(carol)
    comment_id = comment_on(alice, post_id)
    assert api("graph", "unfollow", alice, {"username": carol.username})[0] == 204
    status, body = api(
        "posts", "delete_comment", alice, {"post_id": post_id, "comment_id": comment_id}
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert comment_exists(post_id, comment_id)
    params = {"post_id": post_id, "comment_id": comment_id}
    assert api("posts", "delete_comment", carol, params) == (204, None)  # the author may


def test_comments_follow_privacy(alice: User) -> None:
    carol = make_user(private=True)
    post_id = post(carol)
    for route, body in (("create_comment", {"text": "hi"}), ("comments", None), ("likes", None)):
        status, answer = api("posts", route, alice, {"post_id": post_id}, body=body)
        assert (status, answer["error"]["code"]) == (403, "forbidden"), route


def test_a_post_with_rejected_media_is_shown_to_its_author_only(alice: User, bob: User) -> None:
    pending = make_media(alice, status="pending")
    _status, body = api("posts", "create_post", alice, body={"media_ids": [pending]})
    post_id = body["post_id"]
    MediaItem(media_pk(pending), MEDIA).update(
        actions=[MediaItem.status.set("rejected"), MediaItem.reason.set("corrupt")]
    )
    assert get(bob, post_id)[0] == 404
    mine = get(alice, post_id)[1]
    assert mine["media"][0]["reason"] == "corrupt"
    assert api("posts", "user_posts", bob, {"username": alice.username})[1]["items"] == []


def test_user_posts_newest_first_with_pages(alice: User, bob: User) -> None:
    ids = [post(alice, f"p{i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        status, page = api("posts", "user_posts", bob, {"username": alice.username}, query=query)
        assert status == 200
        seen += [p["post_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]


def test_a_posted_media_item_is_as_visible_as_the_post(alice: User, bob: User) -> None:
    carol = make_user(private=True)
    post_id = post(carol)
    media_id = service.get_post(carol.id, post_id).media[0].media_id
    status, body = api("media", "get_media", bob, {"media_id": media_id})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    public = service.get_post(alice.id, post(alice)).media[0].media_id
    assert api("media", "get_media", bob, {"media_id": public})[0] == 200
    api("graph", "block", alice, {"username": bob.username})
    assert api("media", "get_media", bob, {"media_id": public})[0] == 404
