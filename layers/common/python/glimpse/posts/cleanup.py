"""A deleted post's likes and comments: the posts aggregate removes what its partition holds;
a deleted comment's likes and, for a top-level comment, its replies and theirs (one range of
the post's partition each: glimpse.models.posts).

`post_deleted` starts the clean-up, `CLEANUP_PAGE` children per invocation, continuing through
the feed-jobs queue. A like or comment never checks the post in its transaction (that would
make the post a hot item), so one can commit just after the clean-up passed; the counters
consumer finds its post gone and removes it with `remove_children`.
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import events
from glimpse.jobs import Job, Send, Stats, resume
from glimpse.models.base import start_after
from glimpse.models.batch import write_many
from glimpse.models.posts import (
    POST,
    Post,
    comment_likes_prefix,
    post_pk,
    replies_prefix,
)

CLEANUP_PAGE = 1000  # likes and comments of a deleted post deleted per invocation


@dataclass(frozen=True, kw_only=True)
class PostCleanup(Job):
    """A deleted post's partition, a page at a time."""

    type = "cleanup"
    post_id: str
    author_id: str  # unused; the message carries it as every release has


def post_deleted(event: events.PostDeleted, send: Send) -> Stats:
    job = PostCleanup(event_id=event.event_id, post_id=event.post_id, author_id=event.author_id)
    return clean_up(job, send)


def clean_up(job: PostCleanup, send: Send) -> Stats:
    """One page of the post's partition deleted (all but the post item, gone already)."""
    return _delete_page(job, job.post_id, None, send)


def _delete_page(
    job: PostCleanup | CommentCleanup, post_id: str, prefix: str | None, send: Send
) -> Stats:
    """One page (`CLEANUP_PAGE`) of the post's partition (within `prefix`) deleted, the post
    item left; the rest queued."""
    pk = post_pk(post_id)
    query = Post.query(
        pk,
        Post.sk.startswith(prefix) if prefix else None,
        limit=CLEANUP_PAGE,
        last_evaluated_key=start_after(pk, job.after),
        attributes_to_get=["pk", "sk"],
    )
    children = [(item.pk, item.sk) for item in query if item.sk != POST]
    stats = Stats()
    if children:
        stats.write_requests = remove_children(children)
        stats.deleted = len(children)
    last = query.last_evaluated_key
    if last is not None:
        resume(job, last["sk"]["S"], send, stats)
    return stats


@dataclass(frozen=True, kw_only=True)
class CommentCleanup(Job):
    """One range of a deleted comment's (a page at a time): its thread's replies, or likes."""

    type = "comment_cleanup"
    post_id: str
    prefix: str


def comment_deleted(event: events.CommentDeleted, send: Send) -> Stats:
    """A reply's likes go; a top-level comment's replies and every like in its thread."""
    if event.reply_to:
        prefixes = [comment_likes_prefix(event.reply_to, event.comment_id)]
    else:
        prefixes = [replies_prefix(event.comment_id), comment_likes_prefix(event.comment_id)]
    stats = Stats()
    for prefix in prefixes:
        job = CommentCleanup(event_id=event.event_id, post_id=event.post_id, prefix=prefix)
        stats = stats.add(clean_comment(job, send))
    return stats


def clean_comment(job: CommentCleanup, send: Send) -> Stats:
    """One page of the range deleted (a reply's own likes stay in the thread's range)."""
    return _delete_page(job, job.post_id, job.prefix, send)


def remove_children(keys: list[tuple[str, str]]) -> int:
    """Likes and comments by key (one partition's items: the Posts table's own batch);
    returns the write requests made."""
    return write_many(Post, deletes=keys)
