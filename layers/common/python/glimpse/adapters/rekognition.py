"""Rekognition's image moderation (`ModerationMode=rekognition`): one `DetectModerationLabels`
call per picture, the JPEG's bytes in the request (up to 5 MB; a sample is far less)."""

from __future__ import annotations

from typing import Any

from glimpse.adapters.aws import rekognition


def moderation_labels(jpeg: bytes, min_confidence: float) -> list[dict[str, Any]]:
    """The `ModerationLabels` Rekognition finds in the picture at `min_confidence` (0-100) or
    above: each a `Name`, `ParentName` (empty for a top-level category) and `Confidence`.
    AWS's errors (throttling after the client's retries, an image it refuses) are raised."""
    answer = rekognition().detect_moderation_labels(
        Image={"Bytes": jpeg}, MinConfidence=min_confidence
    )
    return [dict(label) for label in answer.get("ModerationLabels", [])]
