"""Direct messages through the handler, against moto: conversations (1:1 reused, groups),
members only, history, read markers and unread counts, requests, blocks, retried sends,
concurrent senders, media and story replies."""

from __future__ import annotations

from typing import Any

import pytest

from glimpse.concurrency import each
from glimpse.messages import service
from glimpse.messages.schemas import MessageCreate
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_media, make_user
from tests.integration.test_stories import create as create_story


def start(caller: User, *others: User) -> dict[str, Any]:
    status, body = api(
        "messages", "create_conversation", caller, body={"usernames": [o.username for o in others]}
    )
    assert status == 201, body
    return dict(body)


def say(caller: User, conversation_id: str, text: str, **extra: Any) -> dict[str, Any]:
    status, body = api(
        "messages",
        "send",
        caller,
        {"conversation_id": conversation_id},
        body={"text": text, **extra},
    )
    assert status == 201, body
    return dict(body)


def history(caller: User, conversation_id: str, **query: str) -> tuple[int, Any]:
    return api(
        "messages", "messages", caller, {"conversation_id": conversation_id}, query=query or None
    )


def inbox(caller: User) -> dict[str, dict[str, Any]]:
    status, body = api("messages", "conversations", caller)
    assert status == 200, body
    return {c["conversation_id"]: c for c in body["items"]}


def test_a_one_to_one_conversation_is_reused_and_members_only(stack: Stack) -> None:
    alice, bob, eve = make_user(), make_user(), make_user()
    follow(bob, alice)
    first = start(alice, bob)
    assert start(alice, bob)["conversation_id"] == first["conversation_id"]
    assert start(bob, alice)["conversation_id"] == first["conversation_id"]
    assert first["is_group"] is False
    assert [m["username"] for m in first["members"]] == [bob.username]
    cid = first["conversation_id"]
    hello = say(alice, cid, "hello bob")
    assert hello["sender"]["username"] == alice.username
    assert hello["text"] == "hello bob"
    for call in (
        history(eve, cid),
        api("messages", "send", eve, {"conversation_id": cid}, body={"text": "hi"}),
        api(
            "messages",
            "mark_read",
            eve,
            {"conversation_id": cid},
            body={"up_to": hello["message_id"]},
        ),
        api("messages", "accept", eve, {"conversation_id": cid}),
    ):
        assert call[0] == 404, call
        assert call[1]["error"]["code"] == "not_found"


