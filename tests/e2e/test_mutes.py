"""Mutes, the blocked and muted lists and removing a follower, over HTTP: a muted account's
posts leave the feed (and its stories the tray) but stay on its profile; a removed follower
no longer sees a private account's posts; who may call each route."""

from __future__ import annotations

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, sign_up_and_log_in
from tests.e2e.test_social import feed, publish
from tests.e2e.test_stories import story, tray
from tests.e2e.waiting import until


def profile_posts(viewer: Client, author: Client) -> list[str]:
    response = viewer.get(f"/users/{author.username}/posts")
    assert response.status_code == 200, response.text
    return [p["post_id"] for p in response.json()["items"]]


def names(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["items"]]


def mute(client: Client, other: Client, posts: bool = True, stories: bool = True) -> int:
    body = {"posts": posts, "stories": stories}
    return client.post(f"/users/{other.username}/mute", json=body).status_code


def test_a_muted_accounts_posts_leave_the_feed_but_stay_on_its_profile(cloud: LocalCloud) -> None:
    reader, loud, quiet = (sign_up_and_log_in(cloud, n) for n in ("rdr", "loud", "qui"))
    for author in (loud, quiet):
        assert reader.post(f"/users/{author.username}/follow").status_code == 200
    loud_post, quiet_post = publish(loud, "so much"), publish(quiet, "a little")
    story(loud)
    until(lambda: feed(reader), lambda ids: {loud_post, quiet_post} <= set(ids), what="both posts")
    until(lambda: tray(reader), lambda t: loud.username in t, what="loud's story in the tray")

    assert mute(reader, loud, posts=True, stories=False) == 204
    assert feed(reader) == [quiet_post]  # at the next read, what was there already
    later = publish(loud, "and more")
    assert profile_posts(reader, loud) == [later, loud_post]  # the profile is untouched
    later_quiet = publish(quiet, "again")
    until(lambda: feed(reader), lambda ids: later_quiet in ids, what="quiet's new post")
    assert feed(reader) == [later_quiet, quiet_post]  # and what came later stays out
    assert loud.username in tray(reader)  # posts only: the stories stay

    assert mute(reader, loud, posts=False, stories=True) == 204
    assert loud.username not in tray(reader)
    assert reader.get(f"/users/{loud.username}/stories").json()["items"]  # still reachable
    assert [u["username"] for u in reader.get("/me/muted").json()["items"]] == [loud.username]
    assert reader.get("/me/muted").json()["items"][0]["stories"] is True
    # silent: loud sees nothing of it
    seen = loud.get(f"/users/{reader.username}").json()
    assert (seen["follows_me"], seen["followers_count"]) == (True, 0)
    assert loud.get("/me/muted").json()["items"] == []

    assert reader.delete(f"/users/{loud.username}/mute").status_code == 204
    every = {later, loud_post, later_quiet, quiet_post}
    until(lambda: feed(reader), lambda ids: set(ids) == every, what="loud's posts are back")
    assert loud.username in tray(reader)
    assert reader.get("/me/muted").json()["items"] == []


def test_a_removed_follower_no_longer_sees_a_private_accounts_posts(cloud: LocalCloud) -> None:
    owner, fan = sign_up_and_log_in(cloud, "own"), sign_up_and_log_in(cloud, "fan")
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    assert fan.post(f"/users/{owner.username}/follow").json()["follow_status"] == "requested"
    assert owner.post(f"/me/follow-requests/{fan.username}/approve").status_code == 204
    post_id = publish(owner, "for my followers")
    until(lambda: feed(fan), lambda ids: post_id in ids, what="the post in the fan's feed")
    assert profile_posts(fan, owner) == [post_id]
    told = fan.get("/notifications").json()["items"]

    assert owner.delete(f"/me/followers/{fan.username}").status_code == 204
    assert feed(fan) == []
    answer = fan.get(f"/users/{owner.username}/posts")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
    assert fan.get(f"/posts/{post_id}").status_code == 403
    assert fan.get(f"/users/{owner.username}").json()["follow_status"] == "none"
    until(
        lambda: owner.get("/me").json()["followers_count"],
        lambda n: n == 0,
        what="the owner's followers_count goes down",
    )
    assert fan.get("/me").json()["following_count"] == 0
    assert names(owner, f"/users/{owner.username}/followers") == []
    assert fan.get("/notifications").json()["items"] == told  # the fan is not told
    assert owner.delete(f"/me/followers/{fan.username}").status_code == 204  # idempotent


def test_who_may_call_the_mute_list_and_follower_routes(cloud: LocalCloud) -> None:
    """The owner, a follower, a stranger, a private account's non-follower, and a block
    either way, on each route: lists are the caller's own; mutes and removals of an account
    across a block are 404 as everywhere, and of a private account allowed (nothing shows)."""
    owner, follower, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, n) for n in ("mo", "mf", "ms", "mb", "mk")
    )
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    assert owner.patch("/me", json={"is_private": True}).status_code == 200

    # the lists are each caller's own
    assert names(owner, "/me/blocked") == [blocked.username]
    assert names(blocker, "/me/blocked") == [owner.username]
    for client in (follower, stranger, blocked):
        assert names(client, "/me/blocked") == []
        assert names(client, "/me/muted") == []

    # muting the (private) owner: follower and stranger may; a block either way is a 404
    assert mute(follower, owner) == 204
    assert mute(stranger, owner) == 204  # a private account's non-follower
    for client in (blocked, blocker):
        answer = client.post(f"/users/{owner.username}/mute", json={"posts": True, "stories": True})
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
    assert mute(owner, blocked) == 404  # the owner cannot reach them either
    assert mute(owner, owner) == 400
    assert names(follower, "/me/muted") == [owner.username]
    assert names(stranger, "/me/muted") == [owner.username]
    assert names(owner, "/me/muted") == []
    for client in (follower, stranger, blocked, blocker):  # the caller's own list: 204
        assert client.delete(f"/users/{owner.username}/mute").status_code == 204
    assert names(follower, "/me/muted") == []

    # removing followers: only the caller's own
    for client in (follower, stranger):  # the owner does not follow them: nothing changes
        assert client.delete(f"/me/followers/{owner.username}").status_code == 204
    assert names(owner, f"/users/{owner.username}/followers") == [follower.username]
    for other in (blocked, blocker):
        answer = owner.delete(f"/me/followers/{other.username}")
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
        assert other.delete(f"/me/followers/{owner.username}").status_code == 404
    assert owner.delete(f"/me/followers/{stranger.username}").status_code == 204  # no follower
    assert owner.delete(f"/me/followers/{follower.username}").status_code == 204
    assert names(owner, f"/users/{owner.username}/followers") == []
