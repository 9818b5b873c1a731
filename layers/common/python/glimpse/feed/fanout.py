"""The fan-out consumer: what the fanout function does with each message of its queue.

Facts (domain events from the social-events topic, glimpse.events), by `type`:
- `post_created`: the post into the author's and every follower's feed, `PAGE` followers
  per invocation (accounts above the celebrity threshold are merged at read time instead);
- `post_deleted`: the post's likes and comments go (`CLEANUP_PAGE` per invocation), and its
  entries leave every feed;
- `follow_created` (status `following`) and `request_approved`: back-fill the reader's feed
  with the author's latest posts (or, for a celebrity, add it to the reader's celebrity set);
- `follow_removed` (status `following`): prune the author's entries from the reader's feed;
- `celebrity_reached`: the account joins its followers' celebrity sets;
- `account_made_public`: its pending follow requests are approved, `PENDING_PAGE` per
  invocation (graph work the feed needs at once: each approval back-fills a feed).

Continuations, sent by this module to its own queue so no invocation runs long, carry the
`event_id` of the fact they continue and where to go on (`after`):
`fanout` {post_id, author_id, action: add|remove}, `cleanup` {post_id}, `celebrity` {author_id},
`approve_pending` {user_id}.

Every write is a put or delete of a key derived from the message, or an ADD to a set, so
running a message twice leaves the same feeds; the handler also skips messages it has
completed (keyed on type, `event_id` and `after`). Events may come in any order: back-fill
and prune read the follow edge first, and check it again after writing.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glimpse import events
from glimpse.adapters.messaging import send_feed_jobs
from glimpse.graph import service as graph
from glimpse.models.base import get_or_none, start_after
from glimpse.models.batch import get_many, write_many
from glimpse.models.feed import (
    CELEBRITIES,
    FeedItem,
    author_prefix,
    author_sk,
    celebrity_set,
    feed_pk,
)
from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key, edge_page
from glimpse.models.posts import POST, Comment, Post, author_pk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk

PAGE = 1000  # followers per job: 40 BatchWriteItem requests at most
CLEANUP_PAGE = 1000  # likes and comments of a deleted post deleted per job
BACKFILL = 20  # posts copied into a feed on follow
FEED_CAP = 500  # entries a feed keeps
TRIM_SAMPLE = 100  # one write in this many (by a hash of reader and post) checks the cap

type Send = Callable[[list[dict[str, Any]]], None]


@dataclass
class Stats:
    """What a job did (the fan-out benchmark and the logs read it)."""

    followers: int = 0
    written: int = 0
    deleted: int = 0
    write_requests: int = 0
    trimmed: int = 0
    continued: bool = False
    notes: list[str] = field(default_factory=list)


def run(message: dict[str, Any], send: Send = send_feed_jobs) -> Stats:
    """Handle one message: a continuation, or else a domain event."""
    step = _STEPS.get(str(message.get("type")))
    if step is not None:
        return step(message, send)
    return on_event(events.parse_obj(message), send)


def on_event(event: events.DomainEvent, send: Send = send_feed_jobs) -> Stats:
    match event:
        case events.PostCreated():
            return _fanout(_job("fanout", event, action="add"), send)
        case events.PostDeleted():
            stats = _cleanup(_job("cleanup", event), send)
            removed = _fanout(_job("fanout", event, action="remove"), send)
            removed.deleted += stats.deleted
            removed.write_requests += stats.write_requests
            removed.continued |= stats.continued
            return removed
        case events.FollowCreated(status="following") | events.RequestApproved():
            return followed(event.follower_id, event.followee_id)
        case events.FollowRemoved(status="following"):
            return prune(event.follower_id, event.followee_id)
        case events.CelebrityReached():
            job = {"type": "celebrity", "event_id": event.event_id, "author_id": event.user_id}
            return _celebrity(job, send)
        case events.AccountMadePublic():
            job = {"type": "approve_pending", "event_id": event.event_id, "user_id": event.user_id}
            return _approve_pending(job, send)
    return Stats(notes=[f"nothing to do for {event.type}"])


def _job(kind: str, event: events.PostCreated | events.PostDeleted, **extra: str) -> dict[str, Any]:
    """A continuation of `event`: what the next invocation needs, and its idempotency key."""
    return {
        "type": kind,
        "event_id": event.event_id,
        "post_id": event.post_id,
        "author_id": event.author_id,
        **extra,
    }


# --------------------------------------------------------------------------- helpers
def _entry(reader_id: str, post_id: str, author_id: str) -> FeedItem:
    return FeedItem(
        feed_pk(reader_id), post_id, author_id=author_id, author_sk=author_sk(author_id, post_id)
    )


def _follower_page(author_id: str, after: str | None) -> tuple[list[str], str | None]:
    """One page of an author's followers (ids only) and where the next page starts."""
    return edge_page(author_id, FOLLOWER, after, PAGE)


