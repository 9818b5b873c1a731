"""Automatic moderation's added time per 12 MP upload, on one core.

The thumbnailer's handler runs on the template's resources (moto in-process, as the local
cloud runs it) for a camera-like 12 MP JPEG (`benchmarks.thumbnails`' corpus: 4000 x 3000,
EXIF orientation, a Display P3 profile), once per round with `ModerationMode=local` (the
local cloud's: NudeNet's detector at its 320 px input) and once with `off`, in alternating
order, the process pinned to one CPU. What moderation adds to an upload: the median of the
rounds' differences (local - off), in wall and CPU time. The moderation step is also timed
alone on the rendered 640 px sample the thumbnailer hands it, and the model's first load.

    python -m benchmarks.moderation [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import LambdaContext, provisioned
from benchmarks.thumbnails import corpus

MODES = ("local", "off")
CAMERA = "12 MP camera JPEG"


class Context(LambdaContext):
    """The thumbnailer's: Idempotency reads the time left (its timeout is 60 s)."""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _pin_to_one_cpu() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _set_mode(mode: str) -> None:
    from glimpse.config import get_settings

    os.environ["MODERATION_MODE"] = mode
    get_settings.cache_clear()


def _upload(bucket: str, data: bytes) -> dict[str, Any]:
    """A pending media item, its upload in the bucket, and the SQS record announcing it."""
    from glimpse.adapters.aws import s3
    from glimpse.clock import new_id, now
    from glimpse.models.media import MEDIA, MediaItem, media_pk
    from glimpse.models.objects import upload_key

    media_id, owner = new_id(), new_id()
    moment = now()
    MediaItem(
        media_pk(media_id),
        MEDIA,
        media_id=media_id,
        owner_id=owner,
        kind="post",
        content_type="image/jpeg",
        media_type="image",
        size_bytes=len(data),
        status="pending",
        created_at=moment,
        updated_at=moment,
    ).save()
    key = upload_key(owner, media_id, "image")
    s3().put_object(Bucket=bucket, Key=key, Body=data)
    s3_record = {
        "eventName": "ObjectCreated:Post",
        "s3": {
            "bucket": {"name": bucket},
            "object": {"key": key, "size": len(data), "sequencer": new_id()},
        },
    }
    return {
        "messageId": new_id(),
        "body": json.dumps({"Records": [s3_record]}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
    }


def _handle(handler: Any, bucket: str, data: bytes) -> tuple[float, float]:
    """One upload through the thumbnailer's handler: its wall and CPU time (ms; CPU counts
    every thread of the process, moto's work for it included)."""
    record = _upload(bucket, data)
    wall, cpu = time.perf_counter(), time.process_time()
    answer = handler({"Records": [record]}, Context("thumbnailer"))
    elapsed = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
    assert answer["batchItemFailures"] == [], answer
    return elapsed


def _step_alone(data: bytes, rounds: int) -> tuple[float, float, float]:
    """The model's first load, then the moderation step's median wall and CPU time (ms)."""
    from glimpse.media import imaging, local_model, moderation

    sample = imaging.render(data, "image/jpeg").sample
    started = time.perf_counter()
    local_model.load()
    load_ms = (time.perf_counter() - started) * 1000
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        moderation.score([sample], "local")
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return load_ms, statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = smoke.parse(parser, {"rounds": 1})
    cpu = _pin_to_one_cpu()
    # Smoke mode: the thumbnails smoke corpus's first JPEG (2 MP), not the 12 MP one.
    cases = corpus(tiny=True)[:1] if args.smoke else corpus()
    path = next(path for label, path, _ in cases if args.smoke or label == CAMERA)
    data = path.read_bytes()
    with provisioned() as provisioner:
        os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
        bucket = str(provisioner.resolver.ref("MediaBucket"))
        load_ms, step_ms, step_cpu_ms = _step_alone(data, args.rounds)
        from functions.thumbnailer import app

        times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
        for mode in MODES:  # warm-up: imports, the model's session, the pools
            _set_mode(mode)
            _handle(app.lambda_handler, bucket, data)
        for round_number in range(args.rounds):
            for mode in MODES if round_number % 2 == 0 else MODES[::-1]:
                _set_mode(mode)
                times[mode].append(_handle(app.lambda_handler, bucket, data))
    _report(times, args.rounds, cpu, path.name, len(data))
    print(f"the moderation step alone, on the 640 px sample: {step_ms:.1f} ms wall, "
          f"{step_cpu_ms:.1f} ms CPU (median); the model's first load: "
          f"{load_ms:.0f} ms")  # fmt: skip


def _report(
    times: dict[str, list[tuple[float, float]]], rounds: int, cpu: int, name: str, size: int
) -> None:
    print(f"{name} ({size / 1e6:.1f} MB), {rounds} rounds, CPU {cpu} only")
    print("| thumbnailer handler, per upload | wall ms, median | min | max | CPU ms, median |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for mode in MODES:
        walls, cpus = [w for w, _ in times[mode]], [c for _, c in times[mode]]
        print(f"| ModerationMode={mode} | {statistics.median(walls):.1f} | {min(walls):.1f} | "
              f"{max(walls):.1f} | {statistics.median(cpus):.1f} |")  # fmt: skip
    pairs = list(zip(times["local"], times["off"], strict=True))
    wall = statistics.median(local[0] - off[0] for local, off in pairs)
    cpu_added = statistics.median(local[1] - off[1] for local, off in pairs)
    print(f"\nadded by moderation per upload (the median of the rounds' differences, local - "
          f"off): {wall:.1f} ms wall, {cpu_added:.1f} ms CPU (goal: <= 150 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
