"""Export requests (`export_requested`, from the exports queue) → archives in S3.

One request per record (BatchSize 1: an archive can take minutes). A request settled before
is skipped (Powertools Idempotency keyed on its `event_id`, and the export's own state); one
that fails comes back, and on its last receive (`MAX_RECEIVES`, the queue's maxReceiveCount)
its export is marked failed before the message goes to the DLQ.
"""

from dataclasses import asdict
from typing import Any

from glimpse.events import ExportRequested
from glimpse.exports import exporter, service
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
from pydantic import ValidationError

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "events_table",
    "idempotency_table",
    "media_bucket",
    "media_cdn_domain",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "media_table",
    "messages_table",
    "notifications_table",
    "posts_table",
    "stories_table",
    "story_ttl_seconds",
    "users_table",
)
MAX_RECEIVES = 5  # ExportsQueue's maxReceiveCount in template.yaml

plumbing = Plumbing.of("exporter")
logger, metrics = plumbing.logger, plumbing.metrics
processor = BatchProcessor(event_type=EventType.SQS)
idempotency = IdempotencyConfig(
    event_key_jmespath="event_id",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@idempotent("exports", idempotency, data_keyword_argument="request")
def run(request: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = exporter.build(
        ExportRequested.model_validate(request),
        lambda: context.get_remaining_time_in_millis() / 1000,
    )
    logger.info("export built", extra={"export_id": request["export_id"], **asdict(outcome)})
    metrics.add_metric(name=f"Exports{outcome.result.title()}", unit=MetricUnit.Count, value=1)
    if outcome.result == "ready":
        metrics.add_metric(name="ExportBytes", unit=MetricUnit.Bytes, value=outcome.size_bytes)
    return asdict(outcome)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    with plumbing.record(record.message_id):
        try:
            run(request=record.json_body, context=lambda_context)
        except Exception:
            if int(record.attributes.approximate_receive_count) >= MAX_RECEIVES:
                give_up(record.json_body)
            raise


def give_up(body: Any) -> None:
    """The last receive failed: the export is failed now, not when it turns stale."""
    try:
        request = ExportRequested.model_validate(body)
    except ValidationError:
        return  # not a request: nothing to settle
    if service.give_up(request.user_id, request.export_id):
        logger.warning("export failed for good", extra={"export_id": request.export_id})


def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


lambda_handler = plumbing.consumer(handle, idempotency)
