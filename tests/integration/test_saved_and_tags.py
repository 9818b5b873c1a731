"""Saved posts and collections; people tagged in posts: through the handlers, against moto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from glimpse.adapters import cognito as cognito_adapter
from glimpse.models.base import get_or_none
from glimpse.models.posts import POST, Post, Save, Tag, post_pk, save_sk, tag_sk
from tests.integration.conftest import Stack
from tests.integration.social import (
    User,
    api,
    follow,
    make_media,
    make_user,
    post,
    run_feed_jobs,
    settle,
)
from tests.integration.test_passwords import account
from tests.integration.test_withdrawal import as_account


def saved_ids(user: User, **query: str) -> list[str]:
    status, body = api("posts", "saved", user, query=query or None)
    assert status == 200, body
    return [p["post_id"] for p in body["items"]]


def tagged_ids(viewer: User, user: User) -> tuple[int, list[str]]:
    status, body = api("posts", "tagged", viewer, {"username": user.username})
    return status, [p["post_id"] for p in body["items"]] if status == 200 else body


def save(user: User, post_id: str, collection_id: str | None = None) -> tuple[int, Any]:
    body = {"collection_id": collection_id} if collection_id else None
    return api("posts", "save", user, {"post_id": post_id}, body=body)


def collection(user: User, name: str = "Trips") -> str:
    status, body = api("posts", "create_collection", user, body={"name": name})
    assert status == 201, body
    assert body["name"] == name
    return str(body["collection_id"])


def tagged_post(author: User, *people: User, **extra: Any) -> tuple[int, dict[str, Any]]:
    media = make_media(author)
    tags = [{"username": p.username, "media_id": media, "x": 0.25, "y": 0.75} for p in people]
    return api("posts", "create_post", author, body={"media_ids": [media], "tags": tags, **extra})


def notifications_of(user: User) -> list[dict[str, Any]]:
    settle()
    status, body = api("notifications", "list", user)
    assert status == 200
    return list(body["items"])


# --------------------------------------------------------------------------- saves
def test_save_unsave_and_saved_by_me(stack: Stack) -> None:
    author, reader = make_user(), make_user()
    first, second = post(author), post(author)
    assert save(reader, first) == (204, None)
    assert save(reader, second) == (204, None)
    assert save(reader, first) == (204, None)  # again: keeps its place
    assert saved_ids(reader) == [second, first]  # newest saved first
    assert api("posts", "get_post", reader, {"post_id": first})[1]["saved_by_me"] is True
    assert api("posts", "get_post", author, {"post_id": first})[1]["saved_by_me"] is False
    assert api("posts", "unsave", reader, {"post_id": first}) == (204, None)
    assert api("posts", "unsave", reader, {"post_id": first}) == (204, None)  # twice: the same
    assert saved_ids(reader) == [second]
    assert api("posts", "get_post", reader, {"post_id": first})[1]["saved_by_me"] is False
    assert save(reader, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404


def test_saved_list_pages(stack: Stack) -> None:
    author, reader = make_user(), make_user()
    ids = [post(author) for _ in range(5)]
    for post_id in ids:
        save(reader, post_id)
    page = api("posts", "saved", reader, query={"limit": "2"})[1]
    assert [p["post_id"] for p in page["items"]] == ids[::-1][:2]
    seen = [p["post_id"] for p in page["items"]]
    while page["next_cursor"]:
        query = {"limit": "2", "cursor": page["next_cursor"]}
        page = api("posts", "saved", reader, query=query)[1]
        seen += [p["post_id"] for p in page["items"]]
    assert seen == ids[::-1]
    other = collection(reader)
    assert api("posts", "saved", reader, query={"cursor": "not-a-cursor"})[0] == 400
    assert api("posts", "saved", reader, query={"collection_id": other})[1]["items"] == []


def test_collections(stack: Stack) -> None:
    author, reader, stranger = make_user(), make_user(), make_user()
    a, b = post(author), post(author)
    trips, food = collection(reader, "Trips"), collection(reader, "Food")
    body = api("posts", "collections", reader)[1]
    assert [c["name"] for c in body["items"]] == ["Trips", "Food"]
    assert save(reader, a, trips) == (204, None)
    assert save(reader, b, food) == (204, None)
    assert save(reader, b, trips) == (204, None)
    assert saved_ids(reader, collection_id=trips) == [b, a]
    assert saved_ids(reader, collection_id=food) == [b]
    assert saved_ids(reader) == [b, a]  # each once in all saved posts
    # Someone else's collection is not there for them.
    assert save(stranger, a, trips)[0] == 404
    assert api("posts", "saved", stranger, query={"collection_id": trips})[0] == 404
    assert api("posts", "delete_collection", stranger, {"collection_id": trips})[0] == 404
    # Deleting a collection keeps the posts saved.
    assert api("posts", "delete_collection", reader, {"collection_id": trips}) == (204, None)
    assert api("posts", "saved", reader, query={"collection_id": trips})[0] == 404
    assert saved_ids(reader) == [b, a]
    assert [c["name"] for c in api("posts", "collections", reader)[1]["items"]] == ["Food"]
    assert get_or_none(Save, post_pk(a), save_sk(reader.id, trips)) is None
    # Unsaving takes the post out of its collections too.
    api("posts", "unsave", reader, {"post_id": b})
    assert saved_ids(reader, collection_id=food) == []
    for bad in ({"name": ""}, {"name": " "}, {"name": "x" * 65}, {}):
        assert api("posts", "create_collection", reader, body=bad)[0] == 400


def test_what_the_caller_may_no_longer_see_drops_out(stack: Stack) -> None:
    author, reader = make_user(), make_user()
    shown, hidden, gone = post(author), post(author), post(author)
    for post_id in (shown, hidden, gone):
        save(reader, post_id)
    api("posts", "delete_post", author, {"post_id": gone})
    assert saved_ids(reader) == [hidden, shown]  # deleted: out at once
    run_feed_jobs(stack)
    assert get_or_none(Save, post_pk(gone), save_sk(reader.id)) is None  # cleaned up
    api("users", "patch_me", author, body={"is_private": True})
    assert saved_ids(reader) == []  # private now, not followed
    api("users", "patch_me", author, body={"is_private": False})
    assert saved_ids(reader) == [hidden, shown]
    api("graph", "block", author, {"username": reader.username})
    assert saved_ids(reader) == []
    api("graph", "unblock", author, {"username": reader.username})
    assert saved_ids(reader) == [hidden, shown]
    # A moderator's removal: out for them (its author alone sees it).
    Post(post_pk(hidden), POST).update(actions=[Post.removed_at.set(datetime.now(UTC))])
    assert saved_ids(reader) == [shown]
    save(author, hidden)
    assert saved_ids(author) == [hidden]


def test_saving_follows_the_rules_of_reading_the_post(stack: Stack) -> None:
    author, follower, stranger, blocked = (
        make_user(private=True),
        make_user(),
        make_user(),
        make_user(),
    )
    follow(follower, author)
    api("graph", "approve", author, {"username": follower.username})
    post_id = post(author)
    api("graph", "block", author, {"username": blocked.username})
    assert save(author, post_id) == (204, None)
    assert save(follower, post_id) == (204, None)
    assert save(stranger, post_id)[0] == 403
    assert save(blocked, post_id)[0] == 404
    assert saved_ids(stranger) == []
    assert saved_ids(blocked) == []


# --------------------------------------------------------------------------- tags
def test_tags_at_creation_and_on_the_post(stack: Stack) -> None:
    author, bob, carol = make_user(), make_user(), make_user()
    status, body = tagged_post(author, bob, carol, author)  # oneself too
    assert status == 201, body
    assert sorted(t["user"]["username"] for t in body["tags"]) == sorted(
        [bob.username, carol.username, author.username]
    )
    assert (body["tags"][0]["x"], body["tags"][0]["y"]) == (0.25, 0.75)
    post_id = body["post_id"]
    got = api("posts", "get_post", bob, {"post_id": post_id})[1]
    assert got["tags"] == body["tags"]
    assert tagged_ids(carol, bob) == (200, [post_id])
    assert tagged_ids(bob, author) == (200, [post_id])
    kinds = [n["type"] for n in notifications_of(bob)]
    assert kinds == ["tag"]
    assert notifications_of(bob)[0]["post_id"] == post_id
    assert "tagged you" in notifications_of(bob)[0]["text"]
    assert [n["type"] for n in notifications_of(author)] == []  # not of one's own tag


def test_bad_tags_are_refused_naming_the_tag(stack: Stack) -> None:
    author, bob, blocker = make_user(), make_user(), make_user()
    api("graph", "block", blocker, {"username": author.username})
    media, other = make_media(author), make_media(author)

    def create(tags: list[dict[str, Any]]) -> tuple[int, Any]:
        return api("posts", "create_post", author, body={"media_ids": [media], "tags": tags})

    def tag(user: str, media_id: str = media, x: float = 0.5, y: float = 0.5) -> dict[str, Any]:
        return {"username": user, "media_id": media_id, "x": x, "y": y}

    for tags, field in (
        ([tag(bob.username), tag("nobody_here")], "tags[1].username"),
        ([tag(blocker.username)], "tags[0].username"),
        ([tag(bob.username, other)], "tags[0].media_id"),
        ([tag(bob.username), tag(bob.username.upper())], "tags[1].username"),
    ):
        status, body = create(tags)
        assert status == 400, body
        assert [d["field"] for d in body["error"]["details"]] == [field]
    for tags in ([tag(bob.username, x=1.5)], [tag(bob.username, y=-0.1)], [tag(bob.username)] * 21):
        assert create(tags)[0] == 400
    # Blocked the other way round too.
    api("graph", "block", author, {"username": bob.username})
    assert create([tag(bob.username)])[0] == 400
    assert get_or_none(Tag, post_pk("x"), tag_sk(bob.id)) is None
    status, body = create([])
    assert (status, body["tags"]) == (201, [])


def test_a_private_authors_tag_reaches_only_who_may_see_it(stack: Stack) -> None:
    author, follower, stranger = make_user(private=True), make_user(), make_user()
    follow(follower, author)
    api("graph", "approve", author, {"username": follower.username})
    status, body = tagged_post(author, follower, stranger)
    assert status == 201
    post_id = body["post_id"]
    assert [n["type"] for n in notifications_of(follower) if n["type"] == "tag"] == ["tag"]
    assert notifications_of(stranger) == []  # tagged silently: may not see the post
    assert tagged_ids(stranger, stranger) == (200, [])  # nor in their own tagged list
    assert tagged_ids(follower, stranger) == (200, [post_id])
    assert tagged_ids(follower, follower) == (200, [post_id])


def test_tagged_list_privacy_and_blocks(stack: Stack) -> None:
    author, tagged, follower, stranger, blocked = (make_user() for _ in range(5))
    private = make_user(private=True)
    follow(follower, private)
    api("graph", "approve", private, {"username": follower.username})
    post_id = tagged_post(author, private)[1]["post_id"]
    assert tagged_ids(private, private) == (200, [post_id])  # owner
    assert tagged_ids(follower, private) == (200, [post_id])
    assert tagged_ids(stranger, private)[0] == 403  # the tagged account's privacy
    api("graph", "block", private, {"username": blocked.username})
    assert tagged_ids(blocked, private)[0] == 404
    # The post's author's blocks: the post leaves the list for whom it blocks.
    public_post = tagged_post(author, tagged)[1]["post_id"]
    api("graph", "block", author, {"username": stranger.username})
    assert tagged_ids(stranger, tagged) == (200, [])
    assert tagged_ids(follower, tagged) == (200, [public_post])
    # A blocked tagged account is left out of the post's tags for the blocker.
    api("graph", "block", tagged, {"username": follower.username})
    got = api("posts", "get_post", follower, {"post_id": public_post})[1]
    assert got["tags"] == []


def test_remove_yourself_and_deleted_posts(stack: Stack) -> None:
    author, bob, carol = make_user(), make_user(), make_user()
    post_id = tagged_post(author, bob, carol)[1]["post_id"]
    assert notifications_of(bob)[0]["type"] == "tag"
    # Someone not tagged removes nothing.
    assert api("posts", "untag", author, {"post_id": post_id}) == (204, None)
    assert api("posts", "untag", bob, {"post_id": post_id}) == (204, None)
    assert api("posts", "untag", bob, {"post_id": post_id}) == (204, None)
    got = api("posts", "get_post", author, {"post_id": post_id})[1]
    assert [t["user"]["username"] for t in got["tags"]] == [carol.username]
    assert tagged_ids(bob, bob) == (200, [])
    assert notifications_of(bob) == []  # the tag's notification goes with it
    # Even once the author blocks them, one's own tag is one's own to remove.
    api("graph", "block", author, {"username": carol.username})
    assert api("posts", "untag", carol, {"post_id": post_id}) == (204, None)
    assert api("posts", "get_post", author, {"post_id": post_id})[1]["tags"] == []
    # A deleted post leaves the tagged list.
    other = tagged_post(author, bob)[1]["post_id"]
    assert tagged_ids(bob, bob) == (200, [other])
    api("posts", "delete_post", author, {"post_id": other})
    assert tagged_ids(bob, bob) == (200, [])
    run_feed_jobs(stack)
    assert get_or_none(Tag, post_pk(other), tag_sk(bob.id)) is None


def test_a_deleted_account_leaves_saved_and_tagged_lists_until_restored(
    stack: Stack, auto_confirm: None
) -> None:
    name, user_id, tokens = account(stack)
    alice, bob, carol = User(user_id, name), make_user(), make_user()
    claims = cognito_adapter.claims_of(tokens["id_token"])
    alices = tagged_post(alice, bob)[1]["post_id"]
    bobs = tagged_post(bob, alice)[1]["post_id"]
    save(carol, alices)
    save(alice, bobs)

    def shown() -> tuple[list[str], list[str], list[str], int]:
        tags = api("posts", "get_post", carol, {"post_id": bobs})[1]["tags"]
        return (
            saved_ids(carol),
            tagged_ids(carol, bob)[1],
            [t["user"]["username"] for t in tags],
            tagged_ids(carol, alice)[0],
        )

    assert shown() == ([alices], [alices], [alice.username], 200)
    assert as_account(alice.username, alice.id, claims, "users/delete_me") == 202
    settle(deliveries=2)
    assert shown() == ([], [], [], 404)  # its posts and its tags are hidden with it
    later = {**claims, "auth_time": str(int(claims["auth_time"]) + 10), "origin_jti": "later"}
    assert as_account(alice.username, alice.id, later, "users/restore_me") == 204
    settle(deliveries=2)
    assert shown() == ([alices], [alices], [alice.username], 200)
    assert get_or_none(Save, post_pk(bobs), save_sk(alice.id)) is not None  # its own, kept
