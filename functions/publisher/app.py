"""The outbox's stream, and the likes on the Posts table's stream → the social-events topic.

Each INSERT of an outbox item is one domain event, published as is with its `type` as a
message attribute (PublishBatch, 10 at a time); so is each delayed event that DynamoDB's TTL
removes (glimpse.models.outbox: it is due). Anything else on the stream (the outbox items'
expiry, a delayed event called off by a request) is skipped. A like's creation on the Posts
stream is its own event (glimpse.posts.like_events). A record SNS did not accept
is reported as a batch item failure: Lambda retries from it (publishing the later ones
again, which consumers absorb by `event_id`), and after MaximumRetryAttempts the batch's
description goes to the failure queue.
"""

from typing import Any

from glimpse.adapters.messaging import publish_events
from glimpse.events import as_published
from glimpse.models.outbox import later_event_id, outbox_event_id
from glimpse.models.streams import StreamRecord, read_batch
from glimpse.plumbing import Plumbing
from glimpse.posts import like_events

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("social_events_topic_arn",)

plumbing = Plumbing.of("publisher")
logger, metrics = plumbing.logger, plumbing.metrics


def _due(record: StreamRecord) -> dict[str, Any] | None:
    """The outbox item a record publishes, if it publishes one."""
    if record.event_name == "INSERT" and outbox_event_id(record.pk) is not None:
        return record.new_image
    if record.event_name == "REMOVE" and record.expired and later_event_id(record.pk):
        return record.old_image
    return None


def _events(records: list[StreamRecord]) -> list[tuple[str, tuple[str, str]]]:
    """(sequence number, (type, body)) of what the records publish, in stream order."""
    pending: list[tuple[str, tuple[str, str]]] = []
    for record in records:
        if (image := _due(record)) is not None:
            pending.append((record.sequence_number, (image["type"], image["body"])))
        elif (event := like_events.event_of(record)) is not None:
            pending.append((record.sequence_number, as_published(event)))
    return pending


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    pending = _events(read_batch(event))
    if pending:  # published together: the batch's log lines name its first record
        plumbing.correlate(pending[0][0])
    failed = publish_events([item for _, item in pending]) if pending else set()
    metrics.add_metric(
        name="EventsPublished", unit=MetricUnit.Count, value=len(pending) - len(failed)
    )
    if failed:
        logger.warning("SNS refused events", extra={"count": len(failed)})
    return {"batchItemFailures": [{"itemIdentifier": pending[i][0]} for i in sorted(failed)]}


lambda_handler = plumbing.consumer(handle)
