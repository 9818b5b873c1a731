"""`GET /feed`: the reader's fanned-out entries merged with followed celebrities' posts.

Calls, for a page:
1. Query the reader's feed partition, newest first (on the first page the same Query returns
   the reader's set of followed celebrity accounts; later pages read it with a GetItem);
   then the reader's mutes (a Query of its `MUTES#` edges, glimpse.graph.mutes);
2. BatchGetItem: the entries' posts, the follow edges to their authors, and the followed
   celebrities' profiles (their `last_post_id` says who has posted since the page's oldest
   entry: only those are queried);
3. one ByAuthor Query per celebrity with fresh posts (concurrently);
4. BatchGetItem: what the page's views need (authors, likes, media, affinities, and the
   follow edges to the celebrities that made the page).
Each BatchGetItem takes up to 100 keys; a larger page takes one more request per 100 keys.

Filtered on read: deleted posts (missing), authors the reader no longer follows (unfollowed
or blocked, whatever the clean-up jobs have done so far), authors whose posts the reader
muted (their entries and celebrity posts are not even read), posts hidden by a rejected media
item. At most FEED_CAP entries are ever served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from glimpse.clock import now
from glimpse.concurrency import each
from glimpse.feed import ranking
from glimpse.graph import mutes
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.feed import CELEBRITIES, FEED_CAP, FeedItem, feed_pk, followed_celebrities
from glimpse.models.graph import AFFINITY, FOLLOWS, Edge, edge_key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.posts import POST, Like, Post, author_pk, like_sk, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, decode_cursor, encode_cursor
from glimpse.places import service as places
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

    return [post for posts in each(newest, celebrities) for post in posts]


def feed(reader_id: str, limit: int, cursor: str | None, order: Order) -> Page[PostOut]:
    window = _window(reader_id, limit, cursor)
    if window.size <= 0:
        return Page[PostOut](items=[], next_cursor=None)
    entries, celebrities = _entries(reader_id, window)
    entry_authors = {entry.sk: str(entry.author_id) for entry in entries}
    muted = mutes.muted(reader_id).posts
    celebrities = [c for c in celebrities if c not in muted]
    # a muted author's entries keep their place in the page (the cursor goes past them) but
    # their posts are not read: the page leaves them out as it does deleted posts
    unmuted = {sk: author for sk, author in entry_authors.items() if author not in muted}
    fetched = get_many(_entry_keys(reader_id, unmuted, celebrities))
    fresh = _fresh_celebrities(celebrities, entries, window.size, fetched)
    pulled = {post.post_id: post for post in _celebrity_posts(fresh, window.before, window.size)}
    page_ids = sorted({*entry_authors, *pulled}, reverse=True)[: window.size]
    page = _page(page_ids, entry_authors, pulled, fetched)
    fetched.merge(get_many(_view_keys(reader_id, page, pulled, order)))
    shown = _shown(reader_id, page, fetched)
    if order == "ranked":
        shown = _ranked(reader_id, shown, fetched)
    return Page[PostOut](
        items=[view for view, _post in shown], next_cursor=_next_cursor(window, page_ids)
    )


@dataclass(frozen=True)
class _Window:
    """Where a page of the feed starts, and how many entries it may take."""

    list_id: str
    served: int  # entries the earlier pages served
    size: int
    before: str | None  # the previous page's last post id (None: this is the first page)


def _window(reader_id: str, limit: int, cursor: str | None) -> _Window:
    list_id = f"feed:{reader_id}"
    position = decode_cursor(list_id, cursor)
    served = int(position["served"]) if position else 0
    before = str(position["before"]) if position is not None else None
    return _Window(list_id, served, min(limit, FEED_CAP - served), before)


def _entries(reader_id: str, window: _Window) -> tuple[list[FeedItem], list[str]]:
    """The page's fanned-out entries, newest first, and the reader's followed celebrities."""
    if window.before is None:  # newest first; the celebrity set sorts above every post id
        rows = list(
            FeedItem.query(
                feed_pk(reader_id),
                FeedItem.sk <= CELEBRITIES,
                scan_index_forward=False,
                limit=window.size + 1,
            )
        )
        head = rows[0] if rows and rows[0].sk == CELEBRITIES else None
        celebrities = sorted(head.celebrity_ids or []) if head else []
        return [row for row in rows if row.sk != CELEBRITIES][: window.size], celebrities
    entries = FeedItem.query(
        feed_pk(reader_id), FeedItem.sk < window.before, scan_index_forward=False, limit=window.size
    )
    # the celebrities are not carried in the cursor
    return list(entries), followed_celebrities(reader_id)


def _entry_keys(
    reader_id: str, entry_authors: dict[str, str], celebrities: list[str]
) -> list[tuple[type[Model], Key]]:
    """The entries' posts, the follow edges to their authors, the celebrities' profiles."""
    return (
        [(Post, (post_pk(post_id), POST)) for post_id in entry_authors]
        + [
            (Edge, edge_key(reader_id, FOLLOWS, author_id))
            for author_id in set(entry_authors.values()) - {reader_id}
        ]
        + [(UserProfile, (user_pk(c), PROFILE)) for c in celebrities]
    )


def _fresh_celebrities(
    celebrities: list[str], entries: list[FeedItem], size: int, fetched: Fetched
) -> list[str]:
    """The celebrities who may be on this page: a celebrity whose newest post is older than
    this page's oldest entry cannot be."""
    oldest = entries[-1].sk if len(entries) == size else ""
    return [
        c
        for c in celebrities
        if (profile := fetched.get(UserProfile, (user_pk(c), PROFILE))) is not None
        and (profile.last_post_id or "") > oldest
    ]


