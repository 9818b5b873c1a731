"""Counters added up from domain events, one `ADD` per counter item per batch.

`like_count` and `comment_count` (post items), `view_count` (story items),
`followers_count`, `following_count` and `posts_count` (profiles) and the reader→author
interaction counts (affinity edges, for feed ranking) are never written by the request that
causes them. This consumer sums a batch of events per item and writes each item once, in a
transaction that also writes one applied mark per event (conditional on its absence): a re-
delivered event finds its mark and is left out, so counts are exact once the queue drains
and never drift under re-delivery. Follows are added up by the same transactions from the
follow edges' stream (glimpse.counters.followers, with its own `Rules`: the follower edge is
each follow's mark).

At 1,000 likes a second on one post, the post item is written once per batch (up to
`BATCH_EVENTS` events), not 1,000 times: the hot item sees a few writes a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from glimpse.config import get_settings
from glimpse.counters.reactions import Delta, Key, comment, deltas, post
from glimpse.events import (
    CelebrityReached,
    CommentAdded,
    CommentLiked,
    DomainEvent,
    PostLiked,
)
from glimpse.models.base import Model
from glimpse.models.batch import get_many
from glimpse.models.outbox import AppliedEvent, applied_mark
from glimpse.models.posts import (
    Post,
    any_comment_sk,
    comment_like_sk,
    comment_ref,
    like_sk,
    post_pk,
)
from glimpse.models.transactions import ConditionFailed, Transaction, transaction
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile
from glimpse.posts import cleanup

CONSUMER = "counters"
# Items the search index shows counts of: their `revision` moves with each batch's ADDs.
REVISED: tuple[type[Model], ...] = (Post, UserProfile)
TRANSACTION_ITEMS = 100  # DynamoDB's limit: marks + counter items per transaction


@dataclass(frozen=True)
class Mark:
    """How an applied event is remembered: an item its chunk's transaction writes under a
    condition that fails once it was written (`key` keeps a chunk from naming it twice)."""

    key: tuple[str, str]
    write: Callable[[Transaction, str], None]  # into the transaction, under the name given


def own_mark(event: DomainEvent) -> Mark:
    """This consumer's own applied mark (conditional on its absence), kept for a while."""
    mark = applied_mark(CONSUMER, event.event_id)

    def write(tx: Transaction, name: str) -> None:
        tx.save(mark, condition=AppliedEvent.id.does_not_exist(), name=name)

    return Mark(("applied", event.event_id), write)


@dataclass(frozen=True)
class Rules:
    """What an event adds up to and how its application is remembered: the counters' table
    and applied marks, or another reader's (glimpse.counters.followers: a follower edge is the
    mark, and an event that counts nothing may still have its mark to write)."""

    deltas: Callable[[DomainEvent], list[Delta]] = deltas
    mark: Callable[[DomainEvent], Mark] = own_mark
    marks_alone: bool = False  # an event with no deltas still writes its mark


COUNTERS = Rules()


@dataclass
class Applied:
    """What one call did (the handler logs it; tests and the benchmark read it)."""

    events: int = 0  # events applied now
    duplicates: int = 0  # events applied before (their mark existed)
    transactions: int = 0
    items_written: int = 0
    orphans_removed: int = 0  # likes and comments that landed on a post deleted meanwhile
    celebrities: list[str] = field(default_factory=list)


def apply(events: Iterable[DomainEvent], rules: Rules = COUNTERS) -> Applied:
    """Apply each event's deltas exactly once (per `event_id`), a transaction per chunk, the
    chunks in the order of `events`."""
    unique = {e.event_id: e for e in events if rules.marks_alone or rules.deltas(e)}
    result = Applied()
    for chunk in _chunks(list(unique.values()), rules):
        _apply_chunk(chunk, result, rules)
    _promote_celebrities(unique.values(), result, rules)
    return result


def _chunks(events: Sequence[DomainEvent], rules: Rules) -> Iterable[list[DomainEvent]]:
    """Events in groups whose marks and distinct counter items fit one transaction, and
    whose marks are distinct items (a transaction names an item once)."""
    chunk: list[DomainEvent] = []
    keys: set[Key] = set()
    marks: set[tuple[str, str]] = set()
    for event in events:
        new = {key for key, _, _ in rules.deltas(event)} - keys
        mark = rules.mark(event).key
        if chunk and (len(chunk) + 1 + len(keys) + len(new) > TRANSACTION_ITEMS or mark in marks):
            yield chunk
            chunk, keys, marks = [], set(), set()
            new = {key for key, _, _ in rules.deltas(event)}
        chunk.append(event)
        keys |= new
        marks.add(mark)
    if chunk:
        yield chunk


def _totals(events: Sequence[DomainEvent], rules: Rules) -> dict[Key, dict[str, int]]:
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in events:
        for key, attribute, delta in rules.deltas(event):
            totals[key][attribute] += delta
    return {
        key: {a: n for a, n in changes.items() if n}
        for key, changes in totals.items()
        if any(changes.values())
    }


