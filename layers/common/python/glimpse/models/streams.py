"""A DynamoDB stream record as a typed value: the one reader every stream consumer uses.

Lambda hands a stream consumer each record in DynamoDB's JSON (`{"pk": {"S": "POST#…"}}`).
`read` turns one into a `StreamRecord`: what happened (INSERT, MODIFY or REMOVE), its
sequence number (what a batch item failure names), whether DynamoDB's TTL removed the item,
when the change was made, and its keys and images as plain Python. Which item a key names is
its model's to say (`glimpse.models.posts.post_id_of`, `glimpse.models.users.profile_user_id`,
...): no consumer parses a key prefix itself.

Decoding is PynamoDB's own (a raw `MapAttribute`), which every consumer loads with its
models anyway; boto3's `TypeDeserializer` would load boto3 into the indexer for this alone.
Numbers come out as `int` or `float`, sets as `set`. No Glimpse table stores binary values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pynamodb.attributes import MapAttribute

type EventName = Literal["INSERT", "MODIFY", "REMOVE"]
type Image = dict[str, Any]

_EVENT_NAMES: dict[object, EventName] = {"INSERT": "INSERT", "MODIFY": "MODIFY", "REMOVE": "REMOVE"}
# Who a record's `userIdentity` names when DynamoDB's TTL deleted the item (and only then).
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
_DECODER: MapAttribute[str, Any] = MapAttribute()


@dataclass(frozen=True)
class StreamRecord:
    """One change of one item, decoded."""

    event_name: EventName | None  # None: not a DynamoDB change (never from a table's stream)
    sequence_number: str  # "" if the record has none
    keys: Image = field(default_factory=dict)
    old_image: Image = field(default_factory=dict)  # {}: none (an INSERT, or the view type)
    new_image: Image = field(default_factory=dict)  # {}: none (a REMOVE, or the view type)
    expired: bool = False  # a REMOVE by DynamoDB's TTL (else by a request)
    # When the change was made (`ApproximateCreationDateTime`: to the second in AWS); None if
    # the record does not say.
    made_at: datetime | None = None

    @property
    def pk(self) -> str:
        """The item's partition key ("" if the record has no keys)."""
        return str(self.keys.get("pk", ""))

    @property
    def sk(self) -> str:
        """The item's sort key ("" if the record has no keys)."""
        return str(self.keys.get("sk", ""))


def decode(image: Mapping[str, Any] | None) -> Image:
    """An item in DynamoDB's JSON as plain Python ({} for None)."""
    return dict(_DECODER.deserialize(image)) if image else {}


def read(raw: Mapping[str, Any]) -> StreamRecord:
    """One record of a DynamoDB stream event (an element of its `Records`)."""
    change = raw.get("dynamodb") or {}
    identity = raw.get("userIdentity") or {}
    return StreamRecord(
        event_name=_EVENT_NAMES.get(raw.get("eventName")),
        sequence_number=str(change.get("SequenceNumber", "")),
        keys=decode(change.get("Keys")),
        old_image=decode(change.get("OldImage")),
        new_image=decode(change.get("NewImage")),
        expired=all(identity.get(name) == value for name, value in TTL_IDENTITY.items()),
        made_at=_moment(change.get("ApproximateCreationDateTime")),
    )


def _moment(epoch_seconds: Any) -> datetime | None:
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(float(epoch_seconds), UTC)


def read_batch(event: Mapping[str, Any]) -> list[StreamRecord]:
    """Every record of a stream consumer's event, in order."""
    return [read(raw) for raw in event.get("Records") or []]
