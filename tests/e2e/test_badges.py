"""Over HTTP on the local cloud: the badges, unregistering a device (no more pushes), one story
and its audience, and who may read a story by its id."""

from __future__ import annotations

import uuid
from typing import Any

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, queue_drained, sign_up_and_log_in
from tests.e2e.test_messages import conversation_with, send
from tests.e2e.test_notifications import pushed_to
from tests.e2e.test_social import publish
from tests.e2e.test_stories import story
from tests.e2e.waiting import until


def badges(client: Client) -> dict[str, Any]:
    response = client.get("/me/badges")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_badges_count_what_waits_and_go_down_as_it_is_seen(cloud: LocalCloud) -> None:
    me, friend, fan, stranger = (sign_up_and_log_in(cloud, n) for n in ("me", "fr", "fan", "st"))
    assert me.patch("/me", json={"is_private": True}).status_code == 200
    assert me.post(f"/users/{friend.username}/follow").status_code == 200
    assert fan.post(f"/users/{me.username}/follow").json()["follow_status"] == "requested"
    chat = conversation_with(friend, me)
    send(friend, chat, "dinner?")
    asked = conversation_with(stranger, me)
    send(stranger, asked, "hi, we met at the conference")
    assert friend.post(f"/users/{me.username}/follow").status_code == 200  # a second request
    expected = {
        "conversations_unread": 1,
        "follow_requests": 2,
        "message_requests": 1,
    }
    found = until(
        lambda: badges(me),
        lambda b: b["notifications_unread"] >= 2 and expected.items() <= b.items(),
        what="the follow requests notified",
    )
    assert {k: found[k] for k in expected} == expected

    newest = me.get("/notifications").json()["items"][0]["notification_id"]
    assert me.post("/notifications/read", json={"up_to": newest}).status_code == 204
    last = me.get(f"/conversations/{chat}").json()["last_message"]["message_id"]
    assert me.post(f"/conversations/{chat}/read", json={"up_to": last}).status_code == 204
    assert me.post(f"/me/follow-requests/{fan.username}/approve").status_code == 204
    assert me.post(f"/conversations/{asked}/accept").status_code == 204
    assert badges(me) == {
        "notifications_unread": 0,
        "conversations_unread": 1,  # the accepted request, not read yet
        "follow_requests": 1,
        "message_requests": 0,
    }
    assert badges(stranger)["conversations_unread"] == 0  # each caller's own


def test_an_unregistered_device_gets_no_more_pushes(cloud: LocalCloud) -> None:
    author, fan, other = (sign_up_and_log_in(cloud, n) for n in ("aut", "fan", "oth"))
    token = uuid.uuid4().hex * 2
    assert author.post("/me/devices", json={"platform": "ios", "token": token}).status_code == 201
    assert fan.post(f"/users/{author.username}/follow").status_code == 200
    until(lambda: pushed_to(token), what="a push for the follow")
    # someone else's removal of the token changes nothing; the owner's stops the pushes
    assert other.request("DELETE", "/me/devices", json={"token": token}).status_code == 204
    assert author.request("DELETE", "/me/devices", json={"token": token}).status_code == 204
    before = pushed_to(token)
    post_id = publish(author)
    assert fan.post(f"/posts/{post_id}/like").status_code == 200
    until(
        lambda: [n["type"] for n in author.get("/notifications").json()["items"]],
        lambda types: "like" in types,
        what="the like notified",
    )
    queue_drained(cloud, "NotifierQueue")
    assert pushed_to(token) == before
    answer = author.request("DELETE", "/me/devices", json={"token": "no"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_request")


def test_who_may_read_a_story_by_its_id(cloud: LocalCloud) -> None:
    """The owner, a follower, a stranger, a private account's non-follower, and a block
    either way; and a close-friends story to those outside the list."""
    owner, follower, close, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, n) for n in ("so", "sf", "sc", "ss", "sb", "sk")
    )
    for reader in (follower, close):
        assert reader.post(f"/users/{owner.username}/follow").status_code == 200
    body = {"usernames": [close.username]}
    assert owner.put("/me/close-friends", json=body).status_code == 204
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    public, inner = story(owner), story(owner, audience="close_friends")
    assert (public["audience"], inner["audience"]) == ("followers", "close_friends")

    def read(client: Client, made: dict[str, Any]) -> tuple[int, Any]:
        response = client.get(f"/stories/{made['story_id']}")
        return response.status_code, response.json()

    for client in (owner, follower, close, stranger):  # a public account's story
        status, shown = read(client, public)
        assert (status, shown["audience"]) == (200, "followers")
    assert read(owner, public)[1]["view_count"] == 0
    for client in (blocked, blocker):
        status, shown = read(client, public)
        assert (status, shown["error"]["code"]) == (404, "not_found")
    for client in (owner, close):
        assert read(client, inner)[1]["audience"] == "close_friends"
    for client in (follower, stranger):  # outside the audience: no such story
        assert read(client, inner)[0] == 404
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    status, shown = read(stranger, public)
    assert (status, shown["error"]["code"]) == (403, "forbidden")
    assert read(follower, public)[0] == 200
    assert follower.post(f"/stories/{public['story_id']}/view").status_code == 204
    assert read(follower, public)[1]["seen_by_me"] is True
    listed = follower.get(f"/users/{owner.username}/stories").json()["items"]
    assert [s["audience"] for s in listed] == ["followers"]
    assert owner.delete(f"/stories/{public['story_id']}").status_code == 204
    assert read(owner, public)[0] == 404
