"""The celebrity set: each reader's followed accounts above CelebrityFollowerThreshold, whose
posts and stories are merged in at read time instead of pushed (glimpse.models.feed keeps the
item; this module is its only writer).

A follow of a celebrity adds it in the follow's own transaction and an unfollow removes it;
`celebrity_reached` (the counters consumer promotes an account) adds it to every follower's set,
a page per invocation. Each add is checked against the follow edge afterwards: an unfollow that
committed meanwhile takes it out again.
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import events
from glimpse.graph.access import following
from glimpse.jobs import Audience, Job, Readers, Send, Stats, spread
from glimpse.models.base import get_or_none
from glimpse.models.feed import FeedItem, celebrity_set
from glimpse.models.transactions import Transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk


def is_celebrity(user_id: str) -> bool:
    author = get_or_none(UserProfile, user_pk(user_id), PROFILE)
    return author is not None and bool(author.is_celebrity)


def add_in(tx: Transaction, reader_id: str, celebrity_id: str) -> None:
    """In a follow's transaction: the celebrity joins the reader's set."""
    tx.update(celebrity_set(reader_id), actions=[FeedItem.celebrity_ids.add({celebrity_id})])


def remove_in(tx: Transaction, reader_id: str, celebrity_id: str) -> None:
    """In an unfollow's transaction: the account leaves the reader's set (if it was there)."""
    tx.update(celebrity_set(reader_id), actions=[FeedItem.celebrity_ids.delete({celebrity_id})])


def join(reader_ids: list[str], celebrity_id: str) -> int:
    """Add a celebrity to its followers' sets, then take it out of the sets of those who no
    longer follow it (an unfollow may have committed meanwhile): the same check before and
    after as a feed's back-fill and prune. Returns how many sets keep it."""
    for reader in reader_ids:
        celebrity_set(reader).update(actions=[FeedItem.celebrity_ids.add({celebrity_id})])
    kept = set(following(reader_ids, celebrity_id, consistent=True))
    for reader in reader_ids:
        if reader not in kept:
            celebrity_set(reader).update(actions=[FeedItem.celebrity_ids.delete({celebrity_id})])
    return len(kept)


@dataclass(frozen=True, kw_only=True)
class CelebritySpread(Job):
    """A new celebrity into its followers' sets."""

    type = "celebrity"
    author_id: str


def celebrity_reached(event: events.CelebrityReached, send: Send) -> Stats:
    return spread_celebrity(CelebritySpread(event_id=event.event_id, author_id=event.user_id), send)


def spread_celebrity(job: CelebritySpread, send: Send) -> Stats:
    def add(page: Readers) -> Stats:
        join(page.ids, job.author_id)
        return Stats(followers=len(page.ids))

    return spread(job, Audience(job.author_id), add, send)
