"""The social-events topic (SNS) and the feed-jobs queue (SQS), as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from glimpse.adapters.aws import sns, sqs
from glimpse.config import get_settings

BATCH = 10  # PublishBatch and SendMessageBatch take 10 entries at most


def _batches[T](items: Sequence[T]) -> Iterator[tuple[int, Sequence[T]]]:
    """(offset, up to BATCH items) over `items`."""
    for start in range(0, len(items), BATCH):
        yield start, items[start : start + BATCH]


def publish_events(events: Sequence[tuple[str, str]]) -> set[int]:
    """Publish (type, JSON body) pairs with a `type` attribute for the subscriptions' filter
    policies; returns the indexes of the events SNS did not accept (the rest are published)."""
    topic = get_settings().require("social_events_topic_arn")
    failed: set[int] = set()
    for start, chunk in _batches(events):
        result = sns().publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {
                    "Id": str(start + i),
                    "Message": body,
                    "MessageAttributes": {"type": {"DataType": "String", "StringValue": kind}},
                }
                for i, (kind, body) in enumerate(chunk)
            ],
        )
        failed.update(int(entry["Id"]) for entry in result.get("Failed", []))
    return failed


def send_feed_jobs(jobs: list[dict[str, Any]]) -> None:
    """Queue feed jobs (10 per SendMessageBatch); raises if any of them was not accepted."""
    _send_jobs("feed_jobs_queue_url", jobs)


def send_erasure_jobs(jobs: list[dict[str, Any]]) -> None:
    """Queue erasure continuations, as `send_feed_jobs` does feed jobs."""
    _send_jobs("erasure_queue_url", jobs)


def _send_jobs(setting: str, jobs: list[dict[str, Any]]) -> None:
    queue = get_settings().require(setting)
    for _start, chunk in _batches(jobs):
        result = sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "MessageBody": json.dumps(job)} for i, job in enumerate(chunk)],
        )
        if result.get("Failed"):
            raise RuntimeError(f"jobs not queued on {setting}: {result['Failed']}")
