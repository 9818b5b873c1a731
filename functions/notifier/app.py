"""Domain events and held pushes from the notifier's queue → notifications, pushes, frames.

A record that is neither a domain event nor a held push fails alone (after maxReceiveCount
it rests in the DLQ). The others are delivered together (glimpse.notifications.delivery): a
failure fails only the records it came from, and a failed push or frame fails nothing.
"""

from typing import Any

from glimpse.notifications import delivery
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "connections_table",
    "media_cdn_domain",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "media_table",
    "notifications_table",
    "notifier_queue_url",
    "posts_table",
    "stories_table",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("notifier")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batch = delivery.Batch()
    failures: set[str] = set()
    for record in SQSEvent(event).records:
        plumbing.correlate(record.message_id)
        try:
            batch.add(record.message_id, record.body)
        except ValidationError as exc:
            logger.error(
                "not a domain event", extra={"message_id": record.message_id, "error": str(exc)}
            )
            failures.add(record.message_id)
    delivered = delivery.deliver(batch, logger)
    failures |= delivered.failed
    if delivered.writes is not None:
        metrics.add_metric(name="NotificationWrites", unit=MetricUnit.Count, value=delivered.writes)
    metrics.add_metric(name="Pushes", unit=MetricUnit.Count, value=delivered.pushed)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}


lambda_handler = plumbing.consumer(handle)
