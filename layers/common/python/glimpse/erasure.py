"""Erasing an account, a page at a time: the engine every aggregate's erasure uses.

When the grace period of a deleted account ends, `account_erased` reaches the eraser's queue;
each aggregate reacts with its own `Erasure` job (glimpse.<domain>.erasure): a page of what it
holds of the account, found by a query (`Pages`), removed (`Remove`), the rest queued, and what
it removed counted in the account's erasure report (glimpse.models.erasure). Removing the same
page twice removes nothing more, so a re-delivered job leaves the same state; the eraser keys
Powertools Idempotency on (`type`, `event_id`, `after`) so a job's count is added once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from glimpse import events
from glimpse.jobs import Job, Send, Stats, resume
from glimpse.models import erasure as report
from glimpse.models.base import Model
from glimpse.models.batch import write_many
from glimpse.reactions import Reaction, Table


@dataclass(frozen=True, kw_only=True)
class Erasure(Job):
    """One aggregate's erasure of one account (subclasses set `type` and `aggregate`)."""

    aggregate: ClassVar[str]
    user_id: str


def table(owner: str, steps: Mapping[type[Erasure], Callable[[Any, Send], Stats]]) -> Table:
    """An aggregate's erasure table: `account_erased` starts each of its jobs (the first
    page of `steps[job]`), and each job's continuations run the same step."""
    jobs: dict[type[Job], Callable[[Any, Send], Stats]] = {}
    for job, step in steps.items():
        jobs[job] = step
    return Table(
        owner=owner,
        reactions={events.AccountErased: tuple(_starts(job, step) for job, step in steps.items())},
        jobs=jobs,
    )


def _starts(job: type[Erasure], step: Callable[[Any, Send], Stats]) -> Reaction:
    def react(event: events.AccountErased, send: Send) -> Stats:
        return step(job(event_id=event.event_id, user_id=event.user_id), send)

    return react


def keys_of(items: Iterable[Model]) -> list[tuple[str, str]]:
    """The (`pk`, `sk`) of each item a query found."""
    return [(str(i.pk), str(i.sk)) for i in items]  # type: ignore[attr-defined]


def next_page(after: str | None, found: int, size: int) -> str | None:
    """Where the next page goes on after one that found `found` of at most `size`: removed
    items leave their query, so every page starts from the top, and `after` only counts pages
    (each job's idempotency key differs from the last); None when that was the last."""
    return str(int(after or 0) + 1) if found >= size else None


type Pages[T] = Callable[[str | None], tuple[list[T], str | None]]  # after -> (page, next)
type Remove[T] = Callable[[list[T]], int]  # a page -> items and objects removed


def keys_found(find: Callable[[], Iterable[Model]], size: int) -> Pages[tuple[str, str]]:
    """Pages of the keys `find` returns (a query of at most `size` items), each from the
    top of what is left."""

    def pages(after: str | None) -> tuple[list[tuple[str, str]], str | None]:
        keys = keys_of(find())
        return keys, next_page(after, len(keys), size)

    return pages


def erase_pages[T](job: Erasure, pages: Pages[T], remove: Remove[T], send: Send) -> Stats:
    """One page of what `job`'s aggregate holds of the account, removed and counted; the
    rest queued."""
    page, after = pages(job.after)
    removed = remove(page) if page else 0
    stats = Stats(deleted=removed)
    if removed:
        report.add(job.user_id, job.aggregate, removed)
    if after is not None:
        resume(job, after, send, stats)
    return stats


def sweep(job: Erasure, model: type[Model], pk: str, send: Send, size: int = 1000) -> Stats:
    """Every item of one partition the account owns (its feed, its notifications), `size`
    per invocation (BatchWriteItem, 25 per request)."""

    pages = keys_found(lambda: model.query(pk, limit=size, attributes_to_get=["pk", "sk"]), size)

    def remove(keys: list[tuple[str, str]]) -> int:
        write_many(model, deletes=keys)
        return len(keys)

    return erase_pages(job, pages, remove, send)
