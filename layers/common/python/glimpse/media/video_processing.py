"""The transcoder's publishing step: a video upload → MP4s, poster renditions, a ready item.

`processing.process_upload` has already matched the upload to its pending item and checked
its size; this writes the upload to local storage (PyAV reads a file), transcodes it, has its
sampled frames moderated (glimpse.media.moderation), puts the outputs where the CDN serves them
and settles the item, or rejects it with API.md's reason.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from pathlib import Path

from glimpse import snapstart
from glimpse.adapters import media_bucket
from glimpse.media import moderation
from glimpse.media.filters import PRESETS
from glimpse.media.imaging import Rejected
from glimpse.media.processing import (
    Outcome,
    UploadedObject,
    publish_renditions,
    reject,
    reject_by_policy,
    settle_ready,
)
from glimpse.models.media import MediaItem
from glimpse.models.objects import video_key

CHUNK = 1 << 20


def _load_video() -> None:
    importlib.import_module("glimpse.media.video")


snapstart.prime(_load_video)


def publish_video(
    item: MediaItem, upload: UploadedObject, stored: media_bucket.Upload, started: float
) -> Outcome:
    # PyAV (FFmpeg's libraries) loads on the first clip, which takes seconds anyway, not in
    # every cold start's import (with SnapStart, before the snapshot: `_load_video`).
    from glimpse.media import video

    preset = PRESETS.get(item.filter or "none", PRESETS["none"])
    with tempfile.TemporaryDirectory(prefix="transcode-") as workdir:
        source = Path(workdir, "upload")
        with source.open("wb") as copy:
            shutil.copyfileobj(stored.body, copy, CHUNK)
        size = source.stat().st_size
        outputs = Path(workdir, "out")
        outputs.mkdir()
        try:
            result = video.transcode(source, item.content_type, outputs, preset)
        except Rejected as rejected:
            return reject(item, upload, rejected.reason, rejected.detail, started, size)
        verdict = moderation.review(result.samples, upload.attempt)
        if verdict.rejected:
            return reject_by_policy(item, upload, verdict, started, size)
        keys = publish_renditions(item, upload, result.poster)
        videos: dict[str, str] = {}
        for edge, path in result.videos.items():
            videos[str(edge)] = video_key(item.media_id, edge, item.kind)
            media_bucket.put_video(upload.bucket, videos[str(edge)], path)
        written = sum(path.stat().st_size for path in result.videos.values())
        written += sum(len(jpeg) for jpeg in result.poster.renditions.values())
        return settle_ready(
            item,
            upload,
            started,
            result.poster,
            keys,
            (size, written),
            MediaItem.duration_ms.set(result.duration_ms),
            MediaItem.videos.set(videos),
            verdict=verdict,
        )
