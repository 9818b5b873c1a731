"""Feeds written on the fan-out: what the feed aggregate does with each event it reacts to
(its table: glimpse.feed.reactions).

- `post_created`: the post into the author's and every follower's feed, a page of followers
  per invocation (accounts above the celebrity threshold are merged at read time instead);
  `post_deleted`: its entries leave every feed the same way (an erased author's leave with the
  prunes of its severed follows instead).
- `follow_created` (status `following`) and `request_approved`: back-fill the reader's feed
  with the author's latest posts (or, for a celebrity, add it to the reader's celebrity set,
  which glimpse.graph.celebrities owns);
- `follow_removed` (status `following`): prune the author's entries from the reader's feed.

Every write is a put or delete of a key derived from the message, so running a message twice
leaves the same feeds. Events may come in any order: back-fill and prune read the follow edge
first, and check it again after writing.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Literal

from glimpse import events
from glimpse.graph import celebrities
from glimpse.graph.access import follows
from glimpse.jobs import Audience, Job, Readers, Send, Stats, spread
from glimpse.models.base import get_or_none
from glimpse.models.batch import get_many, write_many
from glimpse.models.feed import (
    CELEBRITIES,
    FEED_CAP,
    FeedItem,
    author_prefix,
    author_sk,
    feed_pk,
)
from glimpse.models.posts import POST, Post, author_pk, post_pk
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk

BACKFILL = 20  # posts copied into a feed on follow
# Followers per post fan-out job: about 1 MB of follower edges (each about 175 bytes with
# 36-character user ids), the most one Query page returns, so a page is one Query; its
# 200 BatchWriteItem requests take a few seconds of the function's 60.
FOLLOWER_PAGE = 5000
# One feed write in this many (by a hash of reader and post) checks that reader's cap: a feed
# read serves at most FEED_CAP entries whatever is stored, so the trim only bounds storage
# (about FEED_CAP + TRIM_SAMPLE entries a feed on average), at 1 Query per TRIM_SAMPLE writes.
TRIM_SAMPLE = 2000


@dataclass(frozen=True, kw_only=True)
class PostSpread(Job):
    """A post into (`add`) or out of (`remove`) its author's followers' feeds."""

    type = "fanout"
    post_id: str
    author_id: str
    action: Literal["add", "remove"]


# --------------------------------------------------------------------------- reactions
def post_created(event: events.PostCreated, send: Send) -> Stats:
    job = PostSpread(
        event_id=event.event_id, post_id=event.post_id, author_id=event.author_id, action="add"
    )
    return spread_post(job, send)


def post_deleted(event: events.PostDeleted, send: Send) -> Stats:
    job = PostSpread(
        event_id=event.event_id, post_id=event.post_id, author_id=event.author_id, action="remove"
    )
    return spread_post(job, send)


def followed(event: events.FollowCreated | events.RequestApproved, send: Send) -> Stats:
    """A new follow: a celebrity joins the reader's celebrity set, anyone else is back-filled."""
    reader_id, author_id = event.follower_id, event.followee_id
    if celebrities.is_celebrity(author_id):
        joined = celebrities.join([reader_id], author_id)
        return Stats(notes=["celebrity: merged into the feed at read time"] if joined else [])
    return backfill(reader_id, author_id)


def unfollowed(event: events.FollowRemoved, send: Send) -> Stats:
    return prune(event.follower_id, event.followee_id)


# --------------------------------------------------------------------------- post fan-out
def _entry(reader_id: str, post_id: str, author_id: str) -> FeedItem:
    return FeedItem(
        feed_pk(reader_id), post_id, author_id=author_id, author_sk=author_sk(author_id, post_id)
    )


