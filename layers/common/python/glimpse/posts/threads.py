"""Comment threads: one level of replies, and comment likes.

A reply is a comment (`reply_to`: the top-level comment it answers; a reply to a reply joins
its top-level comment's thread) stored under its thread (`REPLY#<thread>#<id>`), so the
top-level list and each thread's replies are one range each. A comment like is an item of its
own (`CLIKE#<thread>#<comment>#<user>`), written under a condition on itself (its creation on
the Posts stream is its event, glimpse.posts.like_events; an unlike's is in its transaction):
`reply_count` and a comment's `like_count` are added up by the counters consumer, exactly as a
post's `like_count` is, so a popular comment is never rewritten once per like. Deleting a
top-level comment takes its replies and its thread's likes along (glimpse.posts.cleanup).

What one viewer sees of a comment is what they see of its post, less comments a moderator
removed (their author alone sees them; a removed top-level comment's replies with it) and those
of authors who are gone or blocked either way (`graph.access.listed`); the post's author does
not see others' comments and replies holding one of their hidden words.
"""

from __future__ import annotations

from collections.abc import Sequence

from glimpse.clock import now
from glimpse.directory import UserSummary
from glimpse.errors import NotFound
from glimpse.events import CommentUnliked
from glimpse.graph.access import listed, removed_for
from glimpse.models.base import Model, conditionally, get_or_none
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.posts import (
    REPLY,
    Comment,
    CommentLike,
    Post,
    actor_pk,
    comment_like_sk,
    comment_sk,
    post_pk,
)
from glimpse.models.transactions import Transaction
from glimpse.posts.schemas import CommentOut
from glimpse.users.hidden_words import Matcher
from glimpse.withdrawal import as_read, is_withdrawn


def top_keys(post_id: str, comment_id: str, viewer_id: str) -> list[tuple[type[Model], Key]]:
    """What reading the comment reads with its post's visibility, were it top-level: the
    comment and the viewer's like of it."""
    return [
        (Comment, (post_pk(post_id), comment_sk(comment_id))),
        (CommentLike, (post_pk(post_id), comment_like_sk(comment_id, None, viewer_id))),
    ]


def find(post: Post, comment_id: str, fetched: Fetched) -> Comment | None:
    """The post's comment by id: the top-level one `top_keys` read, else a reply, found by its
    id alone (ByCommentId, keys only: a Query) and read (a consistent GetItem)."""
    pk = post_pk(post.post_id)
    top = fetched.get(Comment, (pk, comment_sk(comment_id)))
    if top is not None:
        return top
    for key in Comment.by_comment_id.query(comment_id, limit=1):
        if key.pk == pk and str(key.sk).startswith(REPLY):
            return get_or_none(Comment, pk, str(key.sk))
    return None


def shown(viewer_id: str, post: Post, comment: Comment | None, authors: bool = True) -> Comment:
    """The comment if `viewer` may see it (404 otherwise): not removed by a moderator (but for
    its author), and (unless `authors` is False: the caller checks it) its author there and
    not blocked either way (one BatchGetItem)."""
    if comment is None or removed_for(viewer_id, comment.author_id, comment.removed_at):
        raise NotFound("No such comment.")
    if authors and comment.author_id not in listed(viewer_id, [comment.author_id]):
        raise NotFound("No such comment.")
    return comment


def like_of(viewer_id: str, post: Post, comment: Comment, fetched: Fetched) -> CommentLike | None:
    """The viewer's like of `comment`: read with the post (a top-level comment) or now."""
    key = (post_pk(post.post_id), comment_like_sk(comment.comment_id, comment.reply_to, viewer_id))
    top = fetched.get(CommentLike, key)
    return top if top is not None or not comment.reply_to else get_or_none(CommentLike, *key)


def like(viewer_id: str, post: Post, comment: Comment) -> bool:
    """The like, one conditional PutItem (False: it exists). Its creation on the Posts stream
    is its `comment_liked` (glimpse.posts.like_events)."""
    item = CommentLike(
        post_pk(post.post_id),
        comment_like_sk(comment.comment_id, comment.reply_to, viewer_id),
        user_id=viewer_id,
        liked_id=comment.comment_id,
        reply_to=comment.reply_to,
        comment_author_id=comment.author_id,
        created_at=now(),
        actor_pk=actor_pk(viewer_id),
        streamed=True,
    )
    return conditionally(lambda: item.save(condition=CommentLike.pk.does_not_exist()))


def unlike_in(tx: Transaction, post_id: str, like: CommentLike) -> None:
    """The like as read goes (`like` fails if it changed), with `comment_unliked` (`withdrawn`
    when it left the count already)."""
    tx.delete(
        like,
        condition=(CommentLike.created_at == like.created_at) & as_read(CommentLike, like),
        name="like",
    )
    tx.emit(
        CommentUnliked(
            post_id=post_id,
            comment_id=like.liked_id,
            reply_to=like.reply_to,
            author_id=like.comment_author_id,
            user_id=like.user_id,
            liked_at=like.created_at,
            withdrawn=is_withdrawn(like),
        )
    )


def views(
    viewer_id: str,
    post: Post,
    comments: Sequence[Comment],
    hides: Matcher,
    thread: Comment | None = None,
) -> list[CommentOut]:
    """The comments `viewer` may see, as they see them: their authors and whether they liked
    each, in one BatchGetItem each (`listed`, then the likes). Replies come with their
    `thread`, whose author is checked in the same `listed` (404 if the viewer may not see it)."""
    authors = listed(viewer_id, [c.author_id for c in [*comments, *([thread] if thread else [])]])
    if thread is not None and thread.author_id not in authors:
        raise NotFound("No such comment.")
    kept = [
        c
        for c in comments
        if c.author_id in authors
        and not removed_for(viewer_id, c.author_id, c.removed_at)
        and not (c.author_id != viewer_id and hides.hides(c.text))
    ]
    pk = post_pk(post.post_id)
    keys = [(pk, comment_like_sk(c.comment_id, c.reply_to, viewer_id)) for c in kept]
    liked = get_many([(CommentLike, key) for key in keys]) if keys else Fetched()
    return [
        out(c, authors[c.author_id], liked.get(CommentLike, key) is not None)
        for c, key in zip(kept, keys, strict=True)
    ]


def out(comment: Comment, author: UserSummary, liked_by_me: bool) -> CommentOut:
    return CommentOut(
        comment_id=comment.comment_id,
        post_id=comment.post_id,
        author=author,
        text=comment.text,
        reply_to=comment.reply_to,
        reply_count=int(comment.reply_count or 0),
        like_count=int(comment.like_count or 0),
        liked_by_me=liked_by_me,
        created_at=comment.created_at,
        removed=comment.removed_at is not None,
    )
