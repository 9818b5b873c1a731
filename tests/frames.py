"""The AsyncAPI document's frame schemas as validators: what the tests check frames against."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from infra.asyncapi import DOCUMENT


def shipped() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def frame_errors(frame: dict[str, Any], document: dict[str, Any] | None = None) -> list[str]:
    """Why `frame` does not match the document's message for its `type` (or `action`): an
    empty list when it does. A frame of no documented type is an error too."""
    document = document or shipped()
    name = frame.get("type", frame.get("action"))
    message = document["components"]["messages"].get(str(name))
    if message is None:
        return [f"no message {name!r} in the document"]
    root = {**message["payload"], "components": document["components"]}
    validator = Draft202012Validator(root)
    errors = validator.iter_errors(frame)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