def spread_post(job: PostSpread, send: Send) -> Stats:
    """A page of FOLLOWER_PAGE of the author's followers (the first page: the author's own feed
    too, in the same writes); after the rest is queued, 1 in TRIM_SAMPLE of the page's feeds is
    checked against the cap."""
    if job.action == "add" and get_or_none(Post, post_pk(job.post_id), POST) is None:
        return Stats(notes=["post deleted before or during fan-out"])
    if job.after is None:  # first page: the short-cuts, each with the author's own feed
        if job.action == "add" and celebrities.is_celebrity(job.author_id):
            first = _own_feed(job)
            first.notes.append("celebrity: merged into feeds at read time")
            return first
        if job.action == "remove" and _erased(job.author_id):
            first = _own_feed(job)
            first.notes.append("author erased: each severed follow prunes its follower's feed")
            return first
    # the author's own feed rides with the first page's writes
    own = [job.author_id] if job.after is None else []

    def write(page: Readers) -> Stats:
        entries = [_entry(reader, job.post_id, job.author_id) for reader in [*own, *page.ids]]
        readers = len(page.ids)  # the counts are the followers' (as the own feed's never were)
        if job.action == "add":
            written = write_many(FeedItem, puts=entries)
            return Stats(followers=readers, written=readers, write_requests=written)
        deleted = write_many(FeedItem, deletes=[(entry.pk, entry.sk) for entry in entries])
        return Stats(followers=readers, deleted=readers, write_requests=deleted)

    def trim_sampled(page: Readers) -> Stats:
        if job.action != "add":
            return Stats()
        return Stats(trimmed=sum(trim(r) for r in page.ids if _sampled_for_trim(r, job.post_id)))

    audience = Audience(job.author_id)
    return spread(job, audience, write, send, size=FOLLOWER_PAGE, then=trim_sampled)


def _erased(author_id: str) -> bool:
    """The author's account is being erased (neither its profile nor its moved-aside copy is
    left: a deleted account that may still be restored keeps the latter): its erasure also
    severs every follow, and each severed follow prunes the follower's feed of all the
    author's entries (`unfollowed`), so a spread per post would only repeat that, blind,
    follower by follower."""
    pk = user_pk(author_id)
    found = get_many([(UserProfile, (pk, PROFILE)), (DeletedProfile, (pk, DELETED))])
    return found.get(UserProfile, (pk, PROFILE)) is None and (
        found.get(DeletedProfile, (pk, DELETED)) is None
    )


def _own_feed(job: PostSpread) -> Stats:
    """The post in (or out of) its author's own feed."""
    own = _entry(job.author_id, job.post_id, job.author_id)
    if job.action == "add":
        return Stats(write_requests=write_many(FeedItem, puts=[own]))
    return Stats(write_requests=write_many(FeedItem, deletes=[(own.pk, own.sk)]))


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


# --------------------------------------------------------------------------- follow changes
def backfill(reader_id: str, author_id: str) -> Stats:
    """The author's latest posts into the reader's feed, while the reader follows them.

    Checked before and after writing: an unfollow whose prune ran in between leaves no entry.
    """
    if not follows(reader_id, author_id):
        return Stats(notes=["no longer following"])
    posts = Post.by_author.query(author_pk(author_id), scan_index_forward=False, limit=BACKFILL)
    entries = [_entry(reader_id, post.post_id, author_id) for post in posts]
    stats = Stats(written=len(entries), write_requests=write_many(FeedItem, puts=entries))
    if not follows(reader_id, author_id):
        undone = _remove_entries(reader_id, author_id)
        stats.deleted = undone.deleted
        stats.write_requests += undone.write_requests
        stats.notes.append("unfollowed meanwhile: removed again")
    return stats


def prune(reader_id: str, author_id: str) -> Stats:
    """An unfollow or a block: the author's entries leave the reader's feed, unless the reader
    follows the author again (checked before and after: a re-follow in between back-fills)."""
    if follows(reader_id, author_id):
        return Stats(notes=["following again"])
    stats = _remove_entries(reader_id, author_id)
    if follows(reader_id, author_id):
        again = backfill(reader_id, author_id)
        stats.written = again.written
        stats.write_requests += again.write_requests
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
