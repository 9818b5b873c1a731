"""`POST /media` and `GET /media/{media_id}` against moto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from functions.media import app as media
from glimpse.media.limits import MAX_UPLOAD_BYTES, MAX_VIDEO_BYTES
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user, unique_name

ALICE = {"id": "5f0c1e52-0a51-4c1e-9d7e-2a1b0c9d8e7f", "username": "alice_media"}
BOB = {"id": "a3b2c1d0-1111-4222-8333-944455556666", "username": "bob_media"}


def invoke(event: dict[str, Any]) -> tuple[int, Any]:
    response = media.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def create(user: dict[str, str], body: Any) -> tuple[int, Any]:
    event = as_user("media/create_media", user["id"], user["username"], body=json.dumps(body))
    return invoke(event)


def get(user: dict[str, str], media_id: str) -> tuple[int, Any]:
    event = as_user(
        "media/get_media",
        user["id"],
        user["username"],
        path=f"/media/{media_id}",
        pathParameters={"media_id": media_id},
    )
    return invoke(event)


def media_count(stack: Stack) -> int:
    table = stack.ref("MediaTable")
    return int(stack.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def test_create_returns_a_presigned_post_that_pins_key_type_and_size(stack: Stack) -> None:
    status, body = create(ALICE, {"kind": "post", "content_type": "image/jpeg", "size_bytes": 1234})
    assert status == 201
    assert body["expires_in"] == 900
    assert body["max_bytes"] == MAX_UPLOAD_BYTES
    fields = body["upload"]["fields"]
    assert fields["key"] == f"uploads/{ALICE['id']}/{body['media_id']}"
    assert fields["Content-Type"] == "image/jpeg"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": fields["key"]} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, MAX_UPLOAD_BYTES] in conditions
    assert {"bucket": stack.ref("MediaBucket")} in conditions


def test_the_uploader_sees_the_pending_item(stack: Stack) -> None:
    _status, created = create(
        ALICE, {"kind": "story", "content_type": "image/png", "size_bytes": 10}
    )
    status, body = get(ALICE, created["media_id"])
    assert status == 200
    assert body == {
        "media_id": created["media_id"],
        "kind": "story",
        "status": "pending",
        "media_type": "image",
        "content_type": "image/png",
        "width": None,
        "height": None,
        "renditions": None,
        "blurhash": None,
        "filter": "none",
        "duration_ms": None,
        "video": None,
        "alt_text": None,
        "reason": None,
    }


def test_another_user_cannot_see_an_unused_item(stack: Stack) -> None:
    _status, created = create(
        ALICE, {"kind": "post", "content_type": "image/png", "size_bytes": 10}
    )
    status, body = get(BOB, created["media_id"])
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert get(BOB, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C") == (404, body)  # same answer as no such item


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"kind": "post", "content_type": "image/tiff", "size_bytes": 10},
            415,
            "unsupported_media_type",
            "content_type",
        ),
        (
            {"kind": "post", "content_type": "application/pdf", "size_bytes": 10},
            415,
            "unsupported_media_type",
            "content_type",
        ),
        (
            {"kind": "post", "content_type": "image/jpeg", "size_bytes": MAX_UPLOAD_BYTES + 1},
            413,
            "payload_too_large",
            "size_bytes",
        ),
        (
            {"kind": "video", "content_type": "image/jpeg", "size_bytes": 10},
            400,
            "bad_request",
            "kind",
        ),
        (
            {"kind": "post", "content_type": "image/jpeg", "size_bytes": 0},
            400,
            "bad_request",
            "size_bytes",
        ),
        ({"kind": "post", "content_type": "image/jpeg"}, 400, "bad_request", "size_bytes"),
        (
            {"kind": "post", "content_type": "image/jpeg", "size_bytes": 5, "acl": "public-read"},
            400,
            "bad_request",
            "acl",
        ),
        (
            {"kind": "avatar", "content_type": "video/mp4", "size_bytes": 10},
            415,
            "unsupported_media_type",
            "content_type",
        ),
        (
            {"kind": "post", "content_type": "video/mp4", "size_bytes": MAX_VIDEO_BYTES + 1},
            413,
            "payload_too_large",
            "size_bytes",
        ),
        (
            {"kind": "post", "content_type": "image/jpeg", "size_bytes": 5, "filter": "sepia"},
            400,
            "bad_request",
            "filter",
        ),
    ],
)
def test_refusals_are_clear_and_write_nothing(
    stack: Stack, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    before = media_count(stack)
    got_status, got = create({"id": unique_name(), "username": unique_name()}, body)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert field in [d["field"] for d in got["error"]["details"]]
    assert media_count(stack) == before


def test_a_filter_named_at_upload_is_kept_on_the_item(stack: Stack) -> None:
    body = {"kind": "post", "content_type": "image/jpeg", "size_bytes": 10, "filter": "noir"}
    status, created = create(ALICE, body)
    assert status == 201, created
    assert get(ALICE, created["media_id"])[1]["filter"] == "noir"


def test_the_filters_are_listed_in_order_with_a_description_each(stack: Stack) -> None:
    event = as_user("media/list_filters", ALICE["id"], ALICE["username"])
    status, body = invoke(event)
    assert status == 200, body
    names = [entry["name"] for entry in body["items"]]
    assert names == ["none", "vivid", "warm", "cool", "fade", "mono", "noir", "vintage"]
    assert all(entry["description"].endswith(".") for entry in body["items"])
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("post", "video/mp4"), ("post", "video/quicktime"), ("story", "video/webm")],
)
def test_a_post_or_story_may_be_a_video_of_up_to_100_mib(
    stack: Stack, kind: str, content_type: str
) -> None:
    body = {"kind": kind, "content_type": content_type, "size_bytes": MAX_VIDEO_BYTES}
    status, created = create(ALICE, body)
    assert status == 201, created
    assert created["max_bytes"] == MAX_VIDEO_BYTES
    fields = created["upload"]["fields"]
    assert fields["key"] == f"video-uploads/{ALICE['id']}/{created['media_id']}"
    conditions = json.loads(base64.b64decode(fields["policy"]))["conditions"]
    assert ["content-length-range", 1, MAX_VIDEO_BYTES] in conditions
    assert {"Content-Type": content_type} in conditions
    _status, item = get(ALICE, created["media_id"])
    assert (item["media_type"], item["status"], item["video"]) == ("video", "pending", None)
