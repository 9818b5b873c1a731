"""The AsyncAPI document of the WebSocket API: fresh, generated from every typed frame, with
the structure AsyncAPI 3.0 requires (no AsyncAPI JSON schema ships in a Python package we
can install offline, so the required fields are checked here by hand), and payload schemas
that accept the frames the builders make and refuse broken ones. tests/e2e/test_clients.py
validates the frames a running local cloud really sends."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import pytest

from glimpse.realtime import frames
from infra.asyncapi import DOCUMENT, UnmappedField, build, frame_schema, members, render
from tests.frames import frame_errors, shipped

MESSAGE = {
    "message_id": "01JABCDEFGHJKMNPQRSTVWXYZ0",
    "conversation_id": "01JABCDEFGHJKMNPQRSTVWXYZ1",
    "sender": {"username": "ann", "display_name": "Ann", "avatar": None},
    "text": "hi",
    "media": None,
    "story_id": None,
    "client_message_id": None,
    "reactions": {},
    "my_reaction": None,
    "created_at": "2026-12-07T10:00:00.000Z",
}


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_the_shipped_document_is_fresh() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(build()), "run `make openapi`"


def test_the_required_fields_of_asyncapi_3() -> None:
    document = shipped()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"]
    assert document["info"]["version"]
    for server in document["servers"].values():
        assert server["host"]
        assert server["protocol"] in {"ws", "wss"}
    for channel in document["channels"].values():
        assert channel["address"] == "/"
        assert channel["messages"]
    for name, operation in document["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        channel = resolve(document, operation["channel"]["$ref"])
        for message in operation["messages"] + operation.get("reply", {}).get("messages", []):
            # an operation's messages are its channel's (AsyncAPI 3.0, Operation Object)
            assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
            assert resolve(document, message["$ref"]) in channel["messages"].values()
    for message in document["components"]["messages"].values():
        assert message["name"]
        assert "payload" in message
    for ref in refs(document):  # every reference resolves
        resolve(document, ref)


def test_every_typed_frame_is_a_message_and_an_operation() -> None:
    document = shipped()
    sent = {f.__name__ for f in members(frames.Frame)}
    titles = {m["title"] for m in document["components"]["messages"].values()}
    assert titles == sent | {"Ping"}
    actions = {op["action"] for op in document["operations"].values()}
    assert actions == {"send", "receive"}
    assert sorted(document["operations"]) == [
        "receivePing",
        "sendMessage",
        "sendMessageDeleted",
        "sendNotification",
        "sendReaction",
    ]


def test_the_builders_frames_match_and_broken_ones_do_not() -> None:
    made = [
        frames.pong(),
        frames.error(),
        frames.message(MESSAGE),
        frames.message_deleted("c1", "m1"),
        frames.reaction("c1", "m1", {"🔥": 2}),
        {"action": "ping"},
    ]
    for frame in made:
        assert frame_errors(dict(frame)) == [], frame
    broken = [
        {"type": "pong", "extra": 1},
        {"type": "error"},
        {"type": "message", "message": {**MESSAGE, "text": 5}},
        {"type": "message", "message": {"text": "no id"}},
        {"type": "reaction", "conversation_id": "c1", "message_id": "m1", "reactions": {"x": "1"}},
        {"type": "typing"},
        {"action": "pong"},
    ]
    for frame in broken:
        assert frame_errors(frame), frame


def test_a_carried_object_needs_its_model_named() -> None:
    class Story(TypedDict):
        type: Literal["story"]
        story: frames.Dumped

    with pytest.raises(UnmappedField, match=r"Story\.story"):
        frame_schema(Story)
