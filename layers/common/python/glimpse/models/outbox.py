"""The transactional outbox, and the markers of events a consumer has applied.

- Events table, outbox event: `EVENT#<event_id>` / `EVENT`, written in the same transaction
  as the change it describes; its stream INSERT is what the publisher forwards to SNS. It
  expires after a day (the stream has long passed it on by then).
- Events table, delayed event: `LATER#<event_id>` / `EVENT`, an event due at `expires_at`
  (an account's erasure, after its grace period). DynamoDB's TTL deletes it once it is due
  (in AWS within a few days of it, usually hours); the publisher forwards the REMOVE that
  TTL makes (its old image), never one a request makes: deleting the item in time calls the
  event off (an account restored).
- Idempotency table, applied mark: `id` = `applied#<consumer>#<event_id>`, written in the same
  transaction as a consumer's aggregated writes, so a re-delivered event is applied once.
  Kept as long as a message can live in a queue and then its DLQ (14 days).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from glimpse.clock import now
from glimpse.models.base import Model, table_meta

if TYPE_CHECKING:
    from glimpse.events import Event

EVENT_PREFIX = "EVENT#"
LATER_PREFIX = "LATER#"
OUTBOX_TTL = timedelta(days=1)
APPLIED_TTL = timedelta(days=14)


class OutboxEvent(Model):
    Meta = table_meta("events_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="EVENT")
    type = UnicodeAttribute()
    body = UnicodeAttribute()  # the event's JSON, published as is
    expires_at = TTLAttribute()


class AppliedEvent(Model):
    Meta = table_meta("idempotency_table")

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute()  # the table's TTL attribute (shared with Powertools' records)


def outbox_event_id(pk: str) -> str | None:
    """The event's id if `pk` is an outbox event's partition key, else None."""
    return pk.removeprefix(EVENT_PREFIX) if pk.startswith(EVENT_PREFIX) else None


def later_event_id(pk: str) -> str | None:
    """The event's id if `pk` is a delayed event's partition key, else None."""
    return pk.removeprefix(LATER_PREFIX) if pk.startswith(LATER_PREFIX) else None


def outbox_item(event: Event, due: datetime | None = None) -> OutboxEvent:
    """The outbox item that publishes `event`: now, or (`due`) once that moment has passed."""
    from glimpse.events import as_published  # loaded already (`event` is one); not at import

    kind, body = as_published(event)
    return OutboxEvent(
        f"{LATER_PREFIX if due else EVENT_PREFIX}{event.event_id}",
        "EVENT",
        type=kind,
        body=body,
        expires_at=due or now() + OUTBOX_TTL,
    )


def later_key(event_id: str) -> tuple[str, str]:
    """The key of the delayed event `event_id` (to call it off)."""
    return f"{LATER_PREFIX}{event_id}", "EVENT"


def applied_mark(consumer: str, event_id: str) -> AppliedEvent:
    return AppliedEvent(f"applied#{consumer}#{event_id}", expiration=now() + APPLIED_TTL)
