"""Automatic moderation of uploads: the one adapter over the models `ModerationMode` names,
and the rule that turns their scores into what becomes of the upload.

- `off`: nothing is scored.
- `local`: NudeNet's detector, offline (glimpse.media.local_model; the local cloud's mode).
- `rekognition`: Rekognition's `DetectModerationLabels` (glimpse.adapters.rekognition).

A picture is an image's `Rendered.sample` or a video's sampled frames (the poster's first), all
already decoded and small: nothing is decoded again. Each model's answer becomes scores of
glimpse.media.labels' vocabulary; a video's label scores are the highest of its frames'.

Then (`judge`): a rejecting label above `ModerationRejectScore` rejects the upload
(`reason: policy`); any label above `ModerationReviewScore` publishes it flagged for moderators
(`labels`). A model that fails (Rekognition throttled past the client's retries, a model error)
fails the delivery, and SQS delivers the upload again; the `ATTEMPTS`-th delivery publishes it
flagged `moderation_failed` instead of failing again, so no upload is lost or left pending.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from glimpse import snapstart
from glimpse.config import get_settings
from glimpse.media import labels
from glimpse.media.labels import Label

Mode = Literal["off", "local", "rekognition"]
MODES: tuple[Mode, ...] = ("off", "local", "rekognition")
FlagReason = Literal["labels", "moderation_failed"]
# Deliveries of an upload that may fail at moderation (the queues dead-letter after 5).
ATTEMPTS = 3
JPEG_QUALITY = 90  # what Rekognition is sent


class Failed(Exception):
    """The model could not score the pictures."""


@dataclass(frozen=True)
class Verdict:
    """What moderation makes of an upload."""

    labels: tuple[tuple[Label, float], ...] = ()  # above the review score, strongest first
    rejected: bool = False  # a rejecting label above the reject score: `reason: policy`
    flag: FlagReason | None = None  # published, and sent to moderators for this

    @property
    def detail(self) -> str:
        return ", ".join(f"{label} {score:.2f}" for label, score in self.labels) or "no labels"


PASSED = Verdict()


def mode() -> Mode:
    """The deployment's `ModerationMode`; a value the template does not allow stops the
    function (every upload would fail the same way)."""
    value = get_settings().moderation_mode
    for known in MODES:
        if value == known:
            return known
    raise ValueError(f"MODERATION_MODE={value!r} is not one of {', '.join(MODES)}")


def review(pictures: Sequence[Image.Image], attempt: int) -> Verdict:
    """The verdict on an upload's pictures, at its `attempt`-th delivery; raises `Failed` when
    the model fails and a later delivery may still score it."""
    settings = get_settings()
    try:
        scores = score(pictures, mode())
    except Failed:
        if attempt < ATTEMPTS:
            raise
        return Verdict(flag="moderation_failed")
    return judge(scores, settings.moderation_reject_score, settings.moderation_review_score)


def judge(scores: dict[Label, float], reject_score: float, review_score: float) -> Verdict:
    """Reject above `reject_score` (rejecting labels), flag above `review_score` (any)."""
    above = sorted(
        ((label, round(value, 4)) for label, value in scores.items() if value > review_score),
        key=lambda pair: (-pair[1], pair[0]),
    )
    rejected = any(
        value > reject_score for label, value in scores.items() if label in labels.REJECTING
    )
    flag: FlagReason | None = "labels" if above and not rejected else None
    return Verdict(tuple(above), rejected, flag)


def score(pictures: Sequence[Image.Image], mode: Mode) -> dict[Label, float]:
    """Each label's highest score over `pictures` under `mode`; `Failed` if the model fails."""
    if mode == "off" or not pictures:
        return {}
    scorer = _local if mode == "local" else _rekognition
    try:
        found = [scorer(picture) for picture in pictures]
    except Exception as exc:  # whatever the model does, the upload must not be lost
        raise Failed(f"{mode}: {type(exc).__name__}: {exc}") from exc
    return labels.strongest(pair for scores in found for pair in scores.items())


def _local(picture: Image.Image) -> dict[Label, float]:
    from glimpse.media import local_model

    return labels.of_nudenet(local_model.detect(picture))


def _rekognition(picture: Image.Image) -> dict[Label, float]:
    from glimpse.adapters import rekognition

    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
    least = 100 * min(get_settings().moderation_review_score, 1.0)
    return labels.of_rekognition(rekognition.moderation_labels(out.getvalue(), least))


def _load_local_model() -> None:
    """With SnapStart, the local model's session is in the snapshot (only where it is used)."""
    if get_settings().moderation_mode == "local":
        from glimpse.media import local_model

        local_model.load()


snapstart.prime(_load_local_model)
