"""Domain events from the notifier's queue → notifications, then pushes.

A record that is neither a domain event nor a held push fails alone (after maxReceiveCount
it rests in the DLQ). The events of a batch are read and grouped together
(glimpse.notifications.notifier): a failure fails only the records it came from. Pushes go
after the writes; a failed push fails nothing (the notification is written; the app shows it).
"""

import json
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from glimpse import events
from glimpse.models.notifications import Notification, recipient_of
from glimpse.notifications import notifier, push, views
from glimpse.plumbing import Plumbing
from glimpse.realtime import service as realtime

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "connections_table",
    "media_cdn_domain",
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


def _held(body: str) -> str | None:
    """The user of a held-push message, if `body` is one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    user = data.get(push.FLUSH) if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else None


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed: list[tuple[str, events.DomainEvent]] = []
    flushes: list[tuple[str, str]] = []
    failures: set[str] = set()
    for record in SQSEvent(event).records:
        plumbing.correlate(record.message_id)
        if user := _held(record.body):
            flushes.append((record.message_id, user))
            continue
        try:
            parsed.append((record.message_id, events.parse(record.body)))
        except ValidationError as exc:
            logger.error(
                "not a domain event", extra={"message_id": record.message_id, "error": str(exc)}
            )
            failures.add(record.message_id)
    pushed = 0
    if parsed:
        plumbing.correlate(parsed[0][0])
        outcome = notifier.notify(parsed)
        failures |= outcome.failed
        for key, error in outcome.errors:
            logger.error("notification not written", extra={"key": key}, exc_info=error)
        logger.info(
            "notifications written",
            extra={
                "events": len(parsed),
                "notified": len(outcome.notified),
                "skipped": outcome.skipped,
                "writes": outcome.writes,
            },
        )
        metrics.add_metric(name="NotificationWrites", unit=MetricUnit.Count, value=outcome.writes)
        by_recipient: dict[str, list[Notification]] = defaultdict(list)
        for item in outcome.notified:
            by_recipient[recipient_of(item)].append(item)
        for recipient_id, items in by_recipient.items():
            pushed += _report(partial(push.notify, recipient_id, items))
        _frames(by_recipient)
    for message_id, user in flushes:
        plumbing.correlate(message_id)
        try:
            pushed += _report(partial(push.flush, user), quietly=False)
        except Exception:
            logger.exception("held push not sent; it comes back")
            failures.add(message_id)
    metrics.add_metric(name="Pushes", unit=MetricUnit.Count, value=pushed)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}


def _frames(by_recipient: dict[str, list[Notification]]) -> None:
    """New or updated notifications to their recipients' live connections, as the list shows
    them; a failure is logged (the list has them)."""
    try:
        frames = [
            (recipient_id, {"type": "notification", "notification": shown.model_dump(mode="json")})
            for recipient_id, items in by_recipient.items()
            for shown in views.render(recipient_id, items, read_up_to=None)
        ]
    except Exception:
        logger.exception("notification frames not sent")
        return
    realtime.send_logged(frames, logger)


def _report(send: Callable[[], push.Pushed], quietly: bool = True) -> int:
    """Run a push, log each device it reached or found gone; a failed push fails nothing
    unless not `quietly` (a held push: its message comes back)."""
    try:
        pushed = send()
    except Exception:
        if not quietly:
            raise
        logger.exception("push not sent")
        return 0
    for device_id, text in pushed.sent:
        logger.info("push sent", extra={"device_id": device_id, "text": text})
    for device_id in pushed.removed:
        logger.info("endpoint gone; device removed", extra={"device_id": device_id})
    return len(pushed.sent)


lambda_handler = plumbing.consumer(handle)
