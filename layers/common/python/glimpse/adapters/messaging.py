"""Post events (SNS) and feed jobs (SQS), as JSON."""

from __future__ import annotations

import json
from typing import Any

from glimpse.adapters.aws import sns, sqs
from glimpse.config import get_settings


def publish_post_event(event: dict[str, Any]) -> None:
    sns().publish(
        TopicArn=get_settings().require("post_events_topic_arn"),
        Message=json.dumps(event),
        MessageAttributes={"type": {"DataType": "String", "StringValue": str(event["type"])}},
    )


def send_feed_jobs(jobs: list[dict[str, Any]]) -> None:
    """Queue feed jobs (10 per SendMessageBatch); raises if any of them was not accepted."""
    queue = get_settings().require("feed_jobs_queue_url")
    for start in range(0, len(jobs), 10):
        chunk = jobs[start : start + 10]
        result = sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "MessageBody": json.dumps(job)} for i, job in enumerate(chunk)],
        )
        if result.get("Failed"):
            raise RuntimeError(f"feed jobs not queued: {result['Failed']}")
