"""The AsyncAPI 3.0 document of the WebSocket API, generated from the typed frames.

`glimpse.realtime.frames` declares every frame: `Frame`, what the server sends, and
`ClientFrame`, what a client may send. Each becomes a message whose payload is the
TypedDict's JSON schema; a frame field typed `Dumped` (an API object already dumped to JSON)
gets the schema of the pydantic model that `carried()` names for it. The document is checked in
and shipped in the layer (`glimpse/asyncapi.json`), served by the docs function at
`GET /asyncapi.json`. `--check` (run by `make lint`) fails when it is stale; `--write`
(`make openapi`) regenerates it.
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from glimpse.realtime import frames
from infra.generated import parse_mode, write_or_check

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "layers/common/python/glimpse/asyncapi.json"
REF = "#/components/schemas/{model}"
CHANNEL = "socket"


def carried() -> dict[tuple[type, str], type[BaseModel]]:
    """The API object each `Dumped` field of a frame carries. (Imported here, not at the top:
    the schemas load the models, whose settings must not be read before a test's local cloud
    has set them.)"""
    from glimpse.messages.schemas import MessageOut
    from glimpse.notifications.schemas import NotificationOut

    return {
        (frames.MessageFrame, "message"): MessageOut,
        (frames.NotificationFrame, "notification"): NotificationOut,
    }


# The frames that answer a client's frame rather than arrive on their own.
REPLIES: tuple[type, ...] = (frames.Pong, frames.Error)
TOKEN = {
    "type": "httpApiKey",
    "name": "token",
    "in": "query",
    "description": "The id_token from POST /auth/login; a bad or missing one is refused at "
    "the handshake (HTTP 401).",
}


class UnmappedField(Exception):
    """A frame's `Dumped` field with no row in carried()."""


def members(alias: Any) -> tuple[type, ...]:
    """The TypedDicts of a `type X = A | B` alias (or of a one-member alias)."""
    value = alias.__value__
    return tuple(typing.get_args(value)) or (value,)


def frame_schema(frame: type) -> dict[str, Any]:
    """The TypedDict's JSON schema, exact (no other keys), `Dumped` fields as references."""
    schema: dict[str, Any] = TypeAdapter(frame).json_schema(mode="serialization")
    schema.pop("$defs", None)
    schema["additionalProperties"] = False
    for name, hint in typing.get_type_hints(frame).items():
        if hint is frames.Dumped:
            model = carried().get((frame, name))
            if model is None:
                raise UnmappedField(f"{frame.__name__}.{name}: name its model in carried()")
            schema["properties"][name] = {"$ref": REF.format(model=model.__name__)}
    return schema


def discriminator(frame: type) -> str:
    """The frame's `type` (server frames) or `action` (client frames): its one Literal."""
    hints = typing.get_type_hints(frame)
    key = "type" if "type" in hints else "action"
    (value,) = typing.get_args(hints[key])
    return str(value)


def _operation_name(verb: str, name: str) -> str:
    return verb + "".join(part.capitalize() for part in name.split("_"))


def _messages(frames_: tuple[type, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each frame's message and the schemas they need (frames' and the API objects')."""
    _, objects = models_json_schema(
        [(model, "serialization") for model in carried().values()], ref_template=REF
    )
    schemas: dict[str, Any] = dict(objects.get("$defs", {}))
    messages: dict[str, Any] = {}
    for frame in frames_:
        name = discriminator(frame)
        schemas[frame.__name__] = frame_schema(frame)
        messages[name] = {
            "name": name,
            "title": frame.__name__,
            "summary": inspect.getdoc(frame) or "",
            "payload": {"$ref": REF.format(model=frame.__name__)},
        }
    return messages, schemas


def _refs(of: tuple[type, ...]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{CHANNEL}/messages/{discriminator(f)}"} for f in of]


def _operations(received: tuple[type, ...], sent: tuple[type, ...]) -> dict[str, Any]:
    """A receive operation per client frame (its replies named), a send per server frame."""
    channel_ref = {"$ref": f"#/channels/{CHANNEL}"}
    operations: dict[str, Any] = {}
    for frame in received:
        operations[_operation_name("receive", discriminator(frame))] = {
            "action": "receive",
            "channel": channel_ref,
            "summary": inspect.getdoc(frame) or "",
            "messages": _refs((frame,)),
            "reply": {"channel": channel_ref, "messages": _refs(REPLIES)},
        }
    for frame in sent:
        if frame in REPLIES:
            continue
        operations[_operation_name("send", discriminator(frame))] = {
            "action": "send",
            "channel": channel_ref,
            "summary": inspect.getdoc(frame) or "",
            "messages": _refs((frame,)),
        }
    return operations


SECURITY = [{"$ref": "#/components/securitySchemes/token"}]
INFO = {
    "title": "Glimpse real time",
    "version": "1.0.0",
    "description": "The WebSocket API: messages, notifications, unsends and reactions "
    "as they happen (reference: docs/api.md, Real time). Every connection of a user "
    "gets every frame.",
}
SERVERS = {
    "aws": {
        "host": "{apiId}.execute-api.{region}.amazonaws.com",
        "pathname": "/{stage}",
        "protocol": "wss",
        "description": "The stack output WebSocketUrl.",
        "variables": {
            "apiId": {"description": "The WebSocket API's id."},
            "region": {"default": "us-east-1"},
            "stage": {"default": "dev"},
        },
        "security": SECURITY,
    },
    "local": {
        "host": "127.0.0.1:3001",
        "protocol": "ws",
        "description": "The local cloud (`make run`: the API's port + 1).",
        "security": SECURITY,
    },
}


def build() -> dict[str, Any]:
    sent, received = members(frames.Frame), members(frames.ClientFrame)
    messages, schemas = _messages((*received, *sent))
    return {
        "asyncapi": "3.0.0",
        "info": INFO,
        "defaultContentType": "application/json",
        "servers": SERVERS,
        "channels": {
            CHANNEL: {
                "address": "/",
                "title": "The connection",
                "description": "One WebSocket connection, opened with ?token=<id_token>.",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": _operations(received, sent),
        "components": {
            "messages": messages,
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"token": TOKEN},
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    write = parse_mode("python -m infra.asyncapi", __doc__, argv)
    try:
        text = render(build())
    except UnmappedField as unmapped:
        print(unmapped, file=sys.stderr)
        return 1
    return write_or_check(DOCUMENT, text, write)


if __name__ == "__main__":
    sys.exit(main())
