"""The impressions aggregator: `served` log lines (glimpse.served) → per-item counts and
per-day reach sketches, written once per item per log batch.

A batch of lines (one CloudWatch Logs subscription delivery) becomes, per item of the Insights
table (glimpse.models.insights): the impressions it adds, the accounts it adds to the reach
sketch and the days a post was served on. A post or story counts one impression per response
that showed it to someone other than its author; a profile one view per response to someone
other than its owner. Authors and owners are read in one BatchGetItem per batch (posts,
stories and username claims); what no longer exists is not counted.

Writes: the items in chunks of `CHUNK` (sorted by key, so a batch always chunks the same way),
each chunk one transaction with an applied mark named after the batch and the chunk
(glimpse.models.outbox, conditional on its absence). A re-delivered batch finds its chunks'
marks and adds nothing again; a batch that failed half-way is delivered again and does only
the chunks that did not commit. Reach needs no mark to be exact (merging a sketch is
idempotent), but impressions do. A sketch is merged from what was read, under a condition on
its `version` (an aggregator that lost a race re-reads and merges again): in the transaction
while it is small enough to live in its counts' item (`INLINE_BYTES`), else in its reach item
(glimpse.models.insights `reach_key`) before the transaction, and only if the viewers changed
it: a viral post's 12 KB sketch is not rewritten by each count, nor by viewers it has seen.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.update import Action

from glimpse.hll import Sketch
from glimpse.models.base import conditionally
from glimpse.models.batch import Fetched, get_many
from glimpse.models.insights import (
    InsightItem,
    account_day_key,
    expiry_of,
    post_key,
    reach_key,
    story_key,
)
from glimpse.models.outbox import AppliedEvent, applied_mark
from glimpse.models.posts import POST, Post, post_pk
from glimpse.models.stories import STORY, Story, story_pk
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import CLAIM, UniqueClaim, username_pk
from glimpse.served import MAX_IDS, MESSAGE

CONSUMER = "insights"
CHUNK = 99  # items per transaction, with the chunk's mark: DynamoDB's limit is 100
ATTEMPTS = 5  # re-reads of a chunk whose sketch another aggregator wrote meanwhile
# A sketch stays in its counts' item up to this size (an item under 1 KB costs the least to
# write); past it, it goes to the item's reach item and is written only when it changes.
INLINE_BYTES = 768

type Key = tuple[str, str]


@dataclass(frozen=True)
class Line:
    """One `served` log line."""

    day: str  # the UTC day of the log event
    viewer: str
    posts: tuple[str, ...] = ()
    stories: tuple[str, ...] = ()
    profile: str | None = None  # a username
    replied_story: str | None = None


@dataclass
class Change:
    counts: Counter[str] = field(default_factory=Counter)
    viewers: set[str] = field(default_factory=set)
    days: set[str] = field(default_factory=set)


@dataclass
class Applied:
    """What one batch did (the handler logs it; tests and the benchmark read it)."""

    lines: int = 0
    impressions: int = 0
    chunks: int = 0
    duplicates: int = 0  # chunks applied before (their mark existed)
    conflicts: int = 0  # chunks read again because a sketch moved under them
    items_written: int = 0
    bytes_written: int = 0  # sketch bytes and counters, as sent
    reads: int = 0  # items read (authors, owners, current sketches)


def parse(timestamp_ms: int, message: str) -> Line | None:
    """The `served` line in a log event's message, or None for any other line."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("message") != MESSAGE:
        return None
    served = data.get("served")
    if not isinstance(served, dict) or not _is_id(served.get("viewer")):
        return None
    day = datetime.fromtimestamp(timestamp_ms / 1000, UTC).date().isoformat()
    line = Line(
        day=day,
        viewer=served["viewer"],
        posts=_ids(served.get("posts")),
        stories=_ids(served.get("stories")),
        profile=served["profile"] if _is_id(served.get("profile")) else None,
        replied_story=served["replied_story"] if _is_id(served.get("replied_story")) else None,
    )
    return line if line.posts or line.stories or line.profile or line.replied_story else None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v for v in value[:MAX_IDS] if _is_id(v)))


