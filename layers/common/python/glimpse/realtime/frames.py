"""Every frame the WebSocket API sends, one type and one builder each.

A frame is a JSON object whose `type` says what it is; glimpse.adapters.sockets posts it as
`json.dumps` writes it, keys in the order given here. Frames that carry an API object (a
message, a notification) take it already dumped to JSON (`model_dump(mode="json")`): the
realtime function must not load pydantic, so nothing here does.

The AsyncAPI document (`GET /asyncapi.json`) is generated from these types by
`python -m infra.asyncapi --write`: a new frame goes in `Frame` (or `ClientFrame`), and a new
`Dumped` field names its API object in that generator's `carried()` table.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

type Dumped = dict[str, Any]  # an API object, dumped to JSON by its pydantic model


class Ping(TypedDict):
    """What a client may send (anything else is answered with an `Error` frame)."""

    action: Literal["ping"]


class Pong(TypedDict):
    """The answer to `{"action": "ping"}`."""

    type: Literal["pong"]


class Error(TypedDict):
    """The answer to anything else a client sends."""

    type: Literal["error"]
    message: str


class MessageFrame(TypedDict):
    """A new message, to its conversation's members (the sender's other devices too)."""

    type: Literal["message"]
    message: Dumped  # a MessageOut (glimpse.messages.schemas)


class NotificationFrame(TypedDict):
    """A new or updated notification, as the recipient's list shows it."""

    type: Literal["notification"]
    notification: Dumped  # a NotificationOut (glimpse.notifications.schemas)


class MessageDeleted(TypedDict):
    """A message its sender unsent (to its conversation's members: gone for everyone), or a
    moderator removed (to the members it reached but its sender, who still sees it)."""

    type: Literal["message_deleted"]
    conversation_id: str
    message_id: str


class ReactionFrame(TypedDict):
    """A message's reactions changed: its counts by emoji, as they are now."""

    type: Literal["reaction"]
    conversation_id: str
    message_id: str
    reactions: dict[str, int]


type Frame = Pong | Error | MessageFrame | NotificationFrame | MessageDeleted | ReactionFrame
type ClientFrame = Ping  # what a client sends; `Frame`s are what the server sends

PING_ONLY = 'Send {"action": "ping"}; messages go through the HTTP API.'


def pong() -> Pong:
    return {"type": "pong"}


def error(message: str = PING_ONLY) -> Error:
    return {"type": "error", "message": message}


def message(dumped: Dumped) -> MessageFrame:
    return {"type": "message", "message": dumped}


def notification(dumped: Dumped) -> NotificationFrame:
    return {"type": "notification", "notification": dumped}


def message_deleted(conversation_id: str, message_id: str) -> MessageDeleted:
    return {
        "type": "message_deleted",
        "conversation_id": conversation_id,
        "message_id": message_id,
    }


def reaction(conversation_id: str, message_id: str, reactions: dict[str, int]) -> ReactionFrame:
    return {
        "type": "reaction",
        "conversation_id": conversation_id,
        "message_id": message_id,
        "reactions": reactions,
    }
