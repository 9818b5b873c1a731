"""Automatic moderation in the thumbnailer and the transcoder, against moto, with the real
local model (ModerationMode=local, as on the local cloud) scoring pictures the tests draw."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from glimpse.config import get_settings
from glimpse.media import local_model, moderation, processing, service
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.outbox import OutboxEvent
from tests import images, videos
from tests.integration.conftest import Stack
from tests.integration.iam import unattributed
from tests.integration.test_thumbnailer import (
    deliver,
    exists,
    item,
    notification_record,
    upload,
)
from tests.integration.test_transcoder import deliver as deliver_video
from tests.integration.test_transcoder import upload_video

FIGURE = images.encode(images.drawn_figure(), "JPEG", quality=92)


def flagged_events(media_id: str) -> list[dict[str, Any]]:
    """The `media_flagged` events recorded for the item (tests only: the outbox is small)."""
    bodies = [json.loads(e.body) for e in OutboxEvent.scan() if e.type == "media_flagged"]
    return [body for body in bodies if body["media_id"] == media_id]


def labels_of(media_id: str) -> list[tuple[str, float]]:
    return [(entry.label, float(entry.score)) for entry in item(media_id).auto_labels or []]


def attempt(record: dict[str, Any], receives: int) -> dict[str, Any]:
    """The record as SQS delivers it the `receives`-th time."""
    attributes = {**record["attributes"], "ApproximateReceiveCount": str(receives)}
    return {**record, "attributes": attributes}


@pytest.fixture
def reject_above_0_7(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ModerationRejectScore 0.7: the drawn figure's nudity (about 0.8) is rejected."""
    monkeypatch.setenv("MODERATION_REJECT_SCORE", "0.7")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_flagged_upload_is_published_with_its_labels_and_one_event(
    stack: Stack, user: dict[str, str]
) -> None:
    media_id, key = upload(stack, user, FIGURE, "image/jpeg")
    record = notification_record(stack, key)
    assert deliver(record) == []

    settled = item(media_id)
    assert (settled.status, settled.flagged) == ("ready", "labels")
    ((label, score),) = labels_of(media_id)
    assert label == "nudity"
    assert 0.6 < score < 0.9
    assert set(settled.renditions.as_dict()) == {"1080", "640", "320", "150"}
    (event,) = flagged_events(media_id)
    assert event["event_id"]
    assert event["occurred_at"]
    assert {k: v for k, v in event.items() if k not in {"event_id", "occurred_at"}} == {
        "type": "media_flagged",
        "media_id": media_id,
        "owner_id": user["id"],
        "labels": [{"label": "nudity", "score": score}],
        "reason": "labels",
    }
    assert service.get_media(user["id"], media_id).status == "ready"  # published

    assert deliver({**record, "messageId": "again"}) == []  # a re-delivery emits nothing
    assert len(flagged_events(media_id)) == 1


def test_an_ordinary_photo_is_published_with_nothing_to_review(
    stack: Stack, user: dict[str, str]
) -> None:
    media_id, key = upload(stack, user, images.jpeg(), "image/jpeg")
    assert deliver(notification_record(stack, key)) == []
    settled = item(media_id)
    assert (settled.status, settled.flagged, settled.auto_labels) == ("ready", None, None)
    assert flagged_events(media_id) == []


def test_above_the_reject_score_nothing_is_published(
    stack: Stack, user: dict[str, str], reject_above_0_7: None
) -> None:
    media_id, key = upload(stack, user, FIGURE, "image/jpeg")
    assert deliver(notification_record(stack, key)) == []

    settled = item(media_id)
    assert (settled.status, settled.reason, settled.flagged) == ("rejected", "policy", None)
    assert [label for label, _ in labels_of(media_id)] == ["nudity"]
    assert service.get_media(user["id"], media_id).reason == "policy"
    assert settled.renditions is None
    for kept in (key, f"renditions/{media_id}/320.jpg", f"originals/{user['id']}/{media_id}"):
        assert not exists(stack, kept), kept
    assert flagged_events(media_id) == []  # rejected: nothing for moderators


def test_a_failing_model_is_retried_then_the_upload_is_published_for_review(
    stack: Stack, user: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(picture: object) -> list[tuple[str, float]]:
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(local_model, "detect", broken)
    media_id, key = upload(stack, user, FIGURE, "image/jpeg")
    record = notification_record(stack, key)
    for receives in range(1, moderation.ATTEMPTS):
        with pytest.raises(BatchProcessingError):  # the batch's one record failed: redelivered
            deliver(attempt(record, receives))
        assert item(media_id).status == "pending"
        assert exists(stack, key)

    assert deliver(attempt(record, moderation.ATTEMPTS)) == []
    settled = item(media_id)
    assert (settled.status, settled.flagged, settled.auto_labels) == (
        "ready",
        "moderation_failed",
        None,
    )
    (event,) = flagged_events(media_id)
    assert (event["reason"], event["labels"]) == ("moderation_failed", [])


def test_a_videos_sampled_frames_are_moderated_not_only_its_poster(
    stack: Stack, user: dict[str, str]
) -> None:
    # An ordinary first frame (the poster) for 3 s, then the figure: the frame at 4 s shows it.
    clip = videos.slideshow([(images.photo(640, 800), 3.0), (images.drawn_figure(), 2.5)])
    media_id, key = upload_video(stack, user, clip)
    assert deliver_video(notification_record(stack, key)) == []

    settled = item(media_id)
    assert (settled.status, settled.flagged) == ("ready", "labels")
    assert [label for label, _ in labels_of(media_id)] == ["nudity"]
    (event,) = flagged_events(media_id)
    assert event["labels"][0]["label"] == "nudity"


def test_a_video_above_the_reject_score_publishes_nothing(
    stack: Stack, user: dict[str, str], reject_above_0_7: None
) -> None:
    clip = videos.slideshow([(images.drawn_figure(), 1.0)])
    media_id, key = upload_video(stack, user, clip)
    assert deliver_video(notification_record(stack, key)) == []

    settled = item(media_id)
    assert (settled.status, settled.reason) == ("rejected", "policy")
    assert settled.videos is None
    for kept in (key, f"renditions/{media_id}/720.mp4", f"renditions/{media_id}/320.jpg"):
        assert not exists(stack, kept), kept


def test_a_flagged_upload_whose_item_went_meanwhile_emits_nothing_and_leaves_no_file(
    stack: Stack, user: dict[str, str]
) -> None:
    """The item is deleted between the renditions and the settling transaction: the
    transaction's condition fails, so no event is written, and the files go again."""
    media_id, key = upload(stack, user, FIGURE, "image/jpeg")
    real = processing._settle

    def deleted_first(*actions: Any, **kwargs: Any) -> bool:
        with unattributed():
            MediaItem(media_pk(media_id), MEDIA).delete()
        return real(*actions, **kwargs)

    with mock.patch.object(processing, "_settle", deleted_first):
        assert deliver(notification_record(stack, key)) == []
    assert service.find(media_id) is None
    assert flagged_events(media_id) == []
    for left in (f"renditions/{media_id}/320.jpg", f"originals/{user['id']}/{media_id}", key):
        assert not exists(stack, left), left