def test_history_read_markers_and_unread_counts(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    follow(bob, alice)
    cid = start(alice, bob)["conversation_id"]
    sent = [say(alice, cid, f"m{i}") for i in range(5)]
    reply = say(bob, cid, "back")
    status, page = history(bob, cid, limit="4")
    assert status == 200
    assert [m["text"] for m in page["items"]] == ["back", "m4", "m3", "m2"]
    status, rest = history(bob, cid, limit="4", cursor=page["next_cursor"])
    assert [m["text"] for m in rest["items"]] == ["m1", "m0"]
    assert rest["next_cursor"] is None
    assert inbox(bob)[cid]["unread_count"] == 0  # bob's own reply read them
    assert inbox(alice)[cid]["unread_count"] == 1
    assert inbox(alice)[cid]["last_message"]["message_id"] == reply["message_id"]
    status, _ = api(
        "messages",
        "mark_read",
        alice,
        {"conversation_id": cid},
        body={"up_to": reply["message_id"]},
    )
    assert status == 204
    assert inbox(alice)[cid]["unread_count"] == 0
    # a stale marker does not move it back
    api(
        "messages",
        "mark_read",
        alice,
        {"conversation_id": cid},
        body={"up_to": sent[0]["message_id"]},
    )
    assert inbox(alice)[cid]["unread_count"] == 0
    for bad in ({"up_to": "x"}, {}):
        status, _body = api("messages", "mark_read", alice, {"conversation_id": cid}, body=bad)
        assert status == 400


def test_the_list_is_most_recent_first(stack: Stack) -> None:
    alice, bob, carol = make_user(), make_user(), make_user()
    with_bob = start(alice, bob)["conversation_id"]
    with_carol = start(alice, carol)["conversation_id"]
    say(alice, with_carol, "first")
    say(alice, with_bob, "later")
    _status, body = api("messages", "conversations", alice)
    assert [c["conversation_id"] for c in body["items"]] == [with_bob, with_carol]


def test_a_stranger_s_message_is_a_request_until_accepted(stack: Stack) -> None:
    alice, stranger = make_user(), make_user()
    cid = start(stranger, alice)["conversation_id"]
    say(stranger, cid, "hey")
    assert inbox(alice)[cid]["is_request"] is True
    assert inbox(stranger)[cid]["is_request"] is False
    assert api("messages", "accept", alice, {"conversation_id": cid})[0] == 204
    assert inbox(alice)[cid]["is_request"] is False
    friend = make_user()
    follow(alice, friend)
    assert start(friend, alice)["is_request"] is False  # the starter's own view
    other = start(friend, alice)["conversation_id"]
    assert inbox(alice)[other]["is_request"] is False  # alice follows friend


def test_blocks_silence_both_ways(stack: Stack) -> None:
    alice, bob, carol = make_user(), make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    say(bob, cid, "before")
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204
    status, _body = api("messages", "send", bob, {"conversation_id": cid}, body={"text": "after"})
    assert status == 404
    assert [m["text"] for m in history(alice, cid)[1]["items"]] == []  # bob is gone for alice
    status, _ = api("messages", "create_conversation", bob, body={"usernames": [alice.username]})
    assert status == 404
    group = start(carol, alice, bob)["conversation_id"]
    say(bob, group, "from bob")
    say(carol, group, "from carol")
    assert [m["text"] for m in history(alice, group)[1]["items"]] == ["from carol"]
    assert inbox(alice)[group]["unread_count"] == 1
    assert [m["username"] for m in inbox(alice)[group]["members"]] == [carol.username]


def test_a_block_that_commits_during_a_send_or_a_start_wins(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, dan = make_user(), make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    assert api("graph", "block", alice, {"username": bob.username})[0] == 204
    assert api("graph", "block", dan, {"username": bob.username})[0] == 204
    # Both requests read the edges before the block committed (a stale read of no block).
    monkeypatch.setattr(service, "blocked_either_way", lambda *_: False)
    status, _body = api("messages", "send", bob, {"conversation_id": cid}, body={"text": "sneak"})
    assert status == 404
    status, _body = api("messages", "create_conversation", bob, body={"usernames": [dan.username]})
    assert status == 404
    monkeypatch.undo()
    assert history(bob, cid)[1]["items"] == []
    assert dan.id not in {m["username"] for c in inbox(bob).values() for m in c["members"]}


def test_a_retried_send_returns_the_first_message(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    first = say(alice, cid, "once", client_message_id="c-42")
    again = say(alice, cid, "once", client_message_id="c-42")
    assert again["message_id"] == first["message_id"]
    assert len(history(bob, cid)[1]["items"]) == 1


def test_a_retry_after_a_send_failed_midway_moves_the_inboxes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]

    def fail(*_: object) -> None:
        raise RuntimeError("throttled after the message was stored")

    with monkeypatch.context() as patched:
        patched.setattr(service, "_deliver", fail)
        with pytest.raises(RuntimeError):
            service.send(alice.id, cid, MessageCreate(text="lost?", client_message_id="c-7"))
    assert inbox(bob)[cid]["last_message"] is None  # stored, but the inboxes did not move
    again = say(alice, cid, "lost?", client_message_id="c-7")
    assert inbox(bob)[cid]["last_message"]["message_id"] == again["message_id"]
    assert inbox(bob)[cid]["unread_count"] == 1
    assert inbox(alice)[cid]["unread_count"] == 0


def test_two_members_sending_at_once_lose_nothing(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    senders = [(alice, f"a{i}") for i in range(6)] + [(bob, f"b{i}") for i in range(6)]
    # the service, at the same time (one handler serves one request at a time, as in Lambda)
    each(lambda pair: service.send(pair[0].id, cid, MessageCreate(text=pair[1])), senders)
    texts = {m["text"] for m in history(alice, cid, limit="50")[1]["items"]}
    assert texts == {text for _, text in senders}
    newest = history(alice, cid, limit="1")[1]["items"][0]["message_id"]
    assert inbox(alice)[cid]["last_message"]["message_id"] == newest
    assert inbox(bob)[cid]["last_message"]["message_id"] == newest


def test_groups_media_and_bad_messages(stack: Stack) -> None:
    alice = make_user()
    others = [make_user() for _ in range(3)]
    group = start(alice, *others)
    assert group["is_group"] is True
    assert len(group["members"]) == 3
    media_id = make_media(alice)
    status, body = api(
        "messages",
        "send",
        alice,
        {"conversation_id": group["conversation_id"]},
        body={"media_id": media_id},
    )
    assert status == 201, body
    assert body["media"]["media_id"] == media_id
    assert body["text"] is None
    cid = group["conversation_id"]
    for bad in (
        {},
        {"text": ""},
        {"text": "x" * 1001},
        {"text": "   "},
        {"media_id": make_media(others[0])},  # not the sender's
        {"media_id": make_media(alice, status="pending")},
        {"text": "hi", "client_message_id": "x" * 65},
    ):
        status, body = api("messages", "send", alice, {"conversation_id": cid}, body=bad)
        assert status == 400, bad
    too_many = [make_user() for _ in range(32)]
    status, body = api(
        "messages", "create_conversation", alice, body={"usernames": [u.username for u in too_many]}
    )
    assert status == 400
    status, body = api(
        "messages", "create_conversation", alice, body={"usernames": ["nobody_here_1"]}
    )
    assert status == 404
    status, body = api(
        "messages", "create_conversation", alice, body={"usernames": [alice.username]}
    )
    assert status == 400
    assert len(history(alice, cid)[1]["items"]) == 1  # nothing else was sent


def test_a_story_reply_lands_in_the_one_to_one_conversation(stack: Stack) -> None:
    owner, fan, stranger = make_user(), make_user(), make_user(private=True)
    follow(fan, owner)
    story = create_story(stack, owner)
    status, body = api(
        "messages", "reply_to_story", fan, {"story_id": story["story_id"]}, body={"text": "wow"}
    )
    assert status == 201, body
    assert body["story_id"] == story["story_id"]
    cid = body["conversation_id"]
    assert start(fan, owner)["conversation_id"] == cid
    (message,) = history(owner, cid)[1]["items"]
    assert message["story_id"] == story["story_id"]
    assert message["text"] == "wow"
    status, _ = api(
        "messages", "reply_to_story", owner, {"story_id": story["story_id"]}, body={"text": "me"}
    )
    assert status == 400
    secret = create_story(stack, stranger)
    status, body = api(
        "messages", "reply_to_story", fan, {"story_id": secret["story_id"]}, body={"text": "hi"}
    )
    assert status in (403, 404)


def test_a_made_up_marker_does_not_mark_messages_to_come(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    say(alice, cid, "one")
    future = {"up_to": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"}
    assert api("messages", "mark_read", bob, {"conversation_id": cid}, body=future)[0] == 204
    assert inbox(bob)[cid]["unread_count"] == 0
    say(alice, cid, "two")
    assert inbox(bob)[cid]["unread_count"] == 1