def batch_id(source: str, event_ids: Iterable[str]) -> str:
    """A delivery's identity: its log group and stream and its log events' ids (the same
    events delivered again make the same id)."""
    digest = hashlib.sha256(source.encode())
    for event_id in sorted(event_ids):
        digest.update(b"\0" + event_id.encode())
    return digest.hexdigest()[:40]


# ---------------------------------------------------------------------- what a batch adds
@dataclass
class _Owners:
    posts: dict[str, str]
    stories: dict[str, str]
    users: dict[str, str]  # username → user id


def _owners(lines: Sequence[Line], applied: Applied) -> _Owners:
    posts = {p for line in lines for p in line.posts}
    stories = {s for line in lines for s in (*line.stories, line.replied_story) if s}
    names = {line.profile for line in lines if line.profile}
    requests = [
        *((Post, (post_pk(p), POST)) for p in posts),
        *((Story, (story_pk(s), STORY)) for s in stories),
        *((UniqueClaim, (username_pk(n), CLAIM)) for n in names),
    ]
    fetched = get_many(requests) if requests else None
    applied.reads += len(requests)
    owners = _Owners({}, {}, {})
    if fetched is None:
        return owners
    for p in posts:
        if (post := fetched.get(Post, (post_pk(p), POST))) is not None:
            owners.posts[p] = post.author_id
    for s in stories:
        if (story := fetched.get(Story, (story_pk(s), STORY))) is not None:
            owners.stories[s] = story.owner_id
    for n in names:
        claim = fetched.get(UniqueClaim, (username_pk(n), CLAIM))
        if claim is not None and claim.state == "active" and claim.user_id:
            owners.users[n] = str(claim.user_id)
    return owners


def changes(lines: Sequence[Line], applied: Applied | None = None) -> dict[Key, Change]:
    """What the lines add to each item (authors' own views left out)."""
    applied = applied if applied is not None else Applied()
    owners = _owners(lines, applied)
    found: dict[Key, Change] = {}

    def change(key: Key) -> Change:
        return found.setdefault(key, Change())

    for line in lines:
        viewer = line.viewer
        for kind, ids, owner_of in (
            ("post", line.posts, owners.posts),
            ("story", line.stories, owners.stories),
        ):
            for item_id in ids:
                owner = owner_of.get(item_id)
                if owner is None or owner == viewer:
                    continue
                total = change(post_key(item_id) if kind == "post" else story_key(item_id))
                total.counts["impressions"] += 1
                total.viewers.add(viewer)
                if kind == "post":
                    total.days.add(line.day)
                day = change(account_day_key(owner, line.day))
                day.counts["impressions"] += 1
                day.viewers.add(viewer)
                applied.impressions += 1
        visited = owners.users.get(line.profile) if line.profile else None
        if visited is not None and visited != viewer:
            change(account_day_key(visited, line.day)).counts["profile_views"] += 1
        replied = owners.stories.get(line.replied_story) if line.replied_story else None
        if line.replied_story and replied is not None and replied != viewer:
            change(story_key(line.replied_story)).counts["replies"] += 1
    return found


# ---------------------------------------------------------------------- writing
def apply(batch: str, lines: Sequence[Line]) -> Applied:
    """Add a batch's lines to the Insights table, each chunk of items once (per `batch`)."""
    applied = Applied(lines=len(lines))
    found = changes(lines, applied)
    keys = sorted(found)
    for index, start in enumerate(range(0, len(keys), CHUNK)):
        chunk = {key: found[key] for key in keys[start : start + CHUNK]}
        _apply_chunk(f"{batch}:{index}", chunk, applied)
    return applied


class SketchContention(Exception):
    """A chunk's sketches kept moving under it: the batch fails and comes back."""


