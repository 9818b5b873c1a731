"""Continuations and the follower-spread engine: long work done a page per invocation.

A reaction that cannot finish in one invocation (a post into 100,000 feeds, a story into as
many trays, a deleted post's 5,000 likes) does one page and sends the rest to its own queue
as a `Job`: a frozen dataclass naming the fact it continues (`event_id`) and where to go on
(`after`). On the queue a job is a flat JSON object with its `type`, so its idempotency key
(`type`, `event_id`, `after`) is the same however often it is delivered.

A job counts the pages it chained through its queue (`hop`, absent on the first): Lambda's
recursive-loop detection would stop a chain of more than 16 invocations of one function through
one queue, so the functions that continue through their own queue run with `RecursiveLoop:
Allow` (template.yaml), and `resume` is their guard instead: a job that reaches `HOP_BUDGET`
pages is not sent on; the invocation says so (`Stats.stopped`: an error log and the
`ContinuationsStopped` metric, which alarms; docs/operations.md).

`spread` is the one engine every fan-out uses: a page of an owner's edges (followers, close
friends, pending requests), what the caller does with it, then the rest queued. Each job is
defined next to the reaction that starts it, in its aggregate, and registered in that
aggregate's table (glimpse.<domain>.reactions); consumers route by the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Self

from glimpse.models.graph import FOLLOWER, edge_page

PAGE = 1000  # readers per invocation: 40 BatchWriteItem requests at most
# Pages one job may chain through its queue: 10 million followers at PAGE a page, far beyond
# any spread Glimpse makes (celebrities' posts are pulled, not spread) and any account's
# likes, comments or messages a page at a time; a chain that gets here is a bug looping.
HOP_BUDGET = 10_000

type Send = Callable[[list[dict[str, Any]]], None]


@dataclass
class Stats:
    """What one invocation did (the logs, the benchmarks and tests read it)."""

    followers: int = 0
    written: int = 0
    deleted: int = 0
    write_requests: int = 0
    trimmed: int = 0
    continued: bool = False
    stopped: bool = False  # a continuation was not sent: its job reached HOP_BUDGET
    notes: list[str] = field(default_factory=list)

    def add(self, other: Stats) -> Stats:
        """Both together: counts summed, notes in order (reactions to one event)."""
        return Stats(
            followers=self.followers + other.followers,
            written=self.written + other.written,
            deleted=self.deleted + other.deleted,
            write_requests=self.write_requests + other.write_requests,
            trimmed=self.trimmed + other.trimmed,
            continued=self.continued or other.continued,
            stopped=self.stopped or other.stopped,
            notes=[*self.notes, *other.notes],
        )


@dataclass(frozen=True, kw_only=True)
class Job:
    """A continuation: subclasses (frozen, keyword-only) add what the next invocation needs
    and set `type`. Every field but `after` is required: a message that lacks one fails (and,
    after its retries, rests in the queue's DLQ) rather than running with a made-up value."""

    type: ClassVar[str]
    event_id: str
    after: str | None = None
    hop: int = 0  # pages chained before this one (not part of the idempotency key)

    def message(self) -> dict[str, Any]:
        """The queue message: `type` first, then the fields (no `after` before the first page,
        no `hop` on it either)."""
        body = {key: value for key, value in asdict(self).items() if value is not None}
        if not self.hop:
            body.pop("hop")
        return {"type": self.type, **body}

    @classmethod
    def of(cls, message: Mapping[str, Any]) -> Self:
        """The job a message carries (keys beyond its fields, `type` among them, are not its);
        raises TypeError if the message lacks a field."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in message.items() if key in names})


def resume(job: Job, after: str, send: Send, stats: Stats) -> None:
    """The rest of `job` to its queue, to go on after `after`; not when the job has chained
    HOP_BUDGET pages already (`stats.stopped`: the chain ends here, loudly)."""
    hop = int(job.hop) + 1
    if hop >= HOP_BUDGET:
        stats.stopped = True
        unsent = json.dumps(replace(job, after=after, hop=0).message(), separators=(",", ":"))
        stats.notes.append(f"stopped after {hop} pages; to go on, queue {unsent}")
        return
    send([replace(job, after=after, hop=hop).message()])
    stats.continued = True


@dataclass(frozen=True)
class Audience:
    """Whose edges a spread walks: `owner_id`'s edges of each of `kinds`, in that order."""

    owner_id: str
    kinds: tuple[str, ...] = (FOLLOWER,)


@dataclass(frozen=True)
class Readers:
    """One page of an audience: the kind of edge it walked and the ids at their far ends."""

    kind: str
    ids: list[str]


def spread(
    job: Job,
    audience: Audience,
    act: Callable[[Readers], Stats],
    send: Send,
    size: int | None = None,
    then: Callable[[Readers], Stats] | None = None,
) -> Stats:
    """One page of the audience, acted on (`act` says what it did), then the rest queued, then
    `then` (checks after the page that must not hold the rest back: if one fails, the message
    is retried, and the next page is on its way already). `after` is the edge sort key the last
    page ended on, so it names its kind too (`FOLLOWER#<id>`); the next kind starts with its
    bare prefix (`CLOSE#`). No `after`: the first kind, from the top. `size`: readers per page
    (PAGE unless told)."""
    after, kinds = job.after, audience.kinds
    kind = next((k for k in kinds if after and after.startswith(k)), kinds[0])
    ids, next_after = edge_page(audience.owner_id, kind, after, size or PAGE)
    page = Readers(kind, ids)
    stats = act(page)
    if next_after is not None:
        resume(job, next_after, send, stats)
    elif kind != kinds[-1]:
        resume(job, kinds[kinds.index(kind) + 1], send, stats)
    return stats.add(then(page)) if then is not None else stats
