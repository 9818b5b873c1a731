"""The posts aggregate's part of erasing an account (glimpse.erasure): its posts, a page at a
time, each removed as `DELETE /posts/{id}` removes it (`post_deleted` takes its likes,
comments, feed entries and search document with it); and the likes and comments it made on
others' posts (ByActor), each removed as unliking or deleting it does (`post_unliked`,
`comment_deleted`: the counts and notifications follow)."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import events
from glimpse.erasure import Erasure, erase_pages
from glimpse.jobs import Send, Stats
from glimpse.models.base import conditionally
from glimpse.models.batch import get_many
from glimpse.models.posts import LIKE, POST, Comment, Like, Post, actor_pk, author_pk
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.posts.service import remove_post, uncomment_in, unlike_in
from glimpse.reactions import Table

PAGE = 25  # posts per invocation: a transaction and an event each


@dataclass(frozen=True, kw_only=True)
class PostsErasure(Erasure):
    type = "erase_posts"
    aggregate = "posts"


def account_erased(event: events.AccountErased, send: Send) -> Stats:
    return erase(PostsErasure(event_id=event.event_id, user_id=event.user_id), send)


def erase(job: PostsErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[Post], str | None]:
        # Removed posts leave the index, so every page starts from the top; `after` only
        # counts pages (each job's idempotency key differs from the last).
        found = list(Post.by_author.query(author_pk(job.user_id), limit=PAGE))
        return found, (str(int(after or 0) + 1) if len(found) == PAGE else None)

    return erase_pages(job, pages, lambda posts: sum(remove_post(p) for p in posts), send)


@dataclass(frozen=True, kw_only=True)
class InteractionsErasure(Erasure):
    type = "erase_interactions"
    aggregate = "posts"


def interactions_erased(event: events.AccountErased, send: Send) -> Stats:
    job = InteractionsErasure(event_id=event.event_id, user_id=event.user_id)
    return erase_interactions(job, send)


def erase_interactions(job: InteractionsErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[tuple[str, str]], str | None]:
        found = Like.by_actor.query(actor_pk(job.user_id), limit=PAGE)
        keys = [(str(item.pk), str(item.sk)) for item in found]
        return keys, (str(int(after or 0) + 1) if len(keys) == PAGE else None)

    return erase_pages(job, pages, _remove_interactions, send)


def _remove_interactions(keys: list[tuple[str, str]]) -> int:
    """Each like or comment as read (consistent: the index may lag) goes with its event, or
    alone if its post is gone (its clean-up is under way)."""
    posts = {(pk, POST) for pk, _sk in keys}
    fetched = get_many(
        [(Post, key) for key in posts]
        + [(Like if sk.startswith(LIKE) else Comment, (pk, sk)) for pk, sk in keys],
        consistent=True,
    )
    removed = 0
    for pk, sk in keys:
        item = fetched.get(Like, (pk, sk)) or fetched.get(Comment, (pk, sk))
        if item is None:
            continue  # gone already (the index lags)
        post = fetched.get(Post, (pk, POST))
        if post is None:
            removed += conditionally(item.delete)
            continue
        try:
            with transaction() as tx:
                if isinstance(item, Like):
                    unlike_in(tx, post, item)
                else:
                    uncomment_in(tx, post, item)
        except ConditionFailed:
            continue  # removed meanwhile
        removed += 1
    return removed


ERASURE = Table(
    owner="posts",
    reactions={events.AccountErased: (account_erased, interactions_erased)},
    jobs={PostsErasure: erase, InteractionsErasure: erase_interactions},
)
