"""The followed account's side of each follow, from the follow edges' stream.

A follow writes one item, the follower's `FOLLOWS#` edge (one conditional `PutItem`, 1 write
unit); an approval writes it in its transaction with the request's removal. This consumer
reads the Users table's stream (its second reader; the indexer is the first), filtered to
`FOLLOWS#` edges' INSERTs and REMOVEs, and per batch writes, in stream order:

- the followee's `FOLLOWER#` edge, put for a creation (if absent) and deleted for a removal
  (if it is that follow's): the edge is the follow's applied mark, so a batch read again
  changes nothing twice;
- the counts, in the same transactions (glimpse.counters.service with these rules): both
  accounts' `followers_count` / `following_count` and the followee's insights day, each item
  once per batch (a celebrity's profile a few times a second, not once per follow);
- then publishes `follow_created` (or `request_approved`) for each creation, once its follower
  edge exists: the feed's and tray's back-fill and the notification follow it, and a post
  made in between reaches the new follower through the edge or the back-fill.

Why the edge can be the mark: DynamoDB's stream keeps each item's changes in order, so a
follow's removal never overtakes its creation (SNS and SQS promise no order). A creation is
applied only while the follow it describes is still there (its `FOLLOWS#` edge read again,
with its `created_at`): read again after its removal was applied, it must not bring the
follower edge back. A removal takes only the follower edge its own follow made (or an earlier
release's, which has no `streamed`).

Blocks: a follow checks for blocks when it reads, not in its write (that would be two
condition checks, 4 write units). A follow that commits just after a block is found here (the
block edges are read with the follow) and deleted, as the block would have deleted it; it was
never visible, since every read checks blocks. Its removal comes through here too (and finds no
follower edge).

Edges of an earlier release (no `streamed`): their creation was counted by its events through
the counters, so it is skipped here; their removal is counted here (this release's
`follow_removed` says `edges_counted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from glimpse.clock import derived_id
from glimpse.counters import service as counters
from glimpse.counters.reactions import Delta, follow_counts, unfollow_counts
from glimpse.events import DomainEvent, FollowCreated, FollowRemoved, RequestApproved
from glimpse.graph import celebrities
from glimpse.graph.access import block_keys, blocked_either_way
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key, other_of, owner_of
from glimpse.models.streams import StreamRecord
from glimpse.models.transactions import ConditionFailed, Transaction, transaction

type Creation = FollowCreated | RequestApproved


@dataclass(frozen=True)
class Change:
    """A follow made or removed, as its edge's stream record tells it."""

    record: StreamRecord
    follower_id: str
    followee_id: str
    made: datetime | None  # the follow's `created_at` (its identity: a follow made again differs)
    image: dict[str, Any]  # the edge as it was made, or as it was when removed

    @property
    def created(self) -> bool:
        return self.record.event_name == "INSERT"

    @property
    def streamed(self) -> bool:
        """This release's edge (an earlier release's creation was counted from its event)."""
        return bool(self.image.get("streamed"))


@dataclass
class Followed:
    """What one batch did (the handler logs it; tests read it)."""

    counted: counters.Applied
    published: list[tuple[str, Creation]]  # (sequence number, event), in stream order
    skipped: int = 0  # creations of an earlier release, or of follows gone or blocked since
    unblocked: int = 0  # follows that committed after a block, deleted here


def is_follow_edge(record: StreamRecord) -> bool:
    return record.event_name in ("INSERT", "REMOVE") and record.sk.startswith(FOLLOWS)


def changes(records: Sequence[StreamRecord]) -> list[Change]:
    """The follow edges' creations and removals among `records`, in order."""
    found = []
    for record in records:
        if not is_follow_edge(record):
            continue
        image = record.new_image if record.event_name == "INSERT" else record.old_image
        made = image.get("created_at")  # PynamoDB's UTCDateTimeAttribute, as stored
        found.append(
            Change(
                record,
                owner_of(record.pk),
                other_of(record.sk),
                datetime.fromisoformat(str(made)) if made else None,
                image,
            )
        )
    return found


def apply(records: Sequence[StreamRecord]) -> Followed:
    """Count and mark the batch's follow changes in order, then say what to publish."""
    found = changes(records)
    current = _current([c for c in found if c.created and c.streamed])
    events: list[DomainEvent] = []
    by_event: dict[str, Change] = {}
    result = Followed(counted=counters.Applied(), published=[])
    for change in found:
        if change.created and not _counts(change, current, result):
            continue
        event = event_of(change)
        events.append(event)
        by_event[event.event_id] = change
    result.counted = counters.apply(events, _rules(by_event))
    result.published = [
        (by_event[e.event_id].record.sequence_number, e)
        for e in events
        if isinstance(e, FollowCreated | RequestApproved)
    ]
    return result


