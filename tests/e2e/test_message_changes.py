"""Unsending and reacting over HTTP and WebSocket on the local cloud: an unsent message is
gone for both members and both get the `message_deleted` frame, as the other members do when a
moderator removes one; reactions are one per member, counted, and framed; one conversation;
who may call each route."""

from __future__ import annotations

from typing import Any

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, sign_up_and_log_in
from tests.e2e.test_messages import conversation_with, listed, send
from tests.e2e.test_moderation import a_moderator, act
from tests.e2e.test_realtime import frames_until, message, socket


def history(client: Client, conversation_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def react(client: Client, conversation_id: str, message_id: str, emoji: str | None) -> int:
    path = f"/conversations/{conversation_id}/messages/{message_id}/reaction"
    if emoji is None:
        return client.delete(path).status_code
    return client.put(path, json={"emoji": emoji}).status_code


def test_unsend_removes_the_message_for_both_members_and_frames_them(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    assert ben.post(f"/users/{ann.username}/follow").status_code == 200
    cid = conversation_with(ann, ben)
    kept = send(ann, cid, "see you at 8")["message_id"]
    with socket(cloud, ann) as ann_phone, socket(cloud, ben) as ben_phone:
        oops = send(ann, cid, "wrong chat, sorry")["message_id"]
        frames_until(ben_phone, message(oops), "the message")
        assert listed(ben)[cid]["unread_count"] == 2

        assert ann.delete(f"/conversations/{cid}/messages/{oops}").status_code == 204
        gone = {"type": "message_deleted", "conversation_id": cid, "message_id": oops}
        for phone in (ann_phone, ben_phone):
            received = frames_until(phone, lambda f: f["type"] == "message_deleted", "unsend")
            assert received[-1] == gone
    for member in (ann, ben):
        assert [m["message_id"] for m in history(member, cid)] == [kept]
        assert listed(member)[cid]["last_message"]["message_id"] == kept
        one = member.get(f"/conversations/{cid}")
        assert one.status_code == 200
        assert one.json() == listed(member)[cid]
    assert listed(ben)[cid]["unread_count"] == 1
    assert ann.delete(f"/conversations/{cid}/messages/{oops}").status_code == 404


def test_a_moderators_removal_drops_the_message_from_the_other_members_devices(
    cloud: LocalCloud,
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    moderator = a_moderator(cloud)
    assert ben.post(f"/users/{ann.username}/follow").status_code == 200
    cid = conversation_with(ann, ben)
    with socket(cloud, ann) as ann_phone, socket(cloud, ben) as ben_phone:
        spam = send(ann, cid, "cheap pills, dm me")["message_id"]
        frames_until(ben_phone, message(spam), "the message")
        act(moderator, "message", spam, "remove")
        gone = {"type": "message_deleted", "conversation_id": cid, "message_id": spam}
        received = frames_until(ben_phone, lambda f: f["type"] == "message_deleted", "removal")
        assert received[-1] == gone
        # its sender still sees it (removed): their devices get no such frame, up to the next
        after = send(ann, cid, "ok")["message_id"]
        seen = frames_until(ann_phone, message(after), "ann's next message")
        assert [f for f in seen if f["type"] == "message_deleted"] == []
    assert [m["message_id"] for m in history(ben, cid)] == [after]
    assert [(m["message_id"], m["removed"]) for m in history(ann, cid)] == [
        (after, False),  # newest first
        (spam, True),
    ]


def test_reactions_are_one_per_member_and_framed(cloud: LocalCloud) -> None:
    ann, ben, cat = (sign_up_and_log_in(cloud, n) for n in ("ann", "ben", "cat"))
    cid = conversation_with(ann, ben, cat)
    mid = send(ann, cid, "dinner on friday?")["message_id"]
    with socket(cloud, ann) as phone:
        assert react(ben, cid, mid, "👍") == 204
        frame = frames_until(phone, lambda f: f["type"] == "reaction", "a reaction")[-1]
        assert frame == {
            "type": "reaction",
            "conversation_id": cid,
            "message_id": mid,
            "reactions": {"👍": 1},
        }
        assert react(cat, cid, mid, "👍") == 204
        assert react(ben, cid, mid, "❤️") == 204  # replaces ben's
        frames = frames_until(
            phone, lambda f: f["type"] == "reaction" and "❤️" in f["reactions"], "the change"
        )
        assert frames[-1]["reactions"] == {"👍": 1, "❤️": 1}
    (shown,) = history(ben, cid)
    assert (shown["reactions"], shown["my_reaction"]) == ({"👍": 1, "❤️": 1}, "❤️")
    last = listed(ann)[cid]["last_message"]
    assert (last["reactions"], last["my_reaction"]) == ({"👍": 1, "❤️": 1}, None)
    assert react(ben, cid, mid, None) == 204
    assert history(cat, cid)[0]["reactions"] == {"👍": 1}
    answer = ben.put(f"/conversations/{cid}/messages/{mid}/reaction", json={"emoji": "yes"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_request")


def test_who_may_read_one_conversation_unsend_and_react(cloud: LocalCloud) -> None:
    """The owner (the sender), a member who follows them, a private account's member who does
    not follow, a stranger (no member), and members blocked either way."""
    owner, follower, other, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, n) for n in ("co", "cf", "cp", "cs", "cb", "ck")
    )
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    cid = conversation_with(owner, follower, other, blocked, blocker)
    mid = send(owner, cid, "hello all")["message_id"]
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    path = f"/conversations/{cid}/messages/{mid}"

    for member in (owner, follower, other, blocked, blocker):  # members read the conversation
        assert member.get(f"/conversations/{cid}").status_code == 200
    answer = stranger.get(f"/conversations/{cid}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")

    for member in (owner, follower, other):  # who sees the message may react
        assert react(member, cid, mid, "🎉") == 204
    for client in (stranger, blocked, blocker):  # no member, or a block either way: 404
        answer = client.put(f"{path}/reaction", json={"emoji": "🎉"})
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
        assert client.delete(f"{path}/reaction").status_code == 404
        assert client.delete(path).status_code == 404
    for member in (follower, other):  # who sees it but did not send it: 403
        answer = member.delete(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
    assert history(follower, cid)[0]["reactions"] == {"🎉": 3}
    assert owner.delete(path).status_code == 204
    assert history(follower, cid) == []

    # a 1:1 across a block: reacting is refused as sending is
    pair = conversation_with(follower, owner)
    said = send(follower, pair, "hi")["message_id"]
    assert owner.post(f"/users/{follower.username}/block").status_code == 204
    assert react(follower, pair, said, "👍") == 404
    assert react(owner, pair, said, "👍") == 404
