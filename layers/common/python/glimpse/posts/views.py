"""Posts as a viewer sees them: author summary, media, whether they liked and saved it, the
people tagged in it (those who still exist and neither block the viewer nor are blocked).

Everything a page of posts needs beyond the post items comes from one BatchGetItem over the
Users, Media and Posts tables (:func:`view_keys`), so a list costs the same calls whatever
its length (up to 100 keys per request).
"""

from __future__ import annotations

from typing import Any

from glimpse.directory import summary
from glimpse.graph.access import (
    block_keys,
    blocked_either_way,
    relation_from,
    relation_keys,
    removed_for,
)
from glimpse.media.service import view as media_view
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import POST, Like, Post, Save, like_sk, post_pk, save_sk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.places import service as places
from glimpse.posts.schemas import PostOut, TagOut


def view_keys(viewer_id: str, posts: list[Post]) -> list[tuple[type[Model], Key]]:
    keys: list[tuple[type[Model], Key]] = []
    for post in posts:
        keys.append((UserProfile, (user_pk(post.author_id), PROFILE)))
        keys.append((Like, (post_pk(post.post_id), like_sk(viewer_id))))
        keys.append((Save, (post_pk(post.post_id), save_sk(viewer_id))))
        for user_id in tagged_ids(post):
            keys.append((UserProfile, (user_pk(user_id), PROFILE)))
            if user_id != viewer_id:
                keys.extend(block_keys(viewer_id, user_id))
        keys.extend((MediaItem, (media_pk(media_id), MEDIA)) for media_id in post.media_ids)
        keys.extend(places.keys(post.place_id))
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
        place=places.shown(fetched, post.place_id),
        like_count=like_count_for(viewer_id, post, int(post.like_count)),
        hide_like_count=bool(post.hide_like_count),
        comment_count=int(post.comment_count),
        liked_by_me=fetched.get(Like, (post_pk(post.post_id), like_sk(viewer_id))) is not None,
        comments_disabled=bool(post.comments_disabled),
        created_at=post.created_at,
        edited_at=post.edited_at,
        tags=tags_view(viewer_id, post, fetched),
        saved_by_me=fetched.get(Save, (post_pk(post.post_id), save_sk(viewer_id))) is not None,
        removed=post.removed_at is not None,
    )


def like_count_for(viewer_id: str, post: Post, count: int) -> int | None:
    """`count` as `viewer` may see it: None for anyone but the author when the author hides
    it (every post object and like answer goes through here)."""
    return None if post.hide_like_count and viewer_id != post.author_id else count


def tag_places(post: Post) -> dict[str, list[dict[str, Any]]]:
    """The post's tags: tagged user id -> its places (`{media_id, x, y}`)."""
    tags: Any = post.tags
    return {str(k): list(v) for k, v in tags.as_dict().items()} if tags else {}


def tagged_ids(post: Post) -> list[str]:
    """The accounts tagged in `post`."""
    return list(tag_places(post))


def tags_view(viewer_id: str, post: Post, fetched: Fetched) -> list[TagOut]:
    """The post's tags as `viewer` sees them (from what `view_keys` read), in the order of its
    media: those of accounts that are gone, or blocked either way, are left out."""
    order = {media_id: i for i, media_id in enumerate(post.media_ids)}
    shown: list[TagOut] = []
    for user_id, spots in tag_places(post).items():
        profile = fetched.get(UserProfile, (user_pk(user_id), PROFILE))
        blocked = user_id != viewer_id and blocked_either_way(fetched, viewer_id, user_id)
        if profile is None or blocked:
            continue
        user = summary(profile)
        shown += [TagOut(user=user, media_id=p["media_id"], x=p["x"], y=p["y"]) for p in spots]
    return sorted(shown, key=lambda t: (order.get(t.media_id, len(order)), t.user.username))


def shown_posts(viewer_id: str, post_ids: list[str]) -> list[PostOut]:
    """The posts, in order, as `viewer` sees them, leaving out those gone and those they may
    not see (the rule of `GET /posts/{id}`: blocks, private authors, removed or rejected):
    the posts in one BatchGetItem, what seeing them needs in another (per 100 keys)."""
    fetched = get_many([(Post, (post_pk(p), POST)) for p in post_ids])
    posts = [p for i in post_ids if (p := fetched.get(Post, (post_pk(i), POST))) is not None]
    if not posts:
        return []
    fetched.merge(get_many([k for post in posts for k in sight_keys(viewer_id, post)]))
    return [
        view
        for post in posts
        if may_see(viewer_id, post, fetched)
        and (view := post_view(viewer_id, post, fetched)) is not None
    ]
