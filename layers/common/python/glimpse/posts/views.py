"""Posts as a viewer sees them: author summary, media, whether they liked it.

Everything a page of posts needs beyond the post items comes from one BatchGetItem over the
Users, Media and Posts tables (:func:`view_keys`), so a list costs the same calls whatever
its length (up to 100 keys per request).
"""

from __future__ import annotations

from glimpse.directory import summary
from glimpse.graph.access import relation_from, relation_keys, removed_for
from glimpse.media.service import view as media_view
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, Key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import Like, Post, like_sk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.posts.schemas import PostOut


def view_keys(viewer_id: str, posts: list[Post]) -> list[tuple[type[Model], Key]]:
    keys: list[tuple[type[Model], Key]] = []
    for post in posts:
        keys.append((UserProfile, (user_pk(post.author_id), PROFILE)))
        keys.append((Like, (post_pk(post.post_id), like_sk(viewer_id))))
        keys.extend((MediaItem, (media_pk(media_id), MEDIA)) for media_id in post.media_ids)
    return keys


def sight_keys(viewer_id: str, post: Post) -> list[tuple[type[Model], Key]]:
    """What deciding whether `viewer` may see `post` reads (with its view's keys)."""
    return [*relation_keys(viewer_id, post.author_id), *view_keys(viewer_id, [post])]


def may_see(viewer_id: str, post: Post, fetched: Fetched) -> bool:
    """The rule `GET /posts/{id}` applies (blocks, private accounts, rejected media), as a yes
    or no, from what `sight_keys` read."""
    author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
    if author is None:
        return False
    return relation_from(fetched, viewer_id, author).can_see_content and not is_hidden(
        viewer_id, post, fetched
    )


def is_hidden(viewer_id: str, post: Post, fetched: Fetched) -> bool:
    """A post a moderator removed, or with a rejected media item, is shown to its author
    only (who may delete it)."""
    if viewer_id == post.author_id:
        return False
    if removed_for(viewer_id, post.author_id, post.removed_at):
        return True
    for media_id in post.media_ids:
        item = fetched.get(MediaItem, (media_pk(media_id), MEDIA))
        if item is not None and item.status == "rejected":
            return True
    return False


def post_view(viewer_id: str, post: Post, fetched: Fetched) -> PostOut | None:
    """The post as `viewer` sees it; None when its author is gone or it is hidden."""
    author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
    if author is None or is_hidden(viewer_id, post, fetched):
        return None
    media = [
        media_view(item)
        for media_id in post.media_ids
        if (item := fetched.get(MediaItem, (media_pk(media_id), MEDIA))) is not None
    ]
    return PostOut(
        post_id=post.post_id,
        author=summary(author),
        media=media,
        caption=post.caption,
        hashtags=list(post.hashtags or []),
        mentions=list(post.mentions or []),
        location=post.location,
        like_count=like_count_for(viewer_id, post, int(post.like_count)),
        hide_like_count=bool(post.hide_like_count),
        comment_count=int(post.comment_count),
        liked_by_me=fetched.get(Like, (post_pk(post.post_id), like_sk(viewer_id))) is not None,
        comments_disabled=bool(post.comments_disabled),
        created_at=post.created_at,
        edited_at=post.edited_at,
        removed=post.removed_at is not None,
    )


def like_count_for(viewer_id: str, post: Post, count: int) -> int | None:
    """`count` as `viewer` may see it: None for anyone but the author when the author hides
    it (every post object and like answer goes through here)."""
    return None if post.hide_like_count and viewer_id != post.author_id else count
