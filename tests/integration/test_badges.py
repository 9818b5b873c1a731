"""The badges, unregistering a device, one story and its audience, through the handlers on
moto."""

from __future__ import annotations

from typing import Any

from glimpse.models.notifications import Device, recipient_pk
from glimpse.notifications import badges
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, post, settle
from tests.integration.test_message_changes import unsend
from tests.integration.test_messages import say, start
from tests.integration.test_notifications import TOKEN, _endpoint_messages, like
from tests.integration.test_stories import create, on_story


def counts(user: User) -> dict[str, Any]:
    status, body = api("notifications", "badges", user)
    assert status == 200, body
    return dict(body)


def test_badges_count_what_waits(stack: Stack) -> None:
    me = make_user(private=True, prefix="me")
    assert counts(me) == {
        "notifications_unread": 0,
        "conversations_unread": 0,
        "follow_requests": 0,
        "message_requests": 0,
    }
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        follow(fan, me)  # three requests (a private account)
    api("graph", "approve", me, {"username": fans[0].username})
    friend = make_user()
    follow(me, friend)
    cid = start(friend, me)["conversation_id"]  # me follows friend: no request
    say(friend, cid, "hi")
    say(friend, cid, "there")
    stranger = make_user()
    asked = start(stranger, me)["conversation_id"]  # a message request
    say(stranger, asked, "hello?")
    mine = post(me)
    like(fans[0], mine)
    settle()
    found = counts(me)
    assert found == {
        "notifications_unread": found["notifications_unread"],
        "conversations_unread": 1,
        "follow_requests": 2,
        "message_requests": 1,
    }
    assert found["notifications_unread"] >= 2  # the follow (approved) and the like
    _status, listed = api("notifications", "list", me)
    newest = listed["items"][0]["notification_id"]
    api("notifications", "mark_read", me, body={"up_to": newest})
    _status, last = api("messages", "conversation", me, {"conversation_id": cid})
    up_to = {"up_to": last["last_message"]["message_id"]}
    api("messages", "mark_read", me, {"conversation_id": cid}, body=up_to)
    api("messages", "accept", me, {"conversation_id": asked})
    api("graph", "deny", me, {"username": fans[1].username})
    assert counts(me) == {
        "notifications_unread": 0,
        "conversations_unread": 1,  # the accepted request, unread
        "follow_requests": 1,
        "message_requests": 0,
    }
    # an unsent newest message leaves the inbox entry ahead of the messages: not unread
    oops = say(stranger, asked, "oops")["message_id"]
    assert unsend(stranger, asked, oops)[0] == 204
    api("messages", "mark_read", me, {"conversation_id": asked}, body={"up_to": oops})
    assert counts(me)["conversations_unread"] == 0
    my_own = say(me, cid, "my own message")  # one's own messages are never unread
    assert my_own["sender"]["username"] == me.username
    assert counts(me)["conversations_unread"] == 0


def test_badges_stop_at_the_cap(stack: Stack, monkeypatch: Any) -> None:
    monkeypatch.setattr(badges, "BADGE_CAP", 2)
    me = make_user(private=True, prefix="me")
    for _ in range(3):
        follow(make_user(), me)
    assert counts(me)["follow_requests"] == 2


def test_an_unregistered_device_gets_no_more_pushes(stack: Stack) -> None:
    author, other = make_user(), make_user()
    token = TOKEN + "9"
    body = {"platform": "ios", "token": token}
    assert api("notifications", "register_device", author, body=body)[0] == 201
    # another account's removal of a token it does not hold changes nothing
    assert api("notifications", "unregister_device", other, body={"token": token}) == (204, None)
    assert len(list(Device.query(recipient_pk(author.id)))) == 1
    assert api("notifications", "unregister_device", author, body={"token": token}) == (204, None)
    assert list(Device.query(recipient_pk(author.id))) == []
    assert token not in _endpoint_messages(stack)  # the endpoint went
    like(make_user(), post(author))
    settle()
    assert token not in _endpoint_messages(stack)
    assert api("notifications", "unregister_device", author, body={"token": token})[0] == 204
    assert api("notifications", "unregister_device", author, body={"token": "x"})[0] == 400


def test_one_story_shows_to_whom_the_tray_shows_it(stack: Stack) -> None:
    owner, fan, close, stranger = (make_user(prefix=p) for p in ("own", "fan", "cls", "str"))
    for reader in (fan, close):
        follow(reader, owner)
    api("stories", "set_close_friends", owner, body={"usernames": [close.username]})
    public = create(stack, owner)
    inner = create(stack, owner, audience="close_friends")
    assert (public["audience"], inner["audience"]) == ("followers", "close_friends")
    for viewer in (owner, fan, close, stranger):
        status, body = on_story("get_story", viewer, public["story_id"])
        assert (status, body["story_id"], body["audience"]) == (
            200,
            public["story_id"],
            "followers",
        )
    for viewer in (owner, close):
        status, body = on_story("get_story", viewer, inner["story_id"])
        assert (status, body["audience"]) == (200, "close_friends")
    assert on_story("get_story", owner, inner["story_id"])[1]["view_count"] == 0
    assert on_story("get_story", close, inner["story_id"])[1].get("view_count") is None
    for viewer in (fan, stranger):  # outside the audience it does not exist
        assert on_story("get_story", viewer, inner["story_id"])[0] == 404
    api("users", "patch_me", owner, body={"is_private": True})
    assert on_story("get_story", stranger, public["story_id"])[0] == 403
    assert on_story("get_story", fan, public["story_id"])[0] == 200
    api("graph", "block", owner, {"username": fan.username})
    assert on_story("get_story", fan, public["story_id"])[0] == 404
    on_story("view_story", close, public["story_id"])
    assert on_story("get_story", close, public["story_id"])[1]["seen_by_me"] is True
    status, listed = api("stories", "user_stories", close, {"username": owner.username})
    assert [s["audience"] for s in listed["items"]] == ["followers", "close_friends"]
    assert on_story("delete_story", owner, public["story_id"])[0] == 204
    assert on_story("get_story", owner, public["story_id"])[0] == 404
    assert on_story("get_story", owner, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404
