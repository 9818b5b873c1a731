"""Mutes (feed and tray, at read time), the blocked and muted lists, removing a follower."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack
from tests.integration.social import User, api, feed_ids, follow, make_user, post, profile, settle
from tests.integration.test_stories import create, tray


def mute(reader: User, author: User, posts: bool, stories: bool) -> tuple[int, Any]:
    body = {"posts": posts, "stories": stories}
    return api("graph", "mute", reader, {"username": author.username}, body=body)


def unmute(reader: User, author: User) -> tuple[int, Any]:
    return api("graph", "unmute", reader, {"username": author.username})


def names(body: Any) -> list[str]:
    return [item["username"] for item in body["items"]]


def profile_posts(viewer: User, author: User) -> tuple[int, list[str]]:
    status, body = api("posts", "user_posts", viewer, {"username": author.username})
    return status, [p["post_id"] for p in body["items"]] if status == 200 else []


def test_muted_posts_leave_the_feed_but_stay_on_the_profile(
    stack: Stack, alice: User, bob: User
) -> None:
    follow(bob, alice)
    settle()
    first = post(alice, "one")
    settle()
    assert feed_ids(bob) == [first]
    assert mute(bob, alice, posts=True, stories=False) == (204, None)
    assert feed_ids(bob) == []  # the pushed entry is left out at once
    second = post(alice, "two")
    settle()
    assert feed_ids(bob) == []  # and so is what comes later
    assert profile_posts(bob, alice) == (200, [second, first])  # the profile is untouched
    own = post(bob, "mine")
    settle()
    assert feed_ids(bob) == [own]
    assert unmute(bob, alice) == (204, None)
    assert feed_ids(bob) == [own, second, first]


def test_a_muted_authors_entries_do_not_end_the_feed_early(
    stack: Stack, alice: User, bob: User
) -> None:
    carol = make_user(prefix="carol")
    follow(bob, alice)
    follow(bob, carol)
    settle()
    older = [post(carol) for _ in range(2)]
    for _ in range(3):
        post(alice)
    settle()
    mute(bob, alice, posts=True, stories=False)
    status, page = api("feed", "get_feed", bob, query={"limit": "2"})
    assert (status, page["items"]) == (200, [])  # two of alice's entries, left out...
    seen: list[str] = []
    cursor = page["next_cursor"]
    while cursor:  # ...and the cursor goes on past them
        _status, page = api("feed", "get_feed", bob, query={"limit": "2", "cursor": cursor})
        seen += [p["post_id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == older[::-1]


def test_a_muted_celebritys_posts_and_stories_are_not_merged_in(
    stack: Stack, alice: User, celebrity_threshold: None
) -> None:
    fans = [make_user(prefix="fan") for _ in range(3)]
    for fan in fans:
        follow(fan, alice)
    settle()
    assert profile(alice).is_celebrity
    post_id = post(alice)
    create(stack, alice)
    settle()
    reader, other = fans[0], fans[1]
    assert feed_ids(reader) == [post_id]
    assert alice.username in tray(reader)
    mute(reader, alice, posts=True, stories=True)
    assert feed_ids(reader) == []
    assert alice.username not in tray(reader)
    assert feed_ids(other) == [post_id]  # silent: only the muter's reads change
    assert alice.username in tray(other)


def test_mutes_of_posts_and_of_stories_are_separate(stack: Stack, alice: User, bob: User) -> None:
    follow(bob, alice)
    settle()
    post_id = post(alice)
    story = create(stack, alice)
    settle()
    mute(bob, alice, posts=False, stories=True)
    assert alice.username not in tray(bob)
    assert feed_ids(bob) == [post_id]
    # stories stay reachable everywhere but the tray
    status, stories = api("stories", "user_stories", bob, {"username": alice.username})
    assert (status, [s["story_id"] for s in stories["items"]]) == (200, [story["story_id"]])
    mute(bob, alice, posts=True, stories=False)  # replaces the mute
    assert alice.username in tray(bob)
    assert feed_ids(bob) == []
    status, listed = api("graph", "muted", bob)
    assert status == 200
    assert [(u["username"], u["posts"], u["stories"]) for u in listed["items"]] == [
        (alice.username, True, False)
    ]
    mute(bob, alice, posts=False, stories=False)  # nothing muted: no mute
    assert api("graph", "muted", bob)[1]["items"] == []
    assert feed_ids(bob) == [post_id]


def test_who_may_mute_whom(stack: Stack, alice: User, bob: User) -> None:
    private = make_user(private=True, prefix="priv")
    stranger = make_user(prefix="stranger")
    assert mute(bob, private, True, True)[0] == 204  # nothing of it shows: harmless
    assert mute(stranger, alice, True, False)[0] == 204
    assert mute(bob, bob, True, True)[0] == 400
    both = {"posts": True, "stories": True}
    assert api("graph", "mute", bob, {"username": "nobody_here"}, body=both)[0] == 404
    api("graph", "block", alice, {"username": bob.username})
    assert mute(bob, alice, True, True)[0] == 404  # the blocker does not exist for bob
    assert mute(alice, bob, True, True)[0] == 404  # nor the blocked for alice
    assert unmute(bob, alice)[0] == 204  # idempotent, the caller's own list
    assert names(api("graph", "muted", bob)[1]) == [private.username]
    assert api("graph", "muted", alice)[1]["items"] == []
    only_posts = {"posts": True}  # both flags are required
    assert api("graph", "mute", bob, {"username": alice.username}, body=only_posts)[0] == 400


def test_the_blocked_list_is_the_callers_blocks(alice: User, bob: User) -> None:
    carol = make_user(prefix="carol")
    api("graph", "block", alice, {"username": bob.username})
    api("graph", "block", carol, {"username": alice.username})
    status, body = api("graph", "blocked", alice)
    assert (status, names(body)) == (200, [bob.username])  # not who blocks alice
    assert api("graph", "blocked", bob)[1]["items"] == []
    api("graph", "unblock", alice, {"username": bob.username})
    assert api("graph", "blocked", alice)[1]["items"] == []


def test_a_removed_follower_loses_the_posts_as_after_an_unfollow(stack: Stack, bob: User) -> None:
    owner = make_user(private=True, prefix="owner")
    follow(bob, owner)
    api("graph", "approve", owner, {"username": bob.username})
    settle()
    post_id = post(owner)
    create(stack, owner)
    settle()
    assert feed_ids(bob) == [post_id]
    assert owner.username in tray(bob)
    before = len(api("notifications", "list", bob)[1]["items"])
    assert api("graph", "remove_follower", owner, {"username": bob.username}) == (204, None)
    assert feed_ids(bob) == []  # hidden at once (the follow edge is gone)...
    settle()  # ...then pruned, and counted
    assert profile(owner).followers_count == 0
    assert profile(bob).following_count == 0
    assert owner.username not in tray(bob)
    assert profile_posts(bob, owner)[0] == 403  # private: bob is a stranger now
    assert len(api("notifications", "list", bob)[1]["items"]) == before  # not told
    _status, seen = api("users", "get_user", bob, {"username": owner.username})
    assert seen["follow_status"] == "none"
    # idempotent; a non-follower, yourself, no one, across a block
    assert api("graph", "remove_follower", owner, {"username": bob.username}) == (204, None)
    assert api("graph", "remove_follower", owner, {"username": owner.username})[0] == 400
    assert api("graph", "remove_follower", owner, {"username": "nobody_here"})[0] == 404
    api("graph", "block", bob, {"username": owner.username})
    assert api("graph", "remove_follower", owner, {"username": bob.username})[0] == 404


def test_remove_follower_touches_only_the_callers_followers(alice: User, bob: User) -> None:
    carol = make_user(prefix="carol")
    follow(bob, alice)
    follow(carol, bob)
    settle()
    # bob removing alice (whom bob follows, who does not follow him) changes nothing
    assert api("graph", "remove_follower", bob, {"username": alice.username}) == (204, None)
    settle()
    assert profile(alice).followers_count == 1
    assert profile(bob).followers_count == 1
