"""The posts aggregate's part of a deleted account's withdrawal (glimpse.withdrawal): the
likes and comments it made on others' posts (ByActor) leave, and on restore rejoin, those
posts' `like_count` and `comment_count`; its replies and comment likes, their comments'
`reply_count` and `like_count`. Its own posts are hidden with its profile and need
nothing here."""

from __future__ import annotations

import json
from dataclasses import dataclass

from glimpse.jobs import Send, Stats
from glimpse.models.batch import get_many
from glimpse.models.posts import (
    COMMENT,
    COMMENT_LIKE,
    LIKE,
    REPLY,
    Comment,
    CommentLike,
    Like,
    actor_pk,
    comment_ref,
    post_id_in,
)
from glimpse.withdrawal import PAGE, Contribution, Withdrawal, run, table


@dataclass(frozen=True, kw_only=True)
class InteractionsWithdrawal(Withdrawal):
    type = "withdraw_interactions"
    aggregate = "posts"


def withdraw_interactions(job: InteractionsWithdrawal, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[Contribution], str | None]:
        query = Like.by_actor.query(
            actor_pk(job.user_id),
            limit=PAGE,
            last_evaluated_key=json.loads(after) if after else None,
        )
        keys = [(str(found.pk), str(found.sk)) for found in query]
        last = query.last_evaluated_key
        return _as_read(keys), (json.dumps(last) if last and len(keys) == PAGE else None)

    return run(job, pages, send)


def _as_read(keys: list[tuple[str, str]]) -> list[Contribution]:
    """The likes and comments the index named, read again (consistent: the index may lag,
    and the marks must be current); those gone meanwhile are left out."""
    models = {LIKE: Like, COMMENT: Comment, REPLY: Comment, COMMENT_LIKE: CommentLike}
    wanted = [(m, key) for key in keys for p, m in models.items() if key[1].startswith(p)]
    fetched = get_many(wanted, consistent=True)
    found: list[Contribution] = []
    for model, key in wanted:
        item = fetched.get(model, key)
        post_id = post_id_in(key[0])
        if isinstance(item, Like):
            found.append(Contribution(item, "liked", post_id))
        elif isinstance(item, Comment) and item.reply_to:
            found.append(Contribution(item, "replied", comment_ref(post_id, item.reply_to)))
        elif isinstance(item, Comment):
            found.append(Contribution(item, "commented", post_id))
        elif isinstance(item, CommentLike):
            ref = comment_ref(post_id, item.liked_id, item.reply_to)
            found.append(Contribution(item, "comment_liked", ref))
    return found


WITHDRAWAL = table("posts", {InteractionsWithdrawal: withdraw_interactions})
