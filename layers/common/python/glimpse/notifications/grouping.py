"""Notifications written from events: grouped ones (likes, follows) and single ones.

A grouped notification is one item (actors to show, `actor_count`) plus its members, kept as
string sets in slices of its own partition, one slice per second of action time. A batch of
events changes a group in one transaction: the notification and the few slices the batch's
actions fall in, each written whole under the version it was read at. So:

- a re-delivered event finds its actor already in (or already out of) its slice: nothing
  changes and nothing is written;
- events in any order end in the same state, because adds are only made for actions the
  notifier has just read as current (the like or follow exists, made at that time) and a
  removal names the time of what it removes;
- a hot group (a viral post) is written once per batch, not once per like: at 1,000 likes a
  second in batches of 100, ten transactions a second of the notification and one or two
  slices each (a slice holds at most one second's actors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glimpse.clock import iso, now
from glimpse.models.base import conditionally
from glimpse.models.batch import get_many
from glimpse.models.notifications import (
    GroupSlice,
    Notification,
    group_pk,
    notification_sk,
    recipient_pk,
)
from glimpse.models.transactions import ConditionFailed, Contention, transaction
from glimpse.notifications.kinds import KEPT, RETENTION, SHOWN, NotificationType

ATTEMPTS = 8  # optimistic rounds against concurrent batches of the same group


@dataclass(frozen=True)
class Change:
    """An actor who joined (`added`) or left a group, by an action made at `at`."""

    actor_id: str
    at: datetime
    event_id: str
    added: bool


@dataclass(frozen=True)
class Target:
    """Which notification, and what it is about."""

    recipient_id: str
    key: str
    type: NotificationType
    post_id: str | None = None
    comment_id: str | None = None
    story_id: str | None = None


@dataclass
class Written:
    """What `apply_group` wrote (the benchmark counts writes)."""

    notification: Notification | None  # the item after the change, when it gained actors
    items_written: int = 0


def slice_sk(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S")


def apply_group(target: Target, changes: Sequence[Change]) -> Written:
    """Apply `changes` to the group in one transaction, retried when a concurrent batch wrote
    it first. Raises `Contention` when it keeps losing (the batch comes back later)."""
    pk, sk = recipient_pk(target.recipient_id), notification_sk(target.key)
    members_pk = group_pk(target.recipient_id, target.key)
    seconds = sorted({slice_sk(change.at) for change in changes})
    for _attempt in range(ATTEMPTS):
        fetched = get_many(
            [(Notification, (pk, sk)), *((GroupSlice, (members_pk, s)) for s in seconds)],
            consistent=True,
        )
        root = fetched.get(Notification, (pk, sk))
        before = {s: fetched.get(GroupSlice, (members_pk, s)) for s in seconds}
        after = {s: set(item.members or ()) if item else set() for s, item in before.items()}
        stored = {s: set(members) for s, members in after.items()}
        for change in sorted(changes, key=lambda c: c.added):  # removals first
            members = after[slice_sk(change.at)]
            if change.added:
                members.add(change.actor_id)
            else:
                members.discard(change.actor_id)
        changed = [s for s in seconds if after[s] != stored[s]]
        if not changed:
            return Written(None)
        delta = sum(len(after[s]) - len(stored[s]) for s in changed)
        count = (int(root.actor_count) if root else 0) + delta
        actors = _actors(root, changes, after)
        if count > len(actors) and len(actors) < SHOWN:
            actors = _refill(members_pk, actors, after)
        gained = [c for c in changes if c.added and c.actor_id in after[slice_sk(c.at)]]
        try:
            with transaction() as tx:
                for s in changed:
                    _write_slice(tx, members_pk, s, before[s], after[s])
                item = _write_root(tx, target, root, count, actors, gained)
        except ConditionFailed:
            continue
        return Written(item if gained and item is not None else None, len(changed) + 1)
    raise Contention()


def _actors(
    root: Notification | None, changes: Sequence[Change], after: dict[str, set[str]]
) -> list[list[str]]:
    """The kept actors, newest first: the stored ones still members, plus this batch's."""
    kept: dict[str, str] = {}
    for actor_id, at in root.actors if root else []:
        kept[actor_id] = at
    for change in changes:
        present = change.actor_id in after.get(slice_sk(change.at), set())
        if change.added and present:
            if iso(change.at) > kept.get(change.actor_id, ""):
                kept[change.actor_id] = iso(change.at)
        elif (  # a removal: the kept entry of the same second (the same slice) goes
            not change.added
            and not present
            and kept.get(change.actor_id, "")[:19] == iso(change.at)[:19]
        ):
            del kept[change.actor_id]
    ordered = sorted(kept.items(), key=lambda pair: pair[1], reverse=True)
    return [[actor_id, at] for actor_id, at in ordered[:KEPT]]