def _apply_chunk(events: list[DomainEvent], applied: Applied, rules: Rules) -> None:
    """Marks and ADDs in one transaction. A mark that exists drops its event (applied
    before); a post that no longer exists drops its item (nothing to count); a profile that is
    aside (a deleted account's) gets its changes on its deleted item instead, added to its
    counts if it is restored (`pending_*`), and dropped once that is gone too (erased)."""
    pending = list(events)
    gone: set[Key] = set()
    erased: set[Key] = set()
    while pending:
        totals = _totals(pending, rules)
        items = [key for key in totals if key not in gone]
        aside = [
            key for key in totals if key in gone and key[0] is UserProfile and key not in erased
        ]
        try:
            with transaction() as tx:
                for index, event in enumerate(pending):
                    rules.mark(event).write(tx, f"event:{index}")
                for index, key in enumerate(items):
                    _add(tx, key, totals[key], f"item:{index}")
                for index, (_model, pk, _sk) in enumerate(aside):
                    changes = [
                        getattr(DeletedProfile, f"pending_{a}").add(n)
                        for a, n in totals[aside[index]].items()
                    ]
                    tx.update(
                        DeletedProfile(pk, DELETED),
                        actions=changes,
                        condition=DeletedProfile.pk.exists(),
                        name=f"aside:{index}",
                    )
        except ConditionFailed as exc:
            if not exc.names:
                raise
            done = {int(n.split(":")[1]) for n in exc.names if n.startswith("event:")}
            gone |= {items[int(n.split(":")[1])] for n in exc.names if n.startswith("item:")}
            erased |= {aside[int(n.split(":")[1])] for n in exc.names if n.startswith("aside:")}
            applied.duplicates += len(done)
            pending = [e for i, e in enumerate(pending) if i not in done]
            continue
        applied.events += len(pending)
        applied.transactions += 1
        applied.items_written += len(items) + len(aside)
        _remove_orphans(pending, gone, applied)
        return


def _add(tx: Transaction, key: Key, changes: dict[str, int], name: str) -> None:
    model, pk, sk = key
    actions = [getattr(model, a).add(n) for a, n in changes.items()]
    if model in REVISED:
        actions.append(model.revision.add(1))  # type: ignore[attr-defined]
    made_by_count = getattr(model, "made_by_count", None)
    if made_by_count is not None and sum(changes.values()) > 0:
        # an item its first count makes (an affinity edge, a report's case); a decrement
        # never makes one (an erased account's unlikes come after its edges went)
        tx.update(model(pk, sk), actions=[*actions, *made_by_count(pk, sk)])
    else:
        tx.update(
            model(pk, sk),
            actions=actions,
            condition=model.pk.exists(),  # type: ignore[attr-defined]
            name=name,
        )


def _remove_orphans(events: list[DomainEvent], gone: set[Key], applied: Applied) -> None:
    """A like or comment never checks the post in its transaction (that would make the post
    a hot item again), so one can commit just after the post is deleted, and after the fan-out
    has cleared the post's partition. Its event finds the post gone here: delete it."""
    keys: list[tuple[str, str]] = []
    for event in events:
        match event:
            case PostLiked() if post(event.post_id) in gone:
                keys.append((post_pk(event.post_id), like_sk(event.user_id)))
            case CommentAdded() if _landed_on_gone(event, gone):
                sk = any_comment_sk(event.comment_id, event.reply_to)
                keys.append((post_pk(event.post_id), sk))
            case CommentLiked() if comment(_liked_ref(event)) in gone:
                sk = comment_like_sk(event.comment_id, event.reply_to, event.user_id)
                keys.append((post_pk(event.post_id), sk))
    if keys:
        cleanup.remove_children(keys)
        applied.orphans_removed += len(keys)


def _landed_on_gone(event: CommentAdded, gone: set[Key]) -> bool:
    """A comment whose post, or a reply whose thread, was deleted before it was counted."""
    if event.reply_to:
        return comment(comment_ref(event.post_id, event.reply_to)) in gone
    return post(event.post_id) in gone


def _liked_ref(event: CommentLiked) -> str:
    return comment_ref(event.post_id, event.comment_id, event.reply_to)


def _promote_celebrities(events: Iterable[DomainEvent], applied: Applied, rules: Rules) -> None:
    """Accounts that gained followers and passed the threshold become celebrities, once."""
    gained = {
        key[1]
        for event in events
        for key, attribute, delta in rules.deltas(event)
        if attribute == "followers_count" and delta > 0
    }
    if not gained:
        return
    threshold = get_settings().celebrity_follower_threshold
    fetched = get_many([(UserProfile, (pk, PROFILE)) for pk in gained], consistent=True)
    for pk in gained:
        profile = fetched.get(UserProfile, (pk, PROFILE))
        if profile is None or profile.is_celebrity or int(profile.followers_count) <= threshold:
            continue
        try:
            with transaction() as tx:
                tx.update(
                    UserProfile(pk, PROFILE),
                    actions=[UserProfile.is_celebrity.set(True)],
                    condition=UserProfile.pk.exists()
                    & (
                        UserProfile.is_celebrity.does_not_exist()
                        | (UserProfile.is_celebrity == False)  # noqa: E712 - a DynamoDB condition
                    ),
                )
                tx.emit(CelebrityReached(user_id=profile.user_id))
        except ConditionFailed:
            continue  # another batch promoted it first
        applied.celebrities.append(profile.user_id)