def _current(creations: list[Change]) -> Fetched:
    """The created follows' edges as they are now, and the block edges between each pair
    (one consistent read)."""
    keys: list[tuple[type[Edge], tuple[str, str]]] = []
    for change in creations:
        keys.append((Edge, edge_key(change.follower_id, FOLLOWS, change.followee_id)))
        keys.extend(block_keys(change.follower_id, change.followee_id))
    return get_many(keys, consistent=True)


def _counts(change: Change, current: Fetched, result: Followed) -> bool:
    """Whether a creation is counted: this release's, still there, and not across a block
    (which deletes it)."""
    edge = current.get(Edge, edge_key(change.follower_id, FOLLOWS, change.followee_id))
    if not change.streamed or edge is None or edge.created_at != change.made:
        result.skipped += 1
        return False
    if blocked_either_way(current, change.follower_id, change.followee_id):
        result.skipped += 1
        result.unblocked += _undo(edge, change)
        return False
    return True


def _undo(edge: Edge, change: Change) -> bool:
    """Delete a follow that committed across a block, and its reader's celebrity-set entry
    (a follow of a celebrity added it); nothing was counted or told. False if it went since."""
    try:
        with transaction() as tx:
            tx.delete(edge, condition=Edge.created_at == change.made)
            celebrities.remove_in(tx, change.follower_id, change.followee_id)
    except ConditionFailed:
        return False
    return True


def event_of(change: Change) -> DomainEvent:
    """What a change stands for: a creation's is published once applied (its id derived from
    the edge, the same on every read of the record); a removal's only sums its counts."""
    record = change.record
    moment = change.made or record.made_at
    name = f"{record.event_name}|{record.pk}|{record.sk}|{change.made}"
    if moment is None:  # an edge of long ago with no `created_at`, removed now
        moment = datetime.fromtimestamp(0, UTC)
    event_id = derived_id(moment, name)
    pair = {"follower_id": change.follower_id, "followee_id": change.followee_id}
    if change.created:
        if change.image.get("approved"):
            return RequestApproved(
                event_id=event_id, occurred_at=moment, edges_counted=True, **pair
            )
        return FollowCreated(
            event_id=event_id,
            occurred_at=moment,
            status="following",
            edges_counted=True,
            **pair,
        )
    return FollowRemoved(
        event_id=event_id,
        occurred_at=record.made_at or moment,
        status="following",
        since=change.made,
        followers_withdrawn=change.image.get("follower_gone_at") is not None,
        following_withdrawn=change.image.get("followee_gone_at") is not None,
        edges_counted=True,
        **pair,
    )


EARLIER_PAIRING = timedelta(seconds=1)  # an earlier release's two edges, `now()` apart


def _made_by(made: datetime | None) -> Any:
    """The condition that a follower edge belongs to the follow made at `made`: this release's
    carries that `created_at`; an earlier release wrote both edges in the follow's transaction
    from two clock reads, so its follower edge is within a second of it (and the edge of a
    follow made again later, which a replayed removal must not take, is not)."""
    if made is None:  # an edge of long ago, with no time
        return Edge.pk.exists() & Edge.streamed.does_not_exist() & Edge.created_at.does_not_exist()
    earlier = Edge.created_at.between(made - EARLIER_PAIRING, made + EARLIER_PAIRING)
    return Edge.pk.exists() & (
        (Edge.created_at == made) | (Edge.streamed.does_not_exist() & earlier)
    )


def _rules(by_event: dict[str, Change]) -> counters.Rules:
    def deltas(event: DomainEvent) -> list[Delta]:
        match event:
            case FollowRemoved():
                return unfollow_counts(event)
            case FollowCreated() | RequestApproved():
                return follow_counts(event)
        return []

    def mark(event: DomainEvent) -> counters.Mark:
        change = by_event[event.event_id]
        key = edge_key(change.followee_id, FOLLOWER, change.follower_id)

        def write(tx: Transaction, name: str) -> None:
            if change.created:
                tx.save(
                    Edge(
                        *key,
                        other_id=change.follower_id,
                        created_at=change.made,
                        streamed=True,
                    ),
                    condition=Edge.pk.does_not_exist(),
                    name=name,
                )
            else:
                tx.delete(Edge(*key), condition=_made_by(change.made), name=name)

        return counters.Mark(key, write)

    return counters.Rules(deltas=deltas, mark=mark, marks_alone=True)
