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
- `story_created`: a marker into each follower's tray (close friends only for a
  close-friends story), as a post into feeds; `story_removed` (an owner's delete): the markers
  go again; a follow back-fills the tray with the owner's live stories, an unfollow prunes it;
- `account_made_public`: its pending follow requests are approved, `PENDING_PAGE` per
  invocation (graph work the feed needs at once: each approval back-fills a feed).

Continuations, sent by this module to its own queue so no invocation runs long, carry the
`event_id` of the fact they continue and where to go on (`after`):
`fanout` {post_id, author_id, action: add|remove}, `story_fanout` {story_id, owner_id,
audience, expires_at, action}, `cleanup` {post_id}, `celebrity` {author_id},
`approve_pending` {user_id}. Posts and stories go through one engine (`_spread`): what
differs is the item each reader gets (`Spread`).

Every write is a put or delete of a key derived from the message, or an ADD to a set, so
running a message twice leaves the same feeds; the handler also skips messages it has
completed (keyed on type, `event_id` and `after`). Events may come in any order: back-fill
and prune read the follow edge first, and check it again after writing.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from glimpse import events
from glimpse.adapters.messaging import send_feed_jobs
from glimpse.clock import now
from glimpse.graph import service as graph
from glimpse.models.base import Model, get_or_none, start_after
from glimpse.models.batch import get_many, write_many
from glimpse.models.feed import (
    CELEBRITIES,
    FEED_CAP,
    FeedItem,
    author_prefix,
    author_sk,
    celebrity_set,
    feed_pk,
)
from glimpse.models.graph import CLOSE, FOLLOWER, FOLLOWS, Edge, edge_key, edge_page
from glimpse.models.posts import POST, Comment, Post, author_pk, post_pk
from glimpse.models.stories import (
    STORY,
    Story,
    TrayMarker,
    marker_prefix,
    marker_sk,
    owner_pk,
    story_pk,
    tray_pk,
)
from glimpse.models.users import PROFILE, UserProfile, user_pk

PAGE = 1000  # followers per job: 40 BatchWriteItem requests at most
CLEANUP_PAGE = 1000  # likes and comments of a deleted post deleted per job
BACKFILL = 20  # posts copied into a feed on follow
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
            stats = followed(event.follower_id, event.followee_id)
            stats.written += backfill_tray(event.follower_id, event.followee_id)
            return stats
        case events.FollowRemoved(status="following"):
            stats = prune(event.follower_id, event.followee_id)
            stats.deleted += prune_tray(event.follower_id, event.followee_id)
            return stats
        case events.CelebrityReached():
            job = {"type": "celebrity", "event_id": event.event_id, "author_id": event.user_id}
            return _celebrity(job, send)
        case events.AccountMadePublic():
            job = {"type": "approve_pending", "event_id": event.event_id, "user_id": event.user_id}
            return _approve_pending(job, send)
        case events.StoryCreated() | events.StoryRemoved():
            add = isinstance(event, events.StoryCreated)
            story = get_or_none(Story, story_pk(event.story_id), STORY) if add else None
            if add and story is None:
                return Stats(notes=["story gone before its fan-out"])
            story_job: dict[str, Any] = {
                "type": "story_fanout",
                "event_id": event.event_id,
                "story_id": event.story_id,
                "owner_id": event.owner_id,
                # A removal reaches every follower and close friend: markers are keyed per story.
                "audience": story.audience if story is not None else "everyone",
                "expires_at": int(story.expires_at.timestamp()) if story is not None else 0,
                "action": "add" if add else "remove",
            }
            return _story_fanout(story_job, send)
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


@dataclass(frozen=True)
class Spread:
    """What one fan-out writes: `item(reader)` to put, `key(reader)` to delete, to each reader
    of `owner_id`'s audience (`kinds`: the owner's edges whose far ends are the readers)."""

    owner_id: str
    model: type[Model]
    item: Callable[[str], Model]
    key: Callable[[str], tuple[str, str]]
    kinds: tuple[str, ...] = (FOLLOWER,)


def _spread(job: dict[str, Any], spread: Spread, send: Send, stats: Stats) -> list[str]:
    """One page of the audience, then the rest queued; returns the page's readers. `after` is
    the edge sort key the last page ended on, so it names its kind too (`FOLLOWER#<id>`); the
    next kind starts with its bare prefix (`CLOSE#`). No `after`: the first kind, from the top."""
    after = job.get("after")
    kind = next((k for k in spread.kinds if after and after.startswith(k)), spread.kinds[0])
    readers, next_after = edge_page(spread.owner_id, kind, after, PAGE)
    if kind == CLOSE and job["action"] == "add":  # a tray only for close friends who follow
        readers = _following(readers, spread.owner_id)
    stats.followers = len(readers)
    if job["action"] == "add":
        stats.write_requests += write_many(spread.model, puts=[spread.item(r) for r in readers])
        stats.written = len(readers)
    else:
        stats.write_requests += write_many(spread.model, deletes=[spread.key(r) for r in readers])
        stats.deleted = len(readers)
    if next_after is not None:
        _continue(job, next_after, send, stats)
    elif kind != spread.kinds[-1]:
        _continue(job, spread.kinds[spread.kinds.index(kind) + 1], send, stats)
    return readers


def _following(reader_ids: list[str], owner_id: str) -> list[str]:
    keys = {reader: edge_key(reader, FOLLOWS, owner_id) for reader in reader_ids}
    fetched = get_many([(Edge, key) for key in keys.values()])
    return [reader for reader, key in keys.items() if fetched.get(Edge, key) is not None]


def _fanout(job: dict[str, Any], send: Send) -> Stats:
    post_id, author_id, action = job["post_id"], job["author_id"], job["action"]
    stats = Stats()
    if action == "add" and get_or_none(Post, post_pk(post_id), POST) is None:
        stats.notes.append("post deleted before or during fan-out")
        return stats
    if job.get("after") is None:  # first chunk: the author's own feed, and the celebrity short-cut
        own = _entry(author_id, post_id, author_id)
        if action == "add":
            stats.write_requests += write_many(FeedItem, puts=[own])
            if _is_celebrity(author_id):
                stats.notes.append("celebrity: merged into feeds at read time")
                return stats
        else:
            stats.write_requests += write_many(FeedItem, deletes=[(own.pk, own.sk)])
    spread = Spread(
        owner_id=author_id,
        model=FeedItem,
        item=lambda reader: _entry(reader, post_id, author_id),
        key=lambda reader: (feed_pk(reader), post_id),
    )
    readers = _spread(job, spread, send, stats)
    if action == "add":
        for reader in readers:
            if _sampled_for_trim(reader, post_id):
                stats.trimmed += trim(reader)
    return stats


def _is_celebrity(user_id: str) -> bool:
    author = get_or_none(UserProfile, user_pk(user_id), PROFILE)
    return author is not None and bool(author.is_celebrity)


def _story_fanout(job: dict[str, Any], send: Send) -> Stats:
    """Tray markers for a story: its owner's followers (or, for a close-friends story, the
    close friends who follow the owner). A celebrity's stories are merged into trays at read
    time instead. A removal (an owner's delete) goes to followers and close friends both.

    An add checks the story before each page and again after writing it: a page written while
    the removal overtook it is deleted again, as a back-fill is undone by a late unfollow."""
    story_id, owner_id, action = job["story_id"], job["owner_id"], job["action"]
    stats = Stats()
    if job.get("after") is None and _is_celebrity(owner_id):
        stats.notes.append("celebrity: merged into trays at read time")
        return stats
    # The first page follows the event's own read of the story (on_event); later ones check.
    if action == "add" and job.get("after") is not None and not _story_exists(story_id):
        stats.notes.append("story gone during fan-out")
        return stats
    audience = job["audience"]
    kinds = (
        (CLOSE,)
        if audience == "close_friends"
        else (FOLLOWER, CLOSE)
        if audience == "everyone"
        else (FOLLOWER,)
    )
    expires = datetime.fromtimestamp(int(job["expires_at"]), UTC)
    spread = Spread(
        owner_id=owner_id,
        model=TrayMarker,
        item=lambda reader: _marker(reader, owner_id, story_id, audience, expires),
        key=lambda reader: (tray_pk(reader), marker_sk(owner_id, story_id)),
        kinds=kinds,
    )
    readers = _spread(job, spread, send, stats)
    if action == "add" and readers and not _story_exists(story_id):
        write_many(TrayMarker, deletes=[spread.key(r) for r in readers])
        stats.notes.append("story removed meanwhile: the page's markers deleted again")
    return stats


def _story_exists(story_id: str) -> bool:
    return get_or_none(Story, story_pk(story_id), STORY) is not None


def _marker(
    reader: str, owner_id: str, story_id: str, audience: str, expires: datetime
) -> TrayMarker:
    return TrayMarker(
        tray_pk(reader),
        marker_sk(owner_id, story_id),
        owner_id=owner_id,
        story_id=story_id,
        audience=audience,
        expires_at=expires,
    )


def backfill_tray(reader_id: str, owner_id: str) -> int:
    """A new follow: the owner's live stories into the reader's tray (close-friends stories if
    the reader is on the list), while the reader follows; checked before and after writing."""
    live = list(Story.by_owner.query(owner_pk(owner_id), filter_condition=Story.expires_at > now()))
    if not live or not _follows(reader_id, owner_id):  # most owners have no live story
        return 0
    close = any(s.audience == "close_friends" for s in live) and (
        get_or_none(Edge, *edge_key(owner_id, CLOSE, reader_id)) is not None
    )
    markers = [
        _marker(reader_id, owner_id, story.story_id, story.audience, story.expires_at)
        for story in live
        if story.audience != "close_friends" or close
    ]
    write_many(TrayMarker, puts=markers)
    if markers and not _follows(reader_id, owner_id):
        write_many(TrayMarker, deletes=[(m.pk, m.sk) for m in markers])
        return 0
    return len(markers)


def prune_tray(reader_id: str, owner_id: str) -> int:
    """An unfollow or a block: the owner's stories leave the reader's tray (unless the reader
    follows again; the follow's back-fill then puts back what is live)."""
    keys = [
        (item.pk, item.sk)
        for item in TrayMarker.query(
            tray_pk(reader_id),
            TrayMarker.sk.startswith(marker_prefix(owner_id)),
            attributes_to_get=["pk", "sk"],
        )
    ]
    if not keys or _follows(reader_id, owner_id):  # nothing to prune, or following again
        return 0
    write_many(TrayMarker, deletes=keys)
    return len(keys)


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
    "story_fanout": _story_fanout,
    "cleanup": _cleanup,
    "celebrity": _celebrity,
    "approve_pending": _approve_pending,
}
