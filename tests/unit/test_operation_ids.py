"""Every operation has a readable, unique operationId, so generated clients read `getFeed`
rather than `get_feed_feed_get`; the table of them is complete and has no stale rows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local.template import Template
from infra.openapi import DOCUMENT, build
from infra.operation_ids import OPERATION_IDS, PATTERN, MissingOperationId, operation_id
from tests.conftest import ROOT

WELL_KNOWN = {
    ("POST", "/auth/signup"): "signUp",
    ("POST", "/auth/login"): "logIn",
    ("GET", "/feed"): "getFeed",
    ("POST", "/posts"): "createPost",
    ("GET", "/posts/{post_id}"): "getPost",
    ("POST", "/posts/{post_id}/like"): "likePost",
    ("DELETE", "/posts/{post_id}/like"): "unlikePost",
    ("POST", "/posts/{post_id}/comments"): "addComment",
    ("GET", "/users/{username}"): "getUserProfile",
    ("POST", "/users/{username}/follow"): "followUser",
    ("POST", "/media"): "createMedia",
    ("GET", "/stories/tray"): "getStoryTray",
    ("POST", "/conversations/{conversation_id}/messages"): "sendMessage",
    ("GET", "/notifications"): "listNotifications",
}


def shipped() -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return {
        (method.upper(), path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_every_operation_has_a_readable_unique_id() -> None:
    operations = shipped()
    ids = [operation.get("operationId", "") for operation in operations.values()]
    assert all(PATTERN.match(name) for name in ids), [n for n in ids if not PATTERN.match(n)]
    assert len(set(ids)) == len(ids) == len(operations)


def test_the_table_is_exactly_the_routes() -> None:
    routes = set(Template.load(ROOT / "template.yaml").api_routes())
    assert set(OPERATION_IDS) == routes, set(OPERATION_IDS) ^ routes


def test_well_known_operations_keep_their_names() -> None:
    operations = shipped()
    assert {key: operations[key]["operationId"] for key in WELL_KNOWN} == WELL_KNOWN


def test_a_route_without_a_row_is_refused() -> None:
    with pytest.raises(MissingOperationId, match="GET /nowhere"):
        operation_id("get", "/nowhere")
    document = build(Template.load(ROOT / "template.yaml"))
    assert document["paths"]["/feed"]["get"]["operationId"] == "getFeed"
