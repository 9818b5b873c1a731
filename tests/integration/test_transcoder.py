"""The transcoder handler against moto: video uploads in SQS-wrapped S3 notifications."""

from __future__ import annotations

from typing import Any

import pytest

from functions.transcoder import app as transcoder
from glimpse.media import service
from tests import images, videos
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.test_thumbnailer import (
    create_slot,
    exists,
    item,
    notification_record,
    read,
)
from tests.unit.test_video import HOSTILE, Hostile


def deliver(*records: dict[str, Any]) -> list[str]:
    response = transcoder.lambda_handler({"Records": list(records)}, FakeContext())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def upload_video(
    stack: Stack, owner: dict[str, str], data: bytes, content_type: str = "video/mp4"
) -> tuple[str, str]:
    media_id, key = create_slot(owner, content_type)
    assert key.startswith("video-uploads/")
    stack.client("s3").put_object(
        Bucket=stack.ref("MediaBucket"), Key=key, Body=data, ContentType=content_type
    )
    return media_id, key


def test_a_video_becomes_ready_with_mp4s_poster_and_duration(
    stack: Stack, user: dict[str, str]
) -> None:
    media_id, key = upload_video(stack, user, videos.clip(2.0, (1280, 720)))
    assert deliver(notification_record(stack, key)) == []

    settled = item(media_id)
    assert (settled.status, settled.width, settled.height) == ("ready", 1280, 720)
    assert abs(int(settled.duration_ms) - 2000) <= 100
    outputs = settled.videos.as_dict()
    assert outputs == {e: f"renditions/{media_id}/{e}.mp4" for e in ("720", "480")}
    for edge, output in outputs.items():
        head = stack.client("s3").head_object(Bucket=stack.ref("MediaBucket"), Key=output)
        assert head["ContentType"] == "video/mp4"
        probed = videos.probe(read(stack, output))
        assert (probed["video"], probed["audio"]) == ("h264", ["aac"])
        assert min(probed["size"]) == int(edge)
    for poster in settled.renditions.as_dict().values():
        images.assert_clean_progressive_jpeg(read(stack, poster))
    assert not exists(stack, key)
    assert exists(stack, f"originals/{user['id']}/{media_id}")

    view = service.get_media(user["id"], media_id)
    assert view.media_type == "video"
    assert view.video is not None
    assert set(view.video) == {"720", "480"}
    assert view.video["720"].endswith(f"/{media_id}/720.mp4")
    assert view.duration_ms == settled.duration_ms


def test_a_repeated_notification_transcodes_once(stack: Stack, user: dict[str, str]) -> None:
    media_id, key = upload_video(stack, user, videos.clip(1.0, (320, 240)))
    record = notification_record(stack, key, sequencer="00BB00BB00BB00BB01")
    assert deliver(record) == []
    first = item(media_id)
    assert deliver({**record, "messageId": "again"}) == []
    assert item(media_id).updated_at == first.updated_at


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_videos_end_rejected_never_retried(
    stack: Stack, user: dict[str, str], hostile: Hostile
) -> None:
    data = hostile.make()
    media_id, key = upload_video(stack, user, data, hostile.declared)
    assert deliver(notification_record(stack, key, size=len(data))) == []
    settled = item(media_id)
    assert (settled.status, settled.reason) == ("rejected", hostile.reason)
    assert settled.videos is None
    assert not exists(stack, key)


def test_an_image_slot_key_is_not_the_transcoders(stack: Stack, user: dict[str, str]) -> None:
    """The transcoder only takes `video-uploads/`: an image upload's notification is ignored."""
    media_id, key = create_slot(user, "image/jpeg")
    stack.client("s3").put_object(Bucket=stack.ref("MediaBucket"), Key=key, Body=images.jpeg())
    assert deliver(notification_record(stack, key)) == []
    assert item(media_id).status == "pending"
    assert exists(stack, key)


def test_the_thumbnailer_does_not_take_video_keys(stack: Stack, user: dict[str, str]) -> None:
    from tests.integration.test_thumbnailer import deliver as thumbnail

    media_id, key = upload_video(stack, user, videos.clip(0.5, (64, 64)))
    assert thumbnail(notification_record(stack, key)) == []
    assert item(media_id).status == "pending"
    assert exists(stack, key)
