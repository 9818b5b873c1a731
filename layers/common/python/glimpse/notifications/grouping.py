"""Notifications written from events: grouped ones (likes, follows) and single ones.

A grouped notification is one item: the actors to show, `actor_count`, and its members, each
an entry `<actor_id>|<time of the action>`. The first `ROOT_MEMBERS` entries live in the item
itself; later ones go to slices in the group's own partition, one slice per second of action
time. A batch of events changes a group once: the notification alone (a plain conditional
put) while it has room, else one transaction of the notification and the few slices the
batch's actions fall in, each written whole under the version it was read at. So:

- a re-delivered event finds its entry already there (or already gone): nothing is written;
- events in any order end in the same state: an entry is added only for an action the
  notifier has just read as current (the like or follow exists, made at that time), and a
  removal names the exact time of what it removes, so an unlike never takes out a later like
  of the same person, whatever order the two arrive in;
- a lone like costs one write (the notification); a viral post's likes cost one transaction
  per batch of up to 100 (the notification and one or two slices: at 1,000 likes a second,
  about ten a second on that group), never a write per like.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from glimpse.clock import iso, now
from glimpse.models.base import conditionally
from glimpse.models.batch import backoff, get_many
from glimpse.models.notifications import (
    GroupSlice,
    Notification,
    actor_pk,
    group_pk,
    notification_sk,
    recipient_pk,
)
from glimpse.models.transactions import ConditionFailed, Contention, transaction
from glimpse.notifications.kinds import KEPT, RETENTION, SHOWN, WINDOW, NotificationType

ATTEMPTS = 8  # optimistic rounds against concurrent batches of the same group
ROOT_MEMBERS = 32  # entries the notification holds itself (a group that stays small: one item)
SECOND = "%Y%m%dT%H%M%S"  # a slice's sort key: the second its actions were made in
MAX_SLICES = 90  # slices one transaction writes (DynamoDB's limit is 100 items)


@dataclass(frozen=True)
class Change:
    """An actor who joined (`added`) or left a group, by an action made at `at`."""

    actor_id: str
    at: datetime
    event_id: str
    added: bool

    @property
    def entry(self) -> str:
        return f"{self.actor_id}|{iso(self.at)}"

    @property
    def second(self) -> str:
        return self.at.strftime(SECOND)


@dataclass(frozen=True)
class Target:
    """Which notification, and what it is about."""

    recipient_id: str
    key: str
    type: NotificationType
    post_id: str | None = None
    comment_id: str | None = None
    story_id: str | None = None
    export_id: str | None = None
    device: str | None = None  # login: the device that signed in
    reply_to: str | None = None  # the comment's thread, when `comment_id` is a reply


@dataclass
class Written:
    """What `apply_group` did (the benchmark counts writes)."""

    notification: Notification | None = None  # the item after the change, if it gained actors
    items_written: int = 0


@dataclass
class _Plan:
    """The group as read, and as this batch leaves it."""

    root: Notification | None
    before: dict[str, GroupSlice | None]
    members: set[str]  # the notification's own entries, after
    slices: dict[str, set[str]] = field(default_factory=dict)  # second → entries, after
    gained: list[Change] = field(default_factory=list)
    delta: int = 0

    def stored(self, second: str) -> set[str]:
        item = self.before.get(second)
        return set(item.members or ()) if item else set()

    def apply(self, change: Change) -> None:
        entry, slice_ = change.entry, self.slices.setdefault(change.second, set())
        if not change.added:
            if entry in self.members:
                self.members.discard(entry)
                self.delta -= 1
            elif entry in slice_:
                slice_.discard(entry)
                self.delta -= 1
        elif entry not in self.members and entry not in slice_:
            (self.members if len(self.members) < ROOT_MEMBERS else slice_).add(entry)
            self.delta += 1
            self.gained.append(change)

    def changed_slices(self) -> list[str]:
        return [s for s, entries in self.slices.items() if entries != self.stored(s)]


def _expiry(at: datetime) -> datetime:
    """When an action's entry may go: its group's window is over and so is the retention."""
    return at + WINDOW + RETENTION


def apply_group(
    target: Target, changes: Sequence[Change], sleep: Callable[[float], None] = time.sleep
) -> Written:
    """Apply `changes` to the group, retried when a concurrent batch wrote it first (raises
    `Contention` when it keeps losing: the batch comes back later)."""
    seconds = sorted({c.second for c in changes})
    if len(seconds) > MAX_SLICES:  # a backlog spread over many seconds: a part at a time
        written = Written()
        for start in range(0, len(seconds), MAX_SLICES):
            part = set(seconds[start : start + MAX_SLICES])
            step = apply_group(target, [c for c in changes if c.second in part], sleep)
            written.items_written += step.items_written
            written.notification = step.notification or written.notification
        return written
    pk, sk = recipient_pk(target.recipient_id), notification_sk(target.key)
    members_pk = group_pk(target.recipient_id, target.key)
    for attempt in range(ATTEMPTS):
        fetched = get_many(
            [(Notification, (pk, sk)), *((GroupSlice, (members_pk, s)) for s in seconds)],
            consistent=True,
        )
        root = fetched.get(Notification, (pk, sk))
        plan = _Plan(
            root,
            {s: fetched.get(GroupSlice, (members_pk, s)) for s in seconds},
            set(root.members or ()) if root else set(),
        )
        for s in seconds:
            plan.slices[s] = plan.stored(s)
        for change in sorted(changes, key=lambda c: c.added):  # removals first
            plan.apply(change)
        changed = plan.changed_slices()
        if not changed and plan.members == (set(root.members or ()) if root else set()):
            return Written()
        count = (int(root.actor_count) if root else 0) + plan.delta
        actors = _actors(plan, changes)
        if count > len(actors) and len(actors) < SHOWN:
            actors = _refill(members_pk, plan, actors)
        try:
            item = _write(target, plan, changed, members_pk, count, actors)
        except ConditionFailed:
            sleep(backoff(attempt + 1))
            continue
        return Written(item if plan.gained else None, len(changed) + 1)
    raise Contention()


def _write(
    target: Target,
    plan: _Plan,
    changed: list[str],
    members_pk: str,
    count: int,
    actors: list[list[str]],
) -> Notification | None:
    """The notification alone (a conditional put or delete) or, with slices, a transaction."""
    root = plan.root
    item = _root(target, plan, count, actors) if count > 0 else None
    version = Notification.version == root.version if root else Notification.pk.does_not_exist()
    if not changed:
        if item is not None:
            ok = conditionally(lambda: item.save(condition=version))
        else:
            assert root is not None
            ok = conditionally(lambda: root.delete(condition=version))
        if not ok:
            raise ConditionFailed({"notification"})
        return item
    with transaction() as tx:
        for second in changed:
            before, entries = plan.before[second], plan.slices[second]
            if not entries:
                assert before is not None  # a slice only empties if it existed
                tx.delete(before, condition=GroupSlice.version == before.version)
                continue
            tx.save(
                GroupSlice(
                    members_pk,
                    second,
                    members=entries,
                    version=(int(before.version) if before else 0) + 1,
                    expires_at=_expiry(datetime.strptime(second, SECOND).replace(tzinfo=UTC)),
                ),
                condition=GroupSlice.version == before.version
                if before
                else GroupSlice.pk.does_not_exist(),
            )
        if item is not None:
            tx.save(item, condition=version)
        elif root is not None:
            tx.delete(root, condition=version)
    return item


def _root(target: Target, plan: _Plan, count: int, actors: list[list[str]]) -> Notification:
    root = plan.root
    activity = max([root.activity] if root else [""], default="")
    activity = max([activity, *(c.event_id for c in plan.gained)])
    newest = max([c.at for c in plan.gained], default=None)
    expires = _expiry(newest) if newest else None
    if root is not None and root.expires_at is not None:
        expires = max(expires, root.expires_at) if expires else root.expires_at
    return Notification(
        recipient_pk(target.recipient_id),
        notification_sk(target.key),
        type=target.type,
        post_id=target.post_id,
        comment_id=target.comment_id,
        reply_to=target.reply_to,
        story_id=target.story_id,
        export_id=target.export_id,
        actors=actors,
        actor_count=count,
        members=plan.members or None,
        version=(int(root.version) if root else 0) + 1,
        created_at=root.created_at if root else now(),
        recipient_pk=recipient_pk(target.recipient_id),
        activity=activity,
        expires_at=expires or now() + RETENTION,
    )


def _actors(plan: _Plan, changes: Sequence[Change]) -> list[list[str]]:
    """The kept actors, newest first: the stored ones still members, plus this batch's."""
    kept: dict[str, str] = dict(plan.root.actors if plan.root else [])
    for change in changes:
        at = iso(change.at)
        if change in plan.gained and at > kept.get(change.actor_id, ""):
            kept[change.actor_id] = at
        elif not change.added and kept.get(change.actor_id) == at:
            del kept[change.actor_id]  # the very action that made them an actor
    ordered = sorted(kept.items(), key=lambda pair: pair[1], reverse=True)
    return [[actor_id, at] for actor_id, at in ordered[:KEPT]]


