"""The posts aggregate's part of erasing an account (glimpse.erasure): its posts, a page at a
time, each removed as `DELETE /posts/{id}` removes it (`post_deleted` takes its likes,
comments, feed entries and search document with it); and the likes and comments it made on
others' posts (ByActor), each removed as unliking or deleting it does (`post_unliked`,
`comment_deleted`: the counts and notifications follow; a top-level comment's replies and
their likes go with it), and so its replies and comment likes (`comment_unliked`); its saves,
their copies in its collections and the collections (deleted), and its tags on others' posts
(each removed as `DELETE /posts/{id}/tags/me` does), which ByActor holds too."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, erase_pages, keys_found, next_page, table
from glimpse.jobs import Send, Stats
from glimpse.models.batch import get_many, write_many
from glimpse.models.posts import (
    COLLECTION,
    COMMENT_LIKE,
    LIKE,
    POST,
    SAVE,
    TAG,
    Comment,
    CommentLike,
    Like,
    Post,
    actor_pk,
    author_pk,
    post_id_in,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.posts import threads
from glimpse.posts.service import remove_post, uncomment_in, unlike_in
from glimpse.posts.tags import untag

PAGE = 25  # posts per invocation (a transaction each), or likes and comments (one for all)


@dataclass(frozen=True, kw_only=True)
class PostsErasure(Erasure):
    type = "erase_posts"
    aggregate = "posts"


def erase(job: PostsErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[Post], str | None]:
        found = list(Post.by_author.query(author_pk(job.user_id), limit=PAGE))
        return found, next_page(after, len(found), PAGE)

    return erase_pages(job, pages, lambda posts: sum(remove_post(p) for p in posts), send)


@dataclass(frozen=True, kw_only=True)
class InteractionsErasure(Erasure):
    type = "erase_interactions"
    aggregate = "posts"


def erase_interactions(job: InteractionsErasure, send: Send) -> Stats:
    pages = keys_found(lambda: Like.by_actor.query(actor_pk(job.user_id), limit=PAGE), PAGE)
    return erase_pages(job, pages, _remove_interactions, send)


def _remove_interactions(every: list[tuple[str, str]]) -> int:
    """Saves and collections deleted, tags removed, then the likes and comments."""
    owned = [(pk, sk) for pk, sk in every if sk.startswith((SAVE, COLLECTION))]
    tags = [(pk, sk) for pk, sk in every if sk.startswith(TAG)]
    keys = [key for key in every if key not in owned and key not in tags]
    write_many(Like, deletes=owned)
    removed = len(owned) + sum(untag(sk.removeprefix(TAG), post_id_in(pk)) for pk, sk in tags)
    return removed + (_remove_likes_and_comments(keys) if keys else 0)


def _remove_likes_and_comments(keys: list[tuple[str, str]]) -> int:
    """Each like or comment as read (consistent: the index may lag) goes with its event, or
    alone if its post is gone (its clean-up is under way): in one transaction; when something
    changed meanwhile (its author removed it, a withdrawal marked it), each is read again and
    removed on its own. One that keeps changing fails the page, which is tried again."""
    found, orphans = _as_read(keys)
    write_many(Like, deletes=orphans)
    try:
        _remove(found)
        return len(orphans) + len(found)
    except ConditionFailed:
        return len(orphans) + sum(_remove_alone(key) for key in keys)


type Interaction = Like | Comment | CommentLike


def _model(sk: str) -> type[Interaction]:
    if sk.startswith(LIKE):
        return Like
    return CommentLike if sk.startswith(COMMENT_LIKE) else Comment


def _as_read(
    keys: list[tuple[str, str]],
) -> tuple[list[tuple[Post, Interaction]], list[tuple[str, str]]]:
    """The likes, comments, replies and comment likes with their posts, and those whose post
    is gone (orphans)."""
    posts = {(pk, POST) for pk, _sk in keys}
    fetched = get_many(
        [(Post, key) for key in posts] + [(_model(sk), (pk, sk)) for pk, sk in keys],
        consistent=True,
    )
    found: list[tuple[Post, Interaction]] = []
    orphans: list[tuple[str, str]] = []
    for pk, sk in keys:
        item = fetched.get(_model(sk), (pk, sk))
        post = fetched.get(Post, (pk, POST))
        if item is not None and post is None:
            orphans.append((pk, sk))
        elif item is not None and post is not None:
            found.append((post, item))
    return found, orphans


def _remove_alone(key: tuple[str, str], attempts: int = 3) -> int:
    for _ in range(attempts):
        found, orphans = _as_read([key])
        write_many(Like, deletes=orphans)
        if not found:
            return len(orphans)
        try:
            _remove(found)
            return 1
        except ConditionFailed:
            continue
    raise RuntimeError(f"{key} kept changing; the page is tried again")


def _remove(found: list[tuple[Post, Interaction]]) -> None:
    with transaction() as tx:
        for post, item in found:
            if isinstance(item, Like):
                unlike_in(tx, post, item)
            elif isinstance(item, CommentLike):
                threads.unlike_in(tx, post.post_id, item)
            else:
                uncomment_in(tx, post, item)


ERASURE = table("posts", {PostsErasure: erase, InteractionsErasure: erase_interactions})
