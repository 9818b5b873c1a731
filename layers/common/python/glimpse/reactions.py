"""Reaction tables: what an aggregate does when a domain event arrives, as data.

Each domain package declares one table in its `reactions` module: `REACTIONS` maps an event
type to the functions that react to it, and `JOBS` names the continuations (glimpse.jobs) its
reactions send to their queue. A consumer runs the tables of the aggregates on its queue
(glimpse.consumers), so a new reaction is one function and one row, and the queue's SNS
filter policy is the union of the tables' event types (a test holds template.yaml to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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

    def event_types(self) -> set[str]:
        return {_type_of(cls) for cls in self.reactions}


def _type_of(cls: type[events.Event]) -> str:
    return str(cls.model_fields["type"].default)


@dataclass(frozen=True)
class Router:
    """The tables a consumer runs, indexed by event type and job type."""

    tables: Sequence[Table]

    def event_types(self) -> set[str]:
        return set().union(*(table.event_types() for table in self.tables))

    def reactions(self, event: events.Event) -> list[Reaction]:
        return [
            reaction
            for table in self.tables
            for cls, row in table.reactions.items()
            if isinstance(event, cls)
            for reaction in row
        ]

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
            notes=[f"nothing to do for {_type_of(type(event))}"]
        )


def combined(results: Iterable[Stats]) -> Stats | None:
    total: Stats | None = None
    for stats in results:
        total = stats if total is None else total.add(stats)
    return total
