"""Post edits, alt text, hidden like counts and comments turned off, through the handlers,
against moto: who may edit, what an edit changes (hashtags and mentions parsed again, alt
texts on the media items, `edited_at`), who is told of a mention, and who sees a count."""

from __future__ import annotations

from typing import Any

import pytest

from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import POST, Post, post_pk
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
    settle,
)


def edit(user: User, post_id: str, **body: Any) -> tuple[int, Any]:
    return api("posts", "edit_post", user, {"post_id": post_id}, body=body)


def create(user: User, **body: Any) -> dict[str, Any]:
    status, created = api("posts", "create_post", user, body=body)
    assert status == 201, created
    return dict(created)


def read(user: User, post_id: str) -> tuple[int, Any]:
    return api("posts", "get_post", user, {"post_id": post_id})


def mentions_of(user: User) -> list[dict[str, Any]]:
    settle()
    status, body = api("notifications", "list", user)
    assert status == 200, body
    return [n for n in body["items"] if n["type"] == "mention"]


# ------------------------------------------------------------------ create
def test_a_post_is_created_with_alt_texts_a_hidden_count_and_comments_off(alice: User) -> None:
    first, second = make_media(alice), make_media(alice, status="pending")
    created = create(
        alice,
        media_ids=[first, second],
        alt_texts={first: "A heron on\u202e one leg", second: ""},
        hide_like_count=True,
        comments_disabled=True,
    )
    assert [m["alt_text"] for m in created["media"]] == ["A heron on one leg", None]
    assert (created["hide_like_count"], created["comments_disabled"]) == (True, True)
    assert (created["like_count"], created["edited_at"]) == (0, None)  # the author sees it
    assert MediaItem.get(media_pk(first), MEDIA).alt_text == "A heron on one leg"
    status, media = api("media", "get_media", alice, {"media_id": first})
    assert (status, media["alt_text"]) == (200, "A heron on one leg")


@pytest.mark.parametrize(
    "problem",
    ["stray alt text", "alt text too long", "alt text of two lines", "place_id", "flag as text"],
)
def test_create_refuses_bad_new_fields_and_writes_nothing(alice: User, problem: str) -> None:
    media = make_media(alice)
    body: dict[str, Any] = {"media_ids": [media]}
    body.update(
        {
            "stray alt text": {"alt_texts": {make_media(alice): "x"}},
            "alt text too long": {"alt_texts": {media: "x" * 1001}},
            "alt text of two lines": {"alt_texts": {media: "a\nb"}},
            "place_id": {"place_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"},
            "flag as text": {"hide_like_count": "yes"},
        }[problem]
    )
    status, answer = api("posts", "create_post", alice, body=body)
    assert (status, answer["error"]["code"]) == (400, "bad_request"), answer
    item = MediaItem.get(media_pk(media), MEDIA)
    assert (item.used_by, item.alt_text) == (None, None)


# ------------------------------------------------------------------ edit
def test_the_author_edits_caption_location_alt_texts_and_settings(alice: User) -> None:
    first, second = make_media(alice), make_media(alice)
    created = create(
        alice,
        media_ids=[first, second],
        caption="#Old harbour with @someone_a",
        location="Oslo",
        alt_texts={first: "Old text"},
    )
    post_id = created["post_id"]
    status, edited = edit(
        alice,
        post_id,
        caption="#New #harbour with @someone_b",
        location="",
        alt_texts={first: None, second: "Cranes"},
        hide_like_count=True,
    )
    assert status == 200, edited
    assert edited["caption"] == "#New #harbour with @someone_b"
    assert (edited["hashtags"], edited["mentions"]) == (["new", "harbour"], ["someone_b"])
    assert edited["location"] is None
    assert [m["alt_text"] for m in edited["media"]] == [None, "Cranes"]
    assert (edited["hide_like_count"], edited["comments_disabled"]) == (True, False)
    assert edited["edited_at"] > edited["created_at"]
    assert read(alice, post_id)[1] == edited

    # only what is sent changes; null is as leaving a field out
    status, again = edit(alice, post_id, comments_disabled=True, caption=None)
    assert status == 200, again
    assert (again["caption"], again["hide_like_count"]) == (edited["caption"], True)
    assert again["comments_disabled"] is True
    assert again["edited_at"] >= edited["edited_at"]
    stored = Post.get(post_pk(post_id), POST)
    assert int(stored.revision) >= 2  # the search document follows each edit