def _sampled_for_trim(reader_id: str, post_id: str) -> bool:
    return zlib.crc32(f"{reader_id}:{post_id}".encode()) % TRIM_SAMPLE == 0


def trim(reader_id: str) -> int:
    """Delete a feed's entries beyond the newest FEED_CAP; returns how many went."""
    query = FeedItem.query(
        feed_pk(reader_id),
        FeedItem.sk < CELEBRITIES,
        scan_index_forward=False,
        attributes_to_get=["pk", "sk"],
    )
    surplus = [(item.pk, item.sk) for index, item in enumerate(query) if index >= FEED_CAP]
    if surplus:
        write_many(FeedItem, deletes=surplus)
    return len(surplus)


# --------------------------------------------------------------------------- post fan-out
def _continue(job: dict[str, Any], after: str, send: Send, stats: Stats) -> None:
    """The rest of `job` to this function's queue, to go on after `after`."""
    send([{**job, "after": after}])
    stats.continued = True


def _fanout(job: dict[str, Any], send: Send) -> Stats:
    post_id, author_id, action, after = (
        job["post_id"],
        job["author_id"],
        job["action"],
        job.get("after"),
    )
    stats = Stats()
    if action == "add" and get_or_none(Post, post_pk(post_id), POST) is None:
        stats.notes.append("post deleted before or during fan-out")
        return stats
    if after is None:  # first chunk: the author's own feed, and the celebrity short-cut
        own = _entry(author_id, post_id, author_id)
        if action == "add":
            stats.write_requests += write_many(FeedItem, puts=[own])
            author = get_or_none(UserProfile, user_pk(author_id), PROFILE)
            if author is not None and author.is_celebrity:
                stats.notes.append("celebrity: merged into feeds at read time")
                return stats
        else:
            stats.write_requests += write_many(FeedItem, deletes=[(own.pk, own.sk)])

    followers, next_after = _follower_page(author_id, after)
    stats.followers = len(followers)
    if action == "add":
        stats.write_requests += write_many(
            FeedItem, puts=[_entry(f, post_id, author_id) for f in followers]
        )
        stats.written = len(followers)
        for reader in followers:
            if _sampled_for_trim(reader, post_id):
                stats.trimmed += trim(reader)
    else:
        stats.write_requests += write_many(
            FeedItem, deletes=[(feed_pk(f), post_id) for f in followers]
        )
        stats.deleted = len(followers)
    if next_after is not None:
        _continue(job, next_after, send, stats)
    return stats


def _cleanup(job: dict[str, Any], send: Send) -> Stats:
    """A deleted post's likes and comments, `CLEANUP_PAGE` per invocation."""
    pk = post_pk(job["post_id"])
    start = start_after(pk, job.get("after"))
    query = Comment.query(
        pk, limit=CLEANUP_PAGE, last_evaluated_key=start, attributes_to_get=["pk", "sk"]
    )
    children = [(item.pk, item.sk) for item in query if item.sk != POST]
    stats = Stats()
    if children:
        stats.write_requests += write_many(Comment, deletes=children)
        stats.deleted = len(children)
    last = query.last_evaluated_key
    if last is not None:
        _continue(job, last["sk"]["S"], send, stats)
    return stats


# --------------------------------------------------------------------------- follow changes
def _follows(reader_id: str, author_id: str) -> bool:
    return get_or_none(Edge, *edge_key(reader_id, FOLLOWS, author_id)) is not None