def _page(
    page_ids: list[str], entry_authors: dict[str, str], pulled: dict[str, Post], fetched: Fetched
) -> list[Post]:
    """The page's posts, newest first; deleted posts (fetched as missing) are left out."""
    posts: dict[str, Post] = dict(pulled)
    for post_id in entry_authors:
        found = fetched.get(Post, (post_pk(post_id), POST))
        if found is not None:
            posts.setdefault(post_id, found)
    return [posts[post_id] for post_id in page_ids if post_id in posts]


def _shown(reader_id: str, page: list[Post], fetched: Fetched) -> list[tuple[PostOut, Post]]:
    """Each post's view and the post, unless the reader no longer follows the author or the
    post is hidden."""
    shown: list[tuple[PostOut, Post]] = []
    for post in page:
        if not _still_follows(reader_id, post.author_id, fetched):
            continue
        view = post_view(reader_id, post, fetched)
        if view is not None:
            shown.append((view, post))
    return shown


def _next_cursor(window: _Window, page_ids: list[str]) -> str | None:
    """Where the next page starts, if the feed (up to FEED_CAP entries) goes on."""
    served = window.served + len(page_ids)
    more = len(page_ids) == window.size and served < FEED_CAP
    return (
        encode_cursor(window.list_id, {"before": page_ids[-1], "served": served}) if more else None
    )


def _view_keys(
    reader_id: str, page: list[Post], pulled: dict[str, Post], order: Order
) -> list[tuple[type[Model], Key]]:
    keys: list[tuple[type[Model], Key]] = []
    for author_id in dict.fromkeys(post.author_id for post in page):
        keys.append((UserProfile, (user_pk(author_id), PROFILE)))
        if author_id != reader_id and order == "ranked":
            keys.append((Edge, edge_key(reader_id, AFFINITY, author_id)))
    for post in page:
        keys.append((Like, (post_pk(post.post_id), like_sk(reader_id))))
        keys.extend((MediaItem, (media_pk(m), MEDIA)) for m in post.media_ids)
        keys.extend(places.keys(post.place_id))
        if post.post_id in pulled and post.author_id != reader_id:
            keys.append((Edge, edge_key(reader_id, FOLLOWS, post.author_id)))
    return keys


def _still_follows(reader_id: str, author_id: str, fetched: Fetched) -> bool:
    return author_id == reader_id or (
        fetched.get(Edge, edge_key(reader_id, FOLLOWS, author_id)) is not None
    )


def _ranked(
    reader_id: str, shown: list[tuple[PostOut, Post]], fetched: Fetched
) -> list[tuple[PostOut, Post]]:
    """The page re-ordered by score (pages stay chronological slices of the feed); a like
    count its author hides still counts (the view shows null, the post keeps the count)."""
    moment = now()

    def interactions(author_id: str) -> int:
        edge = fetched.get(Edge, edge_key(reader_id, AFFINITY, author_id))
        return int(edge.interactions or 0) if edge is not None else 0

    def score(entry: tuple[PostOut, Post]) -> float:
        view, post = entry
        return ranking.score(
            view.created_at,
            int(post.like_count),
            view.comment_count,
            interactions(post.author_id),
            moment,
        )

    return sorted(shown, key=score, reverse=True)
