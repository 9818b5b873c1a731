"""A batch of the notifier's queue, delivered: notifications written, then pushed and framed.

The queue carries domain events (the types glimpse.notifications.reactions acts on) and the
notifier's own held-push messages (glimpse.notifications.push). The events of a batch are
read and grouped together (glimpse.notifications.notifier): a failure fails only the messages
it came from. Pushes and frames go after the writes; one that fails fails nothing (the
notification is written; the list shows it). A held push that fails comes back.

What happens is logged here, under the id of the message it concerns, with the handler's
logger; the handler counts what `deliver` returns.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from glimpse.events import DomainEvent, parse
from glimpse.models.notifications import Notification, recipient_of
from glimpse.notifications import notifier, push, views
from glimpse.realtime import frames
from glimpse.realtime import service as realtime

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


def held_user(body: str) -> str | None:
    """The user of a held-push message, if `body` is one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    user = data.get(push.FLUSH) if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else None


@dataclass
class Batch:
    """The queue's messages, read: domain events and held pushes, by message id."""

    events: list[tuple[str, DomainEvent]] = field(default_factory=list)
    flushes: list[tuple[str, str]] = field(default_factory=list)  # (message id, user id)

    def add(self, message_id: str, body: str) -> None:
        """Raises `pydantic.ValidationError` for a body that is neither."""
        if user := held_user(body):
            self.flushes.append((message_id, user))
        else:
            self.events.append((message_id, parse(body)))


@dataclass
class Delivered:
    """What `deliver` did: the handler reports `failed` and counts the rest."""

    failed: set[str] = field(default_factory=set)  # message ids to retry
    writes: int | None = None  # notification items written (None: the batch had no events)
    pushed: int = 0  # pushes sent


def deliver(batch: Batch, logger: Logger) -> Delivered:
    delivered = Delivered()
    if batch.events:
        logger.set_correlation_id(batch.events[0][0])  # the batch's lines name its first
        outcome = _write(batch.events, logger)
        delivered.failed |= outcome.failed
        delivered.writes = outcome.writes
        by_recipient: dict[str, list[Notification]] = defaultdict(list)
        for item in outcome.notified:
            by_recipient[recipient_of(item)].append(item)
        for recipient_id, items in by_recipient.items():
            delivered.pushed += _report(partial(push.notify, recipient_id, items), logger)
        _frames(by_recipient, logger)
    for message_id, user in batch.flushes:
        logger.set_correlation_id(message_id)
        try:
            delivered.pushed += _report(partial(push.flush, user), logger, quietly=False)
        except Exception:
            logger.exception("held push not sent; it comes back")
            delivered.failed.add(message_id)
    return delivered


def _write(parsed: list[tuple[str, DomainEvent]], logger: Logger) -> notifier.Outcome:
    outcome = notifier.notify(parsed)
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
    return outcome


def _frames(by_recipient: dict[str, list[Notification]], logger: Logger) -> None:
    """New or updated notifications to their recipients' live connections, as the list shows
    them; a failure is logged (the list has them)."""
    try:
        sent = [
            (recipient_id, frames.notification(shown.model_dump(mode="json")))
            for recipient_id, items in by_recipient.items()
            for shown in views.render(recipient_id, items, read_up_to=None)
        ]
    except Exception:
        logger.exception("notification frames not sent")
        return
    realtime.send_logged(sent, logger)


def _report(send: Callable[[], push.Pushed], logger: Logger, quietly: bool = True) -> int:
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
