"""Unsending messages and reacting to them, and one conversation, through the handler against
moto: who may, what the lists and counts show afterwards, the frames each member gets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from glimpse.models.messages import Reaction, reactions_pk
from glimpse.realtime import service as realtime
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user
from tests.integration.test_messages import history, inbox, say, start
from tests.integration.test_realtime import posted


def ids(caller: User, conversation_id: str) -> list[str]:
    status, body = history(caller, conversation_id)
    assert status == 200, body
    return [m["message_id"] for m in body["items"]]


def unsend(caller: User, conversation_id: str, message_id: str) -> tuple[int, Any]:
    params = {"conversation_id": conversation_id, "message_id": message_id}
    return api("messages", "unsend", caller, params)


def react(caller: User, conversation_id: str, message_id: str, emoji: str | None) -> int:
    params = {"conversation_id": conversation_id, "message_id": message_id}
    if emoji is None:
        return api("messages", "unreact", caller, params)[0]
    return api("messages", "react", caller, params, body={"emoji": emoji})[0]


def connected(user: User) -> str:
    connection_id = f"{uuid.uuid4().hex[:12]}="
    realtime.connect(connection_id, user.id)
    return connection_id


def test_unsend_removes_the_message_for_every_member_and_frames_them(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    follow(bob, alice)
    cid = start(alice, bob)["conversation_id"]
    first = say(alice, cid, "hello")["message_id"]
    oops = say(alice, cid, "oops", client_message_id="c-1")["message_id"]
    assert inbox(bob)[cid]["unread_count"] == 2
    sockets = {u.username: connected(u) for u in (alice, bob)}
    react(bob, cid, oops, "😮")

    assert unsend(alice, cid, oops) == (204, None)
    for member in (alice, bob):
        assert ids(member, cid) == [first]
        listed = inbox(member)[cid]
        assert listed["last_message"]["message_id"] == first  # the newest left
    assert inbox(bob)[cid]["unread_count"] == 1
    gone = {"type": "message_deleted", "conversation_id": cid, "message_id": oops}
    for connection in sockets.values():
        assert posted(connection)[-1] == gone
    assert list(Reaction.query(reactions_pk(cid))) == []  # its reactions went with it
    # idempotent in effect: gone is gone (404), and a retried send makes it anew
    assert unsend(alice, cid, oops)[0] == 404
    again = say(alice, cid, "oops", client_message_id="c-1")["message_id"]
    assert again != oops

    assert unsend(alice, cid, first)[0] == 204
    assert unsend(alice, cid, again)[0] == 204
    assert inbox(bob)[cid]["last_message"] is None
    assert inbox(bob)[cid]["unread_count"] == 0


def test_only_the_sender_may_unsend(stack: Stack) -> None:
    alice, bob, carol, eve = (make_user() for _ in range(4))
    for member in (bob, carol):
        follow(member, alice)
    cid = start(alice, bob, carol)["conversation_id"]
    mine = say(alice, cid, "mine")["message_id"]
    status, body = unsend(bob, cid, mine)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert unsend(eve, cid, mine)[0] == 404  # not a member
    assert unsend(alice, cid, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404
    api("graph", "block", carol, {"username": alice.username})
    assert unsend(carol, cid, mine)[0] == 404  # a message carol does not see does not exist
    assert ids(bob, cid) == [mine]


def test_reactions_one_per_member_counted_and_framed(stack: Stack) -> None:
    alice, bob, carol = make_user(), make_user(), make_user()
    for member in (bob, carol):
        follow(member, alice)
    cid = start(alice, bob, carol)["conversation_id"]
    older = say(alice, cid, "older")["message_id"]
    mid = say(alice, cid, "react to me")["message_id"]
    socket = connected(carol)
    assert react(bob, cid, mid, "❤️") == 204
    assert react(bob, cid, mid, "❤️") == 204  # idempotent
    assert react(carol, cid, mid, "❤️") == 204
    assert react(alice, cid, mid, "😂") == 204  # one's own message too
    assert react(bob, cid, mid, "👍") == 204  # replaces bob's
    assert posted(socket)[-1] == {
        "type": "reaction",
        "conversation_id": cid,
        "message_id": mid,
        "reactions": {"❤️": 1, "😂": 1, "👍": 1},
    }
    _status, page = history(bob, cid)
    shown = {m["message_id"]: (m["reactions"], m["my_reaction"]) for m in page["items"]}
    assert shown[mid] == ({"❤️": 1, "😂": 1, "👍": 1}, "👍")
    assert shown[older] == ({}, None)
    last = inbox(carol)[cid]["last_message"]
    assert (last["reactions"], last["my_reaction"]) == ({"❤️": 1, "😂": 1, "👍": 1}, "❤️")
    assert react(bob, cid, mid, None) == 204
    assert react(bob, cid, mid, None) == 204  # idempotent
    assert posted(socket)[-1]["reactions"] == {"❤️": 1, "😂": 1}
    # a member blocked either way: their reaction is not counted for the other
    api("graph", "block", carol, {"username": bob.username})
    react(bob, cid, mid, "🔥")
    _status, page = history(carol, cid)
    assert page["items"][0]["reactions"] == {"❤️": 1, "😂": 1}
    _status, page = history(alice, cid)
    assert page["items"][0]["reactions"] == {"❤️": 1, "😂": 1, "🔥": 1}


@pytest.mark.parametrize("emoji", ["", " ", "love", "❤️ ❤️", "a❤️", "x" * 20, "🔥" * 17])
def test_a_reaction_is_one_emoji(stack: Stack, emoji: str) -> None:
    alice, bob = make_user(), make_user()
    follow(bob, alice)
    cid = start(alice, bob)["conversation_id"]
    mid = say(alice, cid, "hi")["message_id"]
    assert react(bob, cid, mid, emoji) == 400


def test_who_may_react(stack: Stack) -> None:
    alice, bob, eve = make_user(), make_user(), make_user()
    follow(bob, alice)
    cid = start(alice, bob)["conversation_id"]
    mid = say(alice, cid, "hi")["message_id"]
    assert react(eve, cid, mid, "👍") == 404  # not a member
    assert react(bob, cid, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "👍") == 404
    api("graph", "block", bob, {"username": alice.username})
    assert react(bob, cid, mid, "👍") == 404  # a 1:1 across a block, as sending
    assert react(alice, cid, mid, "👍") == 404


def test_one_conversation_is_for_its_members_only(stack: Stack) -> None:
    alice, bob, eve = make_user(), make_user(), make_user()
    cid = start(alice, bob)["conversation_id"]
    say(alice, cid, "hi")
    params = {"conversation_id": cid}
    status, body = api("messages", "conversation", bob, params)
    assert status == 200
    assert body == inbox(bob)[cid]
    assert body["is_request"] is True
    assert body["unread_count"] == 1
    assert api("messages", "conversation", alice, params)[1]["members"][0]["username"] == (
        bob.username
    )
    assert api("messages", "conversation", eve, params)[0] == 404
    missing = {"conversation_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"}
    assert api("messages", "conversation", alice, missing)[0] == 404
