"""The erasure queue: `account_erased` (through SNS) and this function's own continuations
(glimpse.consumers.erasure: each aggregate erases what it holds of the account, a page per
invocation).

A message that fails (AWS errors, or not a message this function knows) fails alone and is
retried, then ends in the DLQ (docs/operations.md: a stuck erasure). A message completed
before is skipped: Powertools Idempotency keyed on its type, `event_id` and `after`.
"""

from dataclasses import asdict
from typing import Any

from glimpse.consumers import erasure
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
    "connections_table",
    "erasure_queue_url",
    "events_table",
    "feed_table",
    "idempotency_table",
    "media_bucket",
    "media_table",
    "messages_table",
    "notifications_table",
    "posts_table",
    "sessions_table",
    "stories_table",
    "user_pool_id",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("eraser")
logger, metrics = plumbing.logger, plumbing.metrics
processor = BatchProcessor(event_type=EventType.SQS)
idempotency = IdempotencyConfig(
    event_key_jmespath="[type, event_id, after]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@idempotent("erasure", idempotency, data_keyword_argument="job")
def run_job(job: dict[str, Any]) -> dict[str, Any]:
    stats = erasure.run(job)
    logger.info("erasure job done", extra={"job": job.get("type"), **asdict(stats)})
    metrics.add_metric(name="ErasedItems", unit=MetricUnit.Count, value=stats.deleted)
    return asdict(stats)


def record_handler(record: SQSRecord) -> None:
    with plumbing.record(record.message_id):
        run_job(job=record.json_body)


def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


lambda_handler = plumbing.consumer(handle, idempotency)
