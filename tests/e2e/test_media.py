"""Uploads over HTTP on the local cloud: presigned POST, thumbnailer, renditions by plain GET."""

from __future__ import annotations

import time

import requests

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import (
    QUEUE_COUNTS,
    Client,
    open_upload,
    post_file,
    queue_counts,
    queue_drained,
    upload_image,
    wait_for_media,
)
from tests.e2e.waiting import HTTP_TIMEOUT, within_promise


def test_an_uploaded_photo_turns_ready_and_its_renditions_download(alice: Client) -> None:
    data = images.jpeg_with_private_metadata()  # 800x600, with GPS, XMP and a comment
    started = time.monotonic()
    media = upload_image(alice, data, "image/jpeg")
    assert media["status"] == "ready", media
    within_promise(started, 10, "an upload turning ready")
    assert (media["width"], media["height"]) == (800, 600)
    assert media["blurhash"]
    assert set(media["renditions"]) == {"1080", "640", "320", "150"}
    for size, url in media["renditions"].items():
        response = requests.get(url, timeout=HTTP_TIMEOUT)  # a plain GET: no token, no signature
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "image/jpeg"
        expected = (800, 600) if int(size) >= 800 else (int(size), int(size) * 3 // 4)
        assert images.size_of(response.content) == expected
        images.assert_clean_progressive_jpeg(response.content)  # no GPS, EXIF, XMP, comment


def test_a_filter_named_at_upload_is_in_every_rendition(alice: Client) -> None:
    listed = alice.get("/media/filters")
    assert listed.status_code == 200, listed.text
    names = [entry["name"] for entry in listed.json()["items"]]
    assert names == ["none", "vivid", "warm", "cool", "fade", "mono", "noir", "vintage"]

    media = upload_image(alice, images.jpeg(1600, 1200), "image/jpeg", filter="noir")
    assert (media["status"], media["filter"], media["media_type"]) == ("ready", "noir", "image")
    for url in media["renditions"].values():
        rendition = requests.get(url, timeout=HTTP_TIMEOUT).content
        red, green, blue = images.pixel(rendition, 0.3, 0.6)
        assert max(red, green, blue) - min(red, green, blue) <= 4  # black and white

    refused = alice.post(
        "/media",
        json={"kind": "post", "content_type": "image/jpeg", "size_bytes": 9, "filter": "x"},
    )
    assert refused.status_code == 400
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["filter"]


def test_originals_are_never_served(alice: Client, cloud: LocalCloud) -> None:
    slot = open_upload(alice, images.jpeg(400, 300), "image/jpeg")
    assert post_file(slot, images.jpeg(400, 300), "image/jpeg").status_code == 204
    media = wait_for_media(alice, slot["media_id"])
    assert media["status"] == "ready"
    bucket_url = slot["upload"]["url"]
    user_id = slot["upload"]["fields"]["key"].split("/")[1]
    for key in (slot["upload"]["fields"]["key"], f"originals/{user_id}/{slot['media_id']}"):
        answer = requests.get(f"{bucket_url}/{key}", timeout=HTTP_TIMEOUT)
        assert answer.status_code in (403, 404), key


def test_another_user_cannot_see_a_pending_media_item(alice: Client, bob: Client) -> None:
    slot = open_upload(alice, b"12345", "image/png")
    assert alice.get(f"/media/{slot['media_id']}").json()["status"] == "pending"
    response = bob.get(f"/media/{slot['media_id']}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_rejected_upload_reports_its_reason(alice: Client) -> None:
    text = b"definitely not a picture\n" * 40
    media = upload_image(alice, text, "image/jpeg")
    assert (media["status"], media["reason"], media["renditions"]) == (
        "rejected",
        "not_an_image",
        None,
    )


def test_a_decompression_bomb_is_rejected(alice: Client) -> None:
    media = upload_image(alice, images.png_bomb(30_000, 30_000), "image/png")
    assert (media["status"], media["reason"]) == ("rejected", "too_many_pixels")


def test_disallowed_type_and_oversize_are_refused_before_any_upload(alice: Client) -> None:
    response = alice.post(
        "/media", json={"kind": "post", "content_type": "image/svg+xml", "size_bytes": 9}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (
        415,
        "unsupported_media_type",
    )
    response = alice.post(
        "/media",
        json={"kind": "post", "content_type": "image/jpeg", "size_bytes": 11 * 1024 * 1024},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (413, "payload_too_large")


def test_media_routes_need_a_token(anonymous: Client) -> None:
    assert anonymous.post("/media", json={}).status_code == 401
    assert anonymous.get("/media/01JD0Z8Q5M3S4V6X7Y8Z9A0B1C").status_code == 401
    assert anonymous.get("/media/filters").status_code == 401


def test_hostile_uploads_settle_and_leave_no_message_behind(
    alice: Client, cloud: LocalCloud
) -> None:
    hostile = [h for h in images.HOSTILE if h.name != "png_bomb_900mp"]  # that one is above
    slots = []
    for case in hostile:
        data = case.make()
        slot = open_upload(alice, data or b"x", case.declared)
        answer = post_file(slot, data, case.declared)
        if not data:  # S3 refuses it against the policy's content-length-range
            assert answer.status_code == 400, case.name
            assert "<Code>EntityTooSmall</Code>" in answer.text
            continue
        assert answer.status_code == 204, case.name
        slots.append((case, slot["media_id"]))
    for case, media_id in slots:
        media = wait_for_media(alice, media_id)
        expected = ("ready", None) if case.reason is None else ("rejected", case.reason)
        assert (media["status"], media["reason"]) == expected, case.name
    queue_drained(cloud, "UploadsQueue")  # the last batch may still be finishing
    assert queue_counts(cloud, "UploadsDeadLetterQueue") == dict.fromkeys(QUEUE_COUNTS, "0")


def test_the_local_model_flags_an_upload_for_moderators(alice: Client, cloud: LocalCloud) -> None:
    """The local cloud moderates with the real model (ModerationMode=local): a drawn figure
    it scores about 0.8 for nudity is published, flagged, with its labels on the item."""
    figure = images.encode(images.drawn_figure(), "JPEG", quality=92)
    media = upload_image(alice, figure, "image/jpeg")
    assert media["status"] == "ready", media
    assert "auto_labels" not in media  # for moderators, not for the uploader
    stored = cloud.provisioner.client("dynamodb").get_item(
        TableName=cloud.ref("MediaTable"),
        Key={"pk": {"S": f"MEDIA#{media['media_id']}"}, "sk": {"S": "MEDIA"}},
        ConsistentRead=True,
    )["Item"]
    assert stored["flagged"] == {"S": "labels"}
    assert [entry["M"]["label"]["S"] for entry in stored["auto_labels"]["L"]] == ["nudity"]