@pytest.mark.parametrize(
    "body",
    [
        {"alt_texts": {"01JD0Z8Q5M3S4V6X7Y8Z9A0B1C": "not this post's"}},
        {"caption": "x" * 2201},
        {"place_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"},
        {"media_ids": []},
        {"comments_disabled": 1},
    ],
)
def test_bad_edits_are_400_and_change_nothing(alice: User, body: dict[str, Any]) -> None:
    post_id = post(alice, "#kept")
    status, answer = edit(alice, post_id, **body)
    assert (status, answer["error"]["code"]) == (400, "bad_request"), answer
    stored = Post.get(post_pk(post_id), POST)
    assert (stored.caption, stored.edited_at) == ("#kept", None)


def test_only_the_author_may_edit_others_get_what_reading_gives(stack: Stack) -> None:
    """Owner 200; follower and stranger 403; a private account's non-follower 403 (as reading
    it); blocked either way 404 (as reading it); an unknown post 404."""
    owner, follower, stranger = make_user(), make_user(), make_user()
    blocked, blocker = make_user(), make_user()
    private, outsider = make_user(private=True), make_user()
    follow(follower, owner)
    post_id, private_post = post(owner, "mine"), post(private, "hidden")
    assert api("graph", "block", owner, {"username": blocked.username})[0] == 204
    assert api("graph", "block", blocker, {"username": owner.username})[0] == 204
    tries = [
        (owner, post_id, 200),
        (follower, post_id, 403),
        (stranger, post_id, 403),
        (outsider, private_post, 403),
        (blocked, post_id, 404),
        (blocker, post_id, 404),
        (owner, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", 404),
    ]
    for user, target, expected in tries:
        status, _body = edit(user, target, caption="changed by someone")
        assert status == expected, (user, target, status)
    assert Post.get(post_pk(private_post), POST).caption == "hidden"
    assert read(stranger, post_id)[1]["caption"] == "changed by someone"  # the owner's edit


def test_a_rejected_media_items_post_may_be_edited_but_stays_hidden(alice: User, bob: User) -> None:
    rejected = make_media(alice)
    post_id = create(alice, media_ids=[rejected])["post_id"]
    item = MediaItem.get(media_pk(rejected), MEDIA)
    item.update(actions=[MediaItem.status.set("rejected")])
    status, edited = edit(alice, post_id, caption="fixed?")
    assert (status, edited["caption"]) == (200, "fixed?")
    assert read(bob, post_id)[0] == 404


# ------------------------------------------------------------------ mentions
def test_an_edit_tells_only_the_users_it_newly_mentions(stack: Stack) -> None:
    author, kept, added, private = make_user(), make_user(), make_user(), make_user(True)
    gone = make_user()
    post_id = post(author, f"hi @{kept.username} @{gone.username}")
    assert [len(mentions_of(u)) for u in (kept, gone)] == [1, 1]
    status, _ = edit(
        author, post_id, caption=f"hi @{kept.username} @{added.username} @{private.username}"
    )
    assert status == 200
    assert [len(mentions_of(u)) for u in (kept, gone, added, private)] == [1, 1, 1, 1]
    assert mentions_of(added)[0]["post_id"] == post_id

    # a location or a setting changes no mention; an edit of the same caption tells nobody
    assert edit(author, post_id, location="Bergen", hide_like_count=True)[0] == 200
    assert edit(author, post_id, caption=f"hi @{kept.username} @{added.username}")[0] == 200
    assert [len(mentions_of(u)) for u in (kept, added)] == [1, 1]


def test_a_private_authors_edit_tells_only_who_may_see_the_post(stack: Stack) -> None:
    author, friend, outsider = make_user(private=True), make_user(), make_user()
    follow(friend, author)
    assert api("graph", "approve", author, {"username": friend.username})[0] == 204
    post_id = post(author, "quiet")
    caption = f"now @{friend.username} and @{outsider.username}"
    assert edit(author, post_id, caption=caption)[0] == 200
    assert (len(mentions_of(friend)), len(mentions_of(outsider))) == (1, 0)


def test_concurrent_caption_edits_all_land_and_tell_only_whom_the_caption_names(
    stack: Stack,
) -> None:
    """Each edit is conditioned on the caption it read (a loser reads again: with three
    edits at once, the last needs at most EDIT_ATTEMPTS); the notifier tells a newly mentioned
    user only while the caption still names them."""
    author = make_user()
    named = [make_user() for _ in range(service.EDIT_ATTEMPTS)]
    post_id = post(author, "start")

    def work(index: int) -> int:
        return edit(author, post_id, caption=f"@{named[index].username} #take{index}")[0]

    assert run_concurrently(len(named), work) == [200] * len(named)
    final = Post.get(post_pk(post_id), POST)
    winner = next(i for i, user in enumerate(named) if final.mentions == [user.username])
    assert final.hashtags == [f"take{winner}"]
    told = [len(mentions_of(user)) for user in named]
    assert told == [int(i == winner) for i in range(len(named))]


# ------------------------------------------------------------------ hidden counts
def test_a_hidden_like_count_is_null_for_everyone_but_the_author(stack: Stack) -> None:
    author, fan, stranger = make_user(), make_user(), make_user()
    follow(fan, author)
    post_id = create(author, media_ids=[make_media(author)], hide_like_count=True)["post_id"]
    assert api("posts", "like", fan, {"post_id": post_id}) == (
        200,
        {"like_count": None, "liked_by_me": True},
    )
    settle()  # counted: the author's like answers the stored count and their own
    assert api("posts", "like", author, {"post_id": post_id})[1]["like_count"] == 2
    settle()

    def counts(user: User) -> dict[str, Any]:
        feed = api("feed", "get_feed", user)[1]["items"]
        listed = api("posts", "user_posts", user, {"username": author.username})[1]["items"]
        return {
            "post": read(user, post_id)[1]["like_count"],
            "feed": [p["like_count"] for p in feed if p["post_id"] == post_id],
            "profile": [p["like_count"] for p in listed],
        }

    assert counts(author) == {"post": 2, "feed": [2], "profile": [2]}
    assert counts(fan) == {"post": None, "feed": [None], "profile": [None]}
    assert counts(stranger)["post"] is None
    assert api("posts", "unlike", fan, {"post_id": post_id})[1] == {
        "like_count": None,
        "liked_by_me": False,
    }

    assert edit(author, post_id, hide_like_count=False)[0] == 200
    settle()
    assert read(stranger, post_id)[1]["like_count"] == 1


# ------------------------------------------------------------------ comments off
def test_comments_turned_off_refuse_new_ones_the_authors_too(alice: User, bob: User) -> None:
    post_id = post(alice)

    def comment(user: User) -> int:
        return api("posts", "create_comment", user, {"post_id": post_id}, body={"text": "hi"})[0]

    assert comment(bob) == 201
    assert edit(alice, post_id, comments_disabled=True)[0] == 200
    assert (comment(bob), comment(alice)) == (403, 403)
    status, listed = api("posts", "comments", bob, {"post_id": post_id})
    assert (status, len(listed["items"])) == (200, 1)  # those made before stay
    assert edit(alice, post_id, comments_disabled=False)[0] == 200
    assert comment(bob) == 201


def test_an_edit_of_a_post_deleted_meanwhile_is_404(alice: User, monkeypatch: Any) -> None:
    post_id = post(alice, "soon gone")
    real = service._get_post

    def read_then_delete(target: str) -> Post:
        found = real(target)
        service.remove_post(found)
        return found

    monkeypatch.setattr(service, "_get_post", read_then_delete)
    status, body = edit(alice, post_id, caption="too late")
    assert status == 404, body
