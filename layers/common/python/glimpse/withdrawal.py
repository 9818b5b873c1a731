"""A deleted account's likes, comments and follows leave others' counts while it waits to be
erased, and come back if it is restored: the engine each aggregate's withdrawal uses.

API.md: a deleted account disappears at once from every count. Counts are sums of events
(glimpse.counters), so its contributions leave them through events too. On `account_deleted`
each aggregate pages through what the account added to others' counts (its likes and comments:
glimpse.posts.withdrawal; its follows both ways: glimpse.graph.withdrawal), and per page, in one
transaction, marks each item (`withdrawn_at`; a follow edge has a mark per side, since it is
in two counts: `follower_gone_at`, `followee_gone_at`), emits `counts_withdrawn` listing them,
and checks that the account is still deleted. `account_restored` does the reverse
(`counts_returned`, the marks removed) while the account is still there. A page whose check
fails stops its job: the other event's job finds the marks as they are.

Erasure, and anyone's unlike or unfollow, removes an item with its event flagged for each count
it left already (the counters leave that count alone), conditioned on the marks as read
(`as_read`): whichever runs first, each item leaves each count once. A re-delivered page finds
its items marked and writes nothing. A count change aimed at a profile that is aside (another
deleted account's) waits on that account's deleted item and is added on restore
(glimpse.counters.service).

What each page costs: a Query (keys), a BatchGetItem (consistent), and one transaction of up
to `PAGE` items + the check + the event: likes, comments and follow edges (the account's, or
the follow edges of those who follow it) and the outbox, never a post or profile item: the
counters batch the deltas as for any event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from glimpse import events
from glimpse.jobs import Job, Send, Stats, resume
from glimpse.models.base import Model, get_or_none
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk
from glimpse.reactions import Reaction, Table

PAGE = 40  # items per page: one transaction with the check and the event (limit 100)
ATTEMPTS = 3  # a page's transaction, less the items that changed meanwhile


@dataclass(frozen=True, kw_only=True)
class Withdrawal(Job):
    """One aggregate's withdrawal (or, `returning`, return) of one account's contributions."""

    aggregate: ClassVar[str]
    user_id: str
    returning: bool


@dataclass(frozen=True)
class Contribution:
    """An item that adds to another's count, as read: a like, a comment or a follow edge."""

    item: Any  # a Model with the `mark` attribute
    # the event's list it goes in: liked | commented | following | followers | replied |
    # comment_liked
    counts: str
    target: str  # the post or account whose count it is in
    mark: str = "withdrawn_at"  # the attribute that says this count is without it

    @property
    def withdrawn(self) -> bool:
        return is_withdrawn(self.item, self.mark)


type Pages = Callable[[str | None], tuple[list[Contribution], str | None]]


def table(owner: str, steps: Mapping[type[Withdrawal], Callable[[Any, Send], Stats]]) -> Table:
    """An aggregate's withdrawal table: `account_deleted` starts each job, `account_restored`
    starts it returning (as do a suspension and its end), and continuations run the same step."""
    leaving = tuple(_starts(job, step, False) for job, step in steps.items())
    returning = tuple(_starts(job, step, True) for job, step in steps.items())
    # A suspended account is hidden as a deleted one is (glimpse.moderation.suspension).
    reactions: dict[type[events.Event], tuple[Reaction, ...]] = {
        events.AccountDeleted: leaving,
        events.AccountSuspended: leaving,
        events.AccountRestored: returning,
        events.AccountUnsuspended: returning,
    }
    jobs: dict[type[Job], Callable[[Any, Send], Stats]] = dict(steps.items())
    return Table(owner=owner, reactions=reactions, jobs=jobs)


def _starts(job: type[Withdrawal], step: Callable[[Any, Send], Stats], returning: bool) -> Reaction:
    def react(event: Any, send: Send) -> Stats:  # an account's leaving or return
        return step(job(event_id=event.event_id, user_id=event.user_id, returning=returning), send)

    return react


def as_read(model: type[Model], item: Any, marks: tuple[str, ...] = ("withdrawn_at",)) -> Any:
    """A condition that the item's withdrawal marks are still as read (for its removal)."""
    condition = None
    for mark in marks:
        attribute, value = getattr(model, mark), getattr(item, mark)
        held = attribute.does_not_exist() if value is None else attribute == value
        condition = held if condition is None else condition & held
    return condition


def is_withdrawn(item: Any, mark: str = "withdrawn_at") -> bool:
    return getattr(item, mark) is not None


def run(job: Withdrawal, pages: Pages, send: Send) -> Stats:
    """One page of the account's contributions, withdrawn (or returned) and the rest queued;
    nothing once the account is no longer in the state the job is for."""
    if not _still(job):
        return Stats(notes=["the account was restored or erased meanwhile: stopped"])
    found, after = pages(job.after)
    todo = [c for c in found if c.withdrawn == job.returning]
    done = _commit(job, todo) if todo else 0
    if done < 0:
        return Stats(notes=["the account was restored or deleted meanwhile: stopped"])
    stats = Stats(written=done)
    if after is not None:
        resume(job, after, send, stats)
    return stats


def _still(job: Withdrawal) -> bool:
    if job.returning:
        return get_or_none(UserProfile, user_pk(job.user_id), PROFILE) is not None
    return get_or_none(DeletedProfile, user_pk(job.user_id), DELETED) is not None


def _commit(job: Withdrawal, todo: list[Contribution]) -> int:
    """The marks, the event and the account's check in one transaction; items that changed
    meanwhile (named by the cancellation) are left out and the rest tried again. Returns how
    many were marked, or -1 when the account's state changed."""
    moment = time.time()
    for _ in range(ATTEMPTS):
        if not todo:
            return 0
        try:
            with transaction() as tx:
                _check_account(tx, job)
                for index, found in enumerate(todo):
                    model = type(found.item)
                    mark = getattr(model, found.mark)
                    condition = model.pk.exists() & as_read(model, found.item, (found.mark,))
                    action = mark.remove() if job.returning else mark.set(moment)
                    tx.update(found.item, actions=[action], condition=condition, name=f"i{index}")
                tx.emit(_event(job, todo))
            return len(todo)
        except ConditionFailed as exc:
            if "account" in exc.names:
                return -1
            changed = {int(name[1:]) for name in exc.names if name.startswith("i")}
            if not changed:
                raise
            todo = [c for i, c in enumerate(todo) if i not in changed]
    raise RuntimeError("contributions kept changing; the message is retried")


def _check_account(tx: Any, job: Withdrawal) -> None:
    if job.returning:
        tx.condition_check(
            UserProfile, user_pk(job.user_id), PROFILE, UserProfile.pk.exists(), name="account"
        )
    else:
        tx.condition_check(
            DeletedProfile,
            user_pk(job.user_id),
            DELETED,
            DeletedProfile.pk.exists(),
            name="account",
        )


def _event(job: Withdrawal, todo: list[Contribution]) -> events.Event:
    lists: dict[str, list[str]] = {
        "liked": [],
        "commented": [],
        "following": [],
        "followers": [],
        "replied": [],
        "comment_liked": [],
    }
    for found in todo:
        lists[found.counts].append(found.target)
    kind = events.CountsReturned if job.returning else events.CountsWithdrawn
    return kind(user_id=job.user_id, **lists)
