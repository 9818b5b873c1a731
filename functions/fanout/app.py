"""The feed-jobs queue: domain events (through SNS) and this function's own continuations.

A message that fails (AWS errors, or not a message this function knows) fails alone and is
retried, then ends in the DLQ. A message completed before is skipped: Powertools Idempotency
keyed on its type, `event_id` and `after` (a re-follow is a new event, so it runs again).
"""

from dataclasses import asdict
from typing import Any

from glimpse.consumers import feed_jobs
from glimpse.idempotency import idempotent
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "events_table",
    "feed_jobs_queue_url",
    "feed_table",
    "idempotency_table",
    "posts_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("fanout")
logger, metrics = plumbing.logger, plumbing.metrics
processor = BatchProcessor(event_type=EventType.SQS)
idempotency = IdempotencyConfig(
    event_key_jmespath="[type, event_id, after]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@idempotent("feed_jobs", idempotency, data_keyword_argument="job")
def run_job(job: dict[str, Any]) -> dict[str, Any]:
    stats = feed_jobs.run(job)
    logger.info("feed job done", extra={"job": job.get("type"), **asdict(stats)})
    metrics.add_metric(name="FeedEntriesWritten", unit=MetricUnit.Count, value=stats.written)
    metrics.add_metric(name="FeedEntriesDeleted", unit=MetricUnit.Count, value=stats.deleted)
    return asdict(stats)


def record_handler(record: SQSRecord) -> None:
    with plumbing.record(record.message_id):
        run_job(job=record.json_body)


def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    metrics.add_metric(name="FeedJobs", unit=MetricUnit.Count, value=len(event["Records"]))
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


lambda_handler = plumbing.consumer(handle, idempotency)