def _refill(
    members_pk: str, actors: list[list[str]], after: dict[str, set[str]]
) -> list[list[str]]:
    """Too few kept actors after removals: the newest members from the slices (rare)."""
    known = {actor_id for actor_id, _ in actors}
    refilled = list(actors)
    for item in GroupSlice.query(members_pk, scan_index_forward=False, consistent_read=True):
        members = after.get(item.sk, set(item.members or ()))
        at = datetime.strptime(item.sk, "%Y%m%dT%H%M%S")
        for actor_id in sorted(members - known):
            refilled.append([actor_id, at.strftime("%Y-%m-%dT%H:%M:%S.000Z")])
            known.add(actor_id)
        if len(refilled) >= KEPT:
            break
    return sorted(refilled, key=lambda pair: pair[1], reverse=True)[:KEPT]


def _write_slice(
    tx: Any, members_pk: str, second: str, before: GroupSlice | None, members: set[str]
) -> None:
    if not members:
        assert before is not None  # a slice only empties if it existed
        tx.delete(before, condition=GroupSlice.version == before.version)
        return
    item = GroupSlice(
        members_pk,
        second,
        members=members,
        version=(int(before.version) if before else 0) + 1,
        expires_at=now() + RETENTION,
    )
    tx.save(
        item,
        condition=GroupSlice.version == before.version
        if before
        else GroupSlice.pk.does_not_exist(),
    )


def _write_root(
    tx: Any,
    target: Target,
    root: Notification | None,
    count: int,
    actors: list[list[str]],
    gained: Sequence[Change],
) -> Notification | None:
    if count <= 0:
        if root is not None:
            tx.delete(root, condition=Notification.version == root.version)
        return None
    activity = max([root.activity] if root else [], default="")
    activity = max([activity, *(c.event_id for c in gained)])
    item = Notification(
        recipient_pk(target.recipient_id),
        notification_sk(target.key),
        type=target.type,
        post_id=target.post_id,
        comment_id=target.comment_id,
        story_id=target.story_id,
        actors=actors,
        actor_count=count,
        version=(int(root.version) if root else 0) + 1,
        created_at=root.created_at if root else now(),
        recipient_pk=recipient_pk(target.recipient_id),
        activity=activity,
        expires_at=now() + RETENTION,
    )
    tx.save(
        item,
        condition=Notification.version == root.version
        if root
        else Notification.pk.does_not_exist(),
    )
    return item


def put_single(target: Target, actor_id: str, at: datetime, event_id: str) -> Notification | None:
    """A notification of its own (a comment, a mention, a request): written once per event
    (its id is the event's), and replaced only by a newer event for the same key (a request
    made again). Returns it when written."""
    item = Notification(
        recipient_pk(target.recipient_id),
        notification_sk(target.key),
        type=target.type,
        post_id=target.post_id,
        comment_id=target.comment_id,
        story_id=target.story_id,
        actors=[[actor_id, iso(at)]],
        actor_count=1,
        created_at=at,
        recipient_pk=recipient_pk(target.recipient_id),
        activity=event_id,
        expires_at=now() + RETENTION,
    )
    condition = Notification.pk.does_not_exist() | (Notification.activity < event_id)
    return item if conditionally(lambda: item.save(condition=condition)) else None
