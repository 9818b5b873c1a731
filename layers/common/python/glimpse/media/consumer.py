"""Uploads → published media: S3 ObjectCreated notifications, delivered through SQS. The
thumbnailer (images) and the transcoder (videos) are this consumer on their own prefixes.

Each SQS record holds one S3 notification. A record fails alone (partial batch response) when
AWS misbehaves; after the queue's maxReceiveCount it goes to the DLQ. A bad file never
fails a record: it ends as a `rejected` media item. Each upload is processed once per S3
version (bucket, key, sequencer), whatever the number of deliveries. A moderation model that
fails fails the record too, until its last attempt (glimpse.media.moderation): each upload
knows which delivery it came in (`attempt`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse.idempotency import idempotent
from glimpse.media.processing import Outcome, Publisher, UploadedObject, process_upload
from glimpse.plumbing import Plumbing

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

LambdaHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]
# The settings (glimpse.config) an uploads consumer reads, for the thumbnailer and the
# transcoder: the media item, the bucket, Idempotency, moderation and its event's outbox.
UPLOADS_SETTINGS = (
    "events_table",
    "idempotency_table",
    "media_bucket",
    "media_table",
    "moderation_mode",
    "moderation_reject_score",
    "moderation_review_score",
)


def uploads_consumer(
    plumbing: Plumbing, prefix: str, publish: Publisher | None = None
) -> LambdaHandler:
    """The Lambda handler for upload notifications under `prefix`, published by `publish`."""
    logger, metrics = plumbing.logger, plumbing.metrics
    processor = BatchProcessor(event_type=EventType.SQS)
    idempotency = IdempotencyConfig(
        event_key_jmespath="[bucket, key, version]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=24 * 3600,
    )

    @idempotent(prefix.rstrip("/"), idempotency, data_keyword_argument="upload")
    def handle_upload(upload: dict[str, Any]) -> dict[str, Any]:
        outcome = process_upload(UploadedObject(**upload), publish)
        logger.info("upload processed", extra={"key": upload["key"], **asdict(outcome)})
        _count_outcome(metrics, outcome)
        return asdict(outcome)

    def record_handler(record: SQSRecord) -> None:
        with plumbing.record(record.message_id):
            attempt = int(record.attributes.approximate_receive_count or 1)
            for upload in _uploads_in(record.json_body, prefix, logger, attempt):
                handle_upload(upload=asdict(upload))

    def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        metrics.add_metric(name="Notifications", unit=MetricUnit.Count, value=len(event["Records"]))
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return plumbing.consumer(handle, idempotency)


def _uploads_in(
    notification: dict[str, Any], prefix: str, logger: Logger, attempt: int = 1
) -> list[UploadedObject]:
    """The upload objects an S3 notification is about under `prefix` (none for S3's test
    event), delivered for the `attempt`-th time."""
    if notification.get("Event") == "s3:TestEvent":
        return []
    uploads = []
    for record in S3Event(notification).records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        s3_object = record.s3.get_object
        key = unquote_plus(s3_object["key"])  # S3 event keys are URL-encoded
        if not key.startswith(prefix):
            logger.info("ignoring a key outside the upload prefix", extra={"key": key})
            continue
        uploads.append(
            UploadedObject(
                bucket=record.s3.bucket.name,
                key=key,
                size=int(s3_object.get("size") or 0),
                version=str(s3_object.get("sequencer") or s3_object.etag),
                attempt=attempt,
            )
        )
    return uploads


def _count_outcome(metrics: Metrics, outcome: Outcome) -> None:
    """A published upload's size and time (and, flagged for moderators, why); a rejected one,
    by its reason."""
    if outcome.result == "ready":
        metrics.add_metric(name="MediaReady", unit=MetricUnit.Count, value=1)
        metrics.add_metric(
            name="ProcessingTime", unit=MetricUnit.Milliseconds, value=outcome.duration_ms
        )
        metrics.add_metric(name="BytesIn", unit=MetricUnit.Bytes, value=outcome.bytes_in)
        metrics.add_metric(name="BytesOut", unit=MetricUnit.Bytes, value=outcome.bytes_out)
        if outcome.flagged:
            with single_metric(name="MediaFlagged", unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="reason", value=outcome.flagged)
    elif outcome.result == "rejected" and outcome.reason:
        with single_metric(name="MediaRejected", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="reason", value=outcome.reason)
