"""Domain events from the counters queue → counts, one write per counter item per batch.

A record that is not a domain event fails alone (after maxReceiveCount it rests in the DLQ);
the others are summed and applied together (glimpse.counters.service). If applying them
fails, all of them are reported failed and come back: their applied marks make that safe.
"""

from dataclasses import asdict
from typing import Any

from glimpse import events
from glimpse.counters import service
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "celebrity_follower_threshold",
    "events_table",
    "idempotency_table",
    "insights_table",
    "moderation_table",
    "posts_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("counters")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed: list[tuple[str, events.DomainEvent]] = []
    failures: list[str] = []
    for record in SQSEvent(event).records:
        plumbing.correlate(record.message_id)
        try:
            parsed.append((record.message_id, events.parse(record.body)))
        except ValidationError as exc:
            logger.error(
                "not a domain event", extra={"message_id": record.message_id, "error": str(exc)}
            )
            failures.append(record.message_id)
    if parsed:  # summed together: the batch's log lines name its first message
        plumbing.correlate(parsed[0][0])
        try:
            applied = service.apply(event for _, event in parsed)
        except Exception:
            logger.exception("counters not applied; the batch comes back")
            failures.extend(message_id for message_id, _ in parsed)
        else:
            logger.info("counters applied", extra=asdict(applied))
            metrics.add_metric(name="CountedEvents", unit=MetricUnit.Count, value=applied.events)
            metrics.add_metric(
                name="CounterWrites", unit=MetricUnit.Count, value=applied.items_written
            )
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}


lambda_handler = plumbing.consumer(handle)
