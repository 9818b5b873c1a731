"""`GET /feed`: the reader's fanned-out entries merged with followed celebrities' posts.

Calls: one Query of the reader's feed partition (its first page also holds the reader's set
of followed celebrity accounts), one ByAuthor Query per followed celebrity, one BatchGetItem
for the posts and everything else known by id (authors, follow edges, likes, affinities),
one BatchGetItem for the media of those posts. Each BatchGetItem takes up to 100 keys.

Filtered on read: deleted posts (missing), authors the reader no longer follows (unfollowed
or blocked, whatever the clean-up jobs have done so far), posts hidden by a rejected media
item. At most FEED_CAP entries are ever served.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from glimpse.clock import now
from glimpse.feed import ranking
from glimpse.feed.fanout import FEED_CAP
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.feed import CELEBRITIES, FeedItem, feed_pk
from glimpse.models.graph import AFFINITY, FOLLOWS, Edge, edge_key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import LIKE, POST, Like, Post, author_pk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, decode_cursor, encode_cursor
from glimpse.posts.schemas import PostOut
from glimpse.posts.views import post_view

Order = Literal["chronological", "ranked"]


def _celebrity_posts(celebrities: list[str], before: str | None, limit: int) -> list[Post]:
    """Each followed celebrity's newest posts older than `before` (queries run concurrently)."""

    def newest(author_id: str) -> list[Post]:
        condition = Post.post_sk < before if before else None
        return list(
            Post.by_author.query(
                author_pk(author_id), condition, scan_index_forward=False, limit=limit
            )
        )

    if not celebrities:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(celebrities))) as pool:
        return [post for posts in pool.map(newest, celebrities) for post in posts]


def feed(reader_id: str, limit: int, cursor: str | None, order: Order) -> Page[PostOut]:
    list_id = f"feed:{reader_id}"
    position = decode_cursor(list_id, cursor)
    served = int(position["served"]) if position else 0
    size = min(limit, FEED_CAP - served)
    if size <= 0:
        return Page[PostOut](items=[], next_cursor=None)

    if position is None:  # newest first; the celebrity set sorts above every post id
        rows = list(
            FeedItem.query(
                feed_pk(reader_id),
                FeedItem.sk <= CELEBRITIES,
                scan_index_forward=False,
                limit=size + 1,
            )
        )
        head = rows[0] if rows and rows[0].sk == CELEBRITIES else None
        celebrities = sorted(head.celebrity_ids or []) if head else []
        entries = [row for row in rows if row.sk != CELEBRITIES][:size]
        before = None
    else:
        before = str(position["before"])
        celebrities = list(position["celebrities"])
        entries = list(
            FeedItem.query(
                feed_pk(reader_id), FeedItem.sk < before, scan_index_forward=False, limit=size
            )
        )

    merged: dict[str, str] = {entry.sk: str(entry.author_id) for entry in entries}
    pulled = {post.post_id: post for post in _celebrity_posts(celebrities, before, size)}
    merged.update({post_id: post.author_id for post_id, post in pulled.items()})
    page_ids = sorted(merged, reverse=True)[:size]

    fetched = _hydrate(reader_id, page_ids, merged, pulled)
    shown: list[tuple[PostOut, str]] = []
    for post_id in page_ids:
        post = pulled.get(post_id) or fetched.get(Post, (post_pk(post_id), POST))
        if post is None or not _still_follows(reader_id, post.author_id, fetched):
            continue
        view = post_view(reader_id, post, fetched)
        if view is not None:
            shown.append((view, post.author_id))
    if order == "ranked":
        shown = _ranked(reader_id, shown, fetched)
    items = [view for view, _author in shown]

    served += len(page_ids)
    more = len(page_ids) == size and served < FEED_CAP
    next_cursor = (
        encode_cursor(
            list_id, {"before": page_ids[-1], "served": served, "celebrities": celebrities}
        )
        if more
        else None
    )
    return Page[PostOut](items=items, next_cursor=next_cursor)


def _hydrate(
    reader_id: str, page_ids: list[str], authors: dict[str, str], pulled: dict[str, Post]
) -> Fetched:
    """Two BatchGetItems: what is known by id, then the media the posts name."""
    keys: list[tuple[type[Model], Key]] = []
    for author_id in dict.fromkeys(authors[post_id] for post_id in page_ids):
        keys.append((UserProfile, (user_pk(author_id), PROFILE)))
        if author_id != reader_id:
            keys.append((Edge, edge_key(reader_id, FOLLOWS, author_id)))
            keys.append((Edge, edge_key(reader_id, AFFINITY, author_id)))
    for post_id in page_ids:
        keys.append((Like, (post_pk(post_id), f"{LIKE}{reader_id}")))
        if post_id not in pulled:
            keys.append((Post, (post_pk(post_id), POST)))
    fetched = get_many(keys)
    posts = [pulled.get(p) or fetched.get(Post, (post_pk(p), POST)) for p in page_ids]
    media_keys: list[tuple[type[Model], Key]] = [
        (MediaItem, (media_pk(media_id), MEDIA))
        for post in posts
        if post is not None
        for media_id in post.media_ids
    ]
    if media_keys:
        fetched.merge(get_many(media_keys))
    return fetched


def _still_follows(reader_id: str, author_id: str, fetched: Fetched) -> bool:
    return author_id == reader_id or (
        fetched.get(Edge, edge_key(reader_id, FOLLOWS, author_id)) is not None
    )


def _ranked(
    reader_id: str, shown: list[tuple[PostOut, str]], fetched: Fetched
) -> list[tuple[PostOut, str]]:
    """The page re-ordered by score (pages stay chronological slices of the feed)."""
    moment = now()

    def interactions(author_id: str) -> int:
        edge = fetched.get(Edge, edge_key(reader_id, AFFINITY, author_id))
        return int(edge.interactions or 0) if edge is not None else 0

    def score(entry: tuple[PostOut, str]) -> float:
        view, author_id = entry
        return ranking.score(
            view.created_at, view.like_count, view.comment_count, interactions(author_id), moment
        )

    return sorted(shown, key=score, reverse=True)
