"""Reaction tables of the feed-jobs queue: what an aggregate does when a domain event
arrives, as data.

Each aggregate on that queue (posts, feed, stories, graph) declares one `Table` in its
`reactions` module, `REACTIONS`: event type → the functions that react to it, continuation
type → the step that goes on with it (glimpse.jobs), and, where a row applies to some events
of its type only, the predicate that says which (`when`: a follow, not a request). The
fanout function runs them through a `Router` (glimpse.consumers.feed_jobs), so a new reaction
is one function and one row, and the queue's SNS filter policy is the union of the tables'
event types (a test holds template.yaml to it). The counters' and the notifier's tables have
rows of their own shape (glimpse.counters.reactions, glimpse.notifications.reactions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from glimpse import events
from glimpse.jobs import Job, Send, Stats

type Reaction = Callable[[Any, Send], Stats]  # (the event, where continuations go)
type Step = Callable[[Any, Send], Stats]  # (the job, where continuations go)


@dataclass(frozen=True)
class Table:
    """One aggregate's reactions on one queue."""

    owner: str  # the domain package
    reactions: Mapping[type[events.Event], tuple[Reaction, ...]]
    jobs: Mapping[type[Job], Step] = field(default_factory=dict)
    when: Mapping[type[events.Event], Callable[[Any], bool]] = field(default_factory=dict)

    def event_types(self) -> set[str]:
        return {events.type_of(cls) for cls in self.reactions}

    def row(self, event: events.Event) -> tuple[Reaction, ...]:
        """What this aggregate does with `event` (nothing if its row's `when` says no)."""
        row = self.reactions.get(type(event), ())
        applies = self.when.get(type(event))
        return row if applies is None or applies(event) else ()


# Rows of follow events that apply to follows, not to pending requests.
FOLLOWS_ONLY: Mapping[type[events.Event], Callable[[Any], bool]] = {
    events.FollowCreated: attrgetter("is_follow"),
    events.FollowRemoved: attrgetter("was_follow"),
}


@dataclass(frozen=True)
class Router:
    """The tables a consumer runs, indexed by event type and job type."""

    tables: Sequence[Table]

    def event_types(self) -> set[str]:
        return set().union(*(table.event_types() for table in self.tables))

    def reactions(self, event: events.Event) -> list[Reaction]:
        return [reaction for table in self.tables for reaction in table.row(event)]

    def step(self, message: Mapping[str, Any]) -> tuple[Job, Step] | None:
        """The continuation `message` carries and the function that goes on with it."""
        for table in self.tables:
            for cls, step in table.jobs.items():
                if cls.type == message.get("type"):
                    return cls.of(message), step
        return None

    def run(self, message: Mapping[str, Any], send: Send) -> Stats:
        """One queue message: a continuation, or else a domain event (pydantic refuses
        anything else, and the message fails alone)."""
        found = self.step(message)
        if found is not None:
            job, step = found
            return step(job, send)
        return self.on_event(events.parse_obj(message), send)

    def on_event(self, event: events.Event, send: Send) -> Stats:
        """Every reaction of every table, in table order; what they did, together."""
        return combined(reaction(event, send) for reaction in self.reactions(event)) or Stats(
            notes=[f"nothing to do for {events.type_of(type(event))}"]
        )


def combined(results: Iterable[Stats]) -> Stats | None:
    total: Stats | None = None
    for stats in results:
        total = stats if total is None else total.add(stats)
    return total