def _refill(members_pk: str, plan: _Plan, actors: list[list[str]]) -> list[list[str]]:
    """Too few kept actors after removals: the newest members (rare)."""
    known = {actor_id for actor_id, _ in actors}
    entries: list[tuple[str, str]] = []
    for entry in plan.members:
        actor_id, at = entry.split("|", 1)
        entries.append((at, actor_id))
    for item in GroupSlice.query(members_pk, scan_index_forward=False, consistent_read=True):
        for entry in plan.slices.get(item.sk, set(item.members or ())):
            actor_id, at = entry.split("|", 1)
            entries.append((at, actor_id))
        if len(entries) >= 4 * KEPT:
            break
    refilled = list(actors)
    for at, actor_id in sorted(entries, reverse=True):
        if actor_id not in known and len(refilled) < KEPT:
            refilled.append([actor_id, at])
            known.add(actor_id)
    return sorted(refilled, key=lambda pair: pair[1], reverse=True)


def put_single(
    target: Target, actor_id: str | None, at: datetime, event_id: str
) -> Notification | None:
    """A notification of its own (a comment, a mention, a request; with no actor, one about
    the account itself): written once per event (its id is the event's), and replaced only by
    a newer event for the same key (a request made again). Returns it when written."""
    item = Notification(
        recipient_pk(target.recipient_id),
        notification_sk(target.key),
        type=target.type,
        post_id=target.post_id,
        comment_id=target.comment_id,
        reply_to=target.reply_to,
        story_id=target.story_id,
        export_id=target.export_id,
        device=target.device,
        actors=[[actor_id, iso(at)]] if actor_id else [],
        actor_count=1 if actor_id else 0,
        created_at=at,
        recipient_pk=recipient_pk(target.recipient_id),
        activity=event_id,
        expires_at=at + RETENTION,
        actor_pk=actor_pk(actor_id) if actor_id else None,
    )
    condition = Notification.pk.does_not_exist() | (Notification.activity < event_id)
    return item if conditionally(lambda: item.save(condition=condition)) else None