def _apply_chunk(mark: str, chunk: dict[Key, Change], applied: Applied) -> None:
    for _attempt in range(ATTEMPTS):
        reached = [key for key, change in chunk.items() if change.viewers]
        wanted = [(InsightItem, k) for key in reached for k in (key, reach_key(key))]
        current = get_many(wanted, consistent=True) if wanted else Fetched()
        applied.reads += len(wanted)
        written = 0
        inline: dict[Key, tuple[list[Action], Any]] = {}  # sketch actions on a counts' item
        try:
            for key in reached:
                item = current.get(InsightItem, key)
                reach = current.get(InsightItem, reach_key(key))
                actions, condition, sent = _sketch(key, chunk[key].viewers, item, reach)
                inline[key] = (actions, condition)
                written += sent
            with transaction() as tx:
                tx.save(
                    applied_mark(CONSUMER, mark),
                    condition=AppliedEvent.id.does_not_exist(),
                    name="mark",
                )
                for index, (key, change) in enumerate(chunk.items()):
                    actions, size = _counts(key, change)
                    more, condition = inline.get(key, ([], None))
                    tx.update(
                        InsightItem(*key),
                        actions=actions + more,
                        condition=condition,
                        name=f"{index}",
                    )
                    written += size
        except (ConditionFailed, _SketchMoved) as exc:
            if isinstance(exc, ConditionFailed) and "mark" in exc.names:
                applied.duplicates += 1
                return
            applied.conflicts += 1
            continue
        applied.chunks += 1
        applied.items_written += len(chunk)
        applied.bytes_written += written
        return
    raise SketchContention(f"chunk {mark} lost {ATTEMPTS} races for its sketches")


class _SketchMoved(Exception):
    """A reach item's sketch was written by another aggregator since it was read."""


def _sketch(
    key: Key, viewers: set[str], item: InsightItem | None, reach: InsightItem | None
) -> tuple[list[Action], Any, int]:
    """The item's sketch, as read, with `viewers` merged in: kept in its counts' item while it
    is small (returned: the actions on that item in the chunk's transaction and their
    condition), else written to its reach item now, if that changed it (a sketch the counts'
    item still holds is then taken off it, as read); and the sketch bytes sent."""
    sketch = Sketch.from_bytes(item.sketch if item is not None else None)
    sketch.merge(Sketch.from_bytes(reach.sketch if reach is not None else None))
    sketch.merge(Sketch.of(viewers))
    stored = sketch.to_bytes()
    held = item.sketch if item is not None else None
    if reach is None and len(stored) <= INLINE_BYTES:
        if held == stored:
            return [], None, 0
        actions: list[Action] = [InsightItem.sketch.set(stored), InsightItem.version.add(1)]
        return actions, _as_read(item), len(stored)
    sent = 0
    if reach is None or reach.sketch != stored:
        reach_actions: list[Action] = [
            InsightItem.sketch.set(stored),
            InsightItem.version.add(1),
            InsightItem.expires_at.set(expiry_of(*reach_key(key))),
        ]
        condition = _as_read(reach)
        if not conditionally(lambda: InsightItem(*reach_key(key)).update(reach_actions, condition)):
            raise _SketchMoved()
        sent = len(stored)
    if held is None:
        return [], None, sent
    return [InsightItem.sketch.remove(), InsightItem.version.remove()], _as_read(item), sent


def _as_read(item: InsightItem | None) -> Any:
    """A condition that the item's sketch is the one read (its version)."""
    version = int(item.version or 0) if item is not None else 0
    if version:
        return InsightItem.version == version
    return InsightItem.version.does_not_exist() | (InsightItem.version == 0)


def _counts(key: Key, change: Change) -> tuple[list[Any], int]:
    """The actions for one counts' item, and the bytes sent."""
    actions: list[Any] = [InsightItem.expires_at.set(expiry_of(*key))]
    size = 8
    for name, n in change.counts.items():
        actions.append(getattr(InsightItem, name).add(n))
        size += 8
    if change.days:
        actions.append(InsightItem.days.add(change.days))
        size += 11 * len(change.days)
    return actions, size
