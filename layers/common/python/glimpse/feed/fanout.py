"""Feed jobs: what the fanout function does with each message of the feed-jobs queue.

Jobs (JSON), and who sends them:
- `post_created` / `post_deleted` {post_id, author_id}: the posts service, through SNS;
- `fanout` {post_id, author_id, action: add|remove, after}: this module, to continue a large
  audience in chunks of `PAGE` followers, so no invocation runs long;
- `backfill` / `prune` {reader_id, author_id}: the graph service on follow / unfollow, block;
- `celebrity` {author_id, after?}: an account passed the celebrity threshold: add it to its
  followers' celebrity sets (their feeds then merge its posts at read time).

Every write is a put or delete of a key derived from the job, or an ADD to a set, so running
a job twice leaves the same feeds; the handler also skips jobs it has already completed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist

from glimpse.adapters.messaging import send_feed_jobs
from glimpse.models.batch import write_many
from glimpse.models.feed import CELEBRITIES, FeedItem, author_sk, feed_pk
from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key, other_of
from glimpse.models.posts import POST, Comment, Post, author_pk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk

PAGE = 1000  # followers per job: 40 BatchWriteItem requests at most
BACKFILL = 20  # posts copied into a feed on follow
FEED_CAP = 500  # entries a feed keeps
TRIM_SAMPLE = 100  # one write in this many (by a hash of reader and post) checks the cap


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


def run(
    job: dict[str, Any], send: Callable[[list[dict[str, Any]]], None] = send_feed_jobs
) -> Stats:
    handlers: dict[str, Callable[[dict[str, Any], Callable[..., None]], Stats]] = {
        "post_created": lambda j, s: _fanout(j["post_id"], j["author_id"], "add", None, s),
        "post_deleted": _post_deleted,
        "fanout": lambda j, s: _fanout(
            j["post_id"], j["author_id"], j["action"], j.get("after"), s
        ),
        "backfill": lambda j, _s: backfill(j["reader_id"], j["author_id"]),
        "prune": lambda j, _s: prune(j["reader_id"], j["author_id"]),
        "celebrity": lambda j, s: _celebrity(j["author_id"], j.get("after"), s),
    }
    handler = handlers.get(str(job.get("type")))
    if handler is None:
        raise ValueError(f"unknown feed job {job.get('type')!r}")
    return handler(job, send)


# --------------------------------------------------------------------------- helpers
def _entry(reader_id: str, post_id: str, author_id: str) -> FeedItem:
    return FeedItem(
        feed_pk(reader_id), post_id, author_id=author_id, author_sk=author_sk(author_id, post_id)
    )


def _follower_page(author_id: str, after: str | None) -> tuple[list[str], str | None]:
    """One page of an author's followers (ids only) and where the next page starts."""
    start = {"pk": {"S": user_pk(author_id)}, "sk": {"S": after}} if after else None
    query = Edge.query(
        user_pk(author_id),
        Edge.sk.startswith(FOLLOWER),
        limit=PAGE,
        last_evaluated_key=start,
        attributes_to_get=["pk", "sk"],
    )
    ids = [other_of(edge.sk) for edge in query]
    last = query.last_evaluated_key
    return ids, (last["sk"]["S"] if last and len(ids) == PAGE else None)


def _exists(model: type[Any], pk: str, sk: str) -> Any:
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


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
def _fanout(
    post_id: str,
    author_id: str,
    action: str,
    after: str | None,
    send: Callable[[list[dict[str, Any]]], None],
) -> Stats:
    stats = Stats()
    if action == "add" and _exists(Post, post_pk(post_id), POST) is None:
        stats.notes.append("post deleted before or during fan-out")
        return stats
    if after is None:  # first chunk: the author's own feed, and the celebrity short-cut
        own = _entry(author_id, post_id, author_id)
        if action == "add":
            stats.write_requests += write_many(FeedItem, puts=[own])
            author = _exists(UserProfile, user_pk(author_id), PROFILE)
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
        send(
            [
                {
                    "type": "fanout",
                    "post_id": post_id,
                    "author_id": author_id,
                    "action": action,
                    "after": next_after,
                }
            ]
        )
        stats.continued = True
    return stats


def _post_deleted(job: dict[str, Any], send: Callable[[list[dict[str, Any]]], None]) -> Stats:
    """Likes and comments of the post go, then its entries in every feed (in chunks)."""
    post_id = job["post_id"]
    children = [
        (item.pk, item.sk)
        for item in Comment.query(post_pk(post_id), attributes_to_get=["pk", "sk"])
        if item.sk != POST
    ]
    stats = Stats()
    if children:
        stats.write_requests += write_many(Comment, deletes=children)
    removed = _fanout(post_id, job["author_id"], "remove", None, send)
    removed.write_requests += stats.write_requests
    return removed


# --------------------------------------------------------------------------- follow changes
def _follows(reader_id: str, author_id: str) -> bool:
    return _exists(Edge, *edge_key(reader_id, FOLLOWS, author_id)) is not None


def backfill(reader_id: str, author_id: str) -> Stats:
    """A new follow: the author's latest posts into the reader's feed (if still following)."""
    stats = Stats()
    if not _follows(reader_id, author_id):
        stats.notes.append("no longer following")
        return stats
    posts = Post.by_author.query(author_pk(author_id), scan_index_forward=False, limit=BACKFILL)
    entries = [_entry(reader_id, post.post_id, author_id) for post in posts]
    stats.write_requests = write_many(FeedItem, puts=entries)
    stats.written = len(entries)
    return stats


def prune(reader_id: str, author_id: str) -> Stats:
    """An unfollow or a block: the author's entries leave the reader's feed (unless re-followed)."""
    stats = Stats()
    if _follows(reader_id, author_id):
        stats.notes.append("following again")
        return stats
    keys = [
        (item.pk, item.sk)
        for item in FeedItem.by_author.query(
            feed_pk(reader_id), FeedItem.author_sk.startswith(f"{author_id}#")
        )
    ]
    stats.write_requests = write_many(FeedItem, deletes=keys)
    stats.deleted = len(keys)
    return stats


def _celebrity(
    author_id: str, after: str | None, send: Callable[[list[dict[str, Any]]], None]
) -> Stats:
    stats = Stats()
    followers, next_after = _follower_page(author_id, after)
    for reader in followers:
        FeedItem(feed_pk(reader), CELEBRITIES).update(
            actions=[FeedItem.celebrity_ids.add({author_id})]
        )
    stats.followers = len(followers)
    if next_after is not None:
        send([{"type": "celebrity", "author_id": author_id, "after": next_after}])
        stats.continued = True
    return stats