def followed(reader_id: str, author_id: str) -> Stats:
    """A new follow: a celebrity joins the reader's celebrity set, anyone else is back-filled."""
    author = get_or_none(UserProfile, user_pk(author_id), PROFILE)
    if author is not None and author.is_celebrity:
        joined = join_celebrity_sets([reader_id], author_id)
        return Stats(notes=["celebrity: merged into the feed at read time"] if joined else [])
    return backfill(reader_id, author_id)


def join_celebrity_sets(reader_ids: list[str], author_id: str) -> int:
    """Add a celebrity to its followers' celebrity sets, then take it out of the sets of those
    who no longer follow it (an unfollow may have committed meanwhile): same check before and
    after as back-fill and prune. Returns how many sets keep it."""
    for reader in reader_ids:
        celebrity_set(reader).update(actions=[FeedItem.celebrity_ids.add({author_id})])
    keys = {reader: edge_key(reader, FOLLOWS, author_id) for reader in reader_ids}
    fetched = get_many([(Edge, key) for key in keys.values()], consistent=True)
    gone = [reader for reader, key in keys.items() if fetched.get(Edge, key) is None]
    for reader in gone:
        celebrity_set(reader).update(actions=[FeedItem.celebrity_ids.delete({author_id})])
    return len(reader_ids) - len(gone)


def backfill(reader_id: str, author_id: str) -> Stats:
    """The author's latest posts into the reader's feed, while the reader follows them.

    Checked before and after writing: an unfollow whose prune ran in between leaves no entry.
    """
    stats = Stats()
    if not _follows(reader_id, author_id):
        stats.notes.append("no longer following")
        return stats
    posts = Post.by_author.query(author_pk(author_id), scan_index_forward=False, limit=BACKFILL)
    entries = [_entry(reader_id, post.post_id, author_id) for post in posts]
    stats.write_requests = write_many(FeedItem, puts=entries)
    stats.written = len(entries)
    if not _follows(reader_id, author_id):
        undone = _remove_entries(reader_id, author_id)
        stats.deleted, stats.write_requests = (
            undone.deleted,
            stats.write_requests + undone.write_requests,
        )
        stats.notes.append("unfollowed meanwhile: removed again")
    return stats


def prune(reader_id: str, author_id: str) -> Stats:
    """An unfollow or a block: the author's entries leave the reader's feed, unless the reader
    follows the author again (checked before and after: a re-follow in between back-fills)."""
    if _follows(reader_id, author_id):
        return Stats(notes=["following again"])
    stats = _remove_entries(reader_id, author_id)
    if _follows(reader_id, author_id):
        again = backfill(reader_id, author_id)
        stats.written, stats.write_requests = (
            again.written,
            stats.write_requests + again.write_requests,
        )
        stats.notes.append("followed again meanwhile: back-filled again")
    return stats


def _remove_entries(reader_id: str, author_id: str) -> Stats:
    keys = [
        (item.pk, item.sk)
        for item in FeedItem.by_author.query(
            feed_pk(reader_id), FeedItem.author_sk.startswith(author_prefix(author_id))
        )
    ]
    return Stats(deleted=len(keys), write_requests=write_many(FeedItem, deletes=keys))


def _approve_pending(job: dict[str, Any], send: Send) -> Stats:
    """An account went public: its pending requests become follows, a page per invocation
    (each approval publishes `request_approved`, which back-fills that reader's feed)."""
    approved, next_after = graph.approve_pending(job["user_id"], job.get("after"))
    stats = Stats(notes=[f"{approved} requests approved"])
    if next_after is not None:
        _continue(job, next_after, send, stats)
    return stats


def _celebrity(job: dict[str, Any], send: Send) -> Stats:
    author_id = job["author_id"]
    stats = Stats()
    followers, next_after = _follower_page(author_id, job.get("after"))
    join_celebrity_sets(followers, author_id)
    stats.followers = len(followers)
    if next_after is not None:
        _continue(job, next_after, send, stats)
    return stats


# Continuations by their `type` (each sent by the step itself, with `after` set).
_STEPS: dict[str, Callable[[dict[str, Any], Send], Stats]] = {
    "fanout": _fanout,
    "cleanup": _cleanup,
    "celebrity": _celebrity,
    "approve_pending": _approve_pending,
}
