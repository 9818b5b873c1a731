"""Search and explore: OpenSearch finds candidates, DynamoDB decides what the caller sees.

Accounts blocked either way with the caller are left out in the query (`_blocked`), and
every result then goes through the rules the rest of the API applies (glimpse.graph.access,
glimpse.posts.views): a post is shown only if the caller may see it and its author's account
is public now (the index may lag a privacy flip by a moment; this read does not). A page can
therefore hold fewer items than asked for; `next_cursor` still leads on. A hashtag's count is
of the posts a page of it shows (glimpse.search.queries.tag_counts), but for that lag and a
post hidden by its rejected media.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from glimpse.adapters import search as cluster
from glimpse.clock import first_id_at, now, time_of
from glimpse.directory import UserSummary
from glimpse.errors import BadRequest, field_error
from glimpse.graph.access import blocks_either_way, listed
from glimpse.models.batch import get_many
from glimpse.models.graph import FOLLOWS, edge_ids
from glimpse.models.posts import POST, Post, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, decode_cursor, encode_cursor
from glimpse.places import service as places
from glimpse.places.schemas import PlaceOut
from glimpse.posts.schemas import PostOut
from glimpse.posts.text import normal_tag
from glimpse.posts.views import may_see, post_view, sight_keys
from glimpse.search import queries, ranking
from glimpse.search.documents import HASHTAGS, PLACES, POSTS, USERS
from glimpse.search.schemas import HashtagOut, SearchType

_WORD = re.compile(r"\w")
MAX_OFFSET = 1000  # relevance lists page this deep at most
HIDDEN_CAP = 10_000  # follows, blocks (and edges about the caller) read to leave out by id
EXPLORE_WINDOW = timedelta(days=7)  # explore shows posts this recent
EXPLORE_CANDIDATES = 300  # read from OpenSearch per explore page, then ranked here


def search(
    caller_id: str,
    q: str,
    kind: SearchType,
    limit: int,
    cursor: str | None,
    near: str | None = None,
) -> Page[UserSummary] | Page[HashtagOut] | Page[PostOut] | Page[PlaceOut]:
    point = _point(near) if kind == "places" else None
    text = q.strip()
    if not _WORD.search(text):  # only punctuation: nothing a word or a tag could match
        return Page[Any](items=[])
    list_id = f"search:{caller_id}:{kind}:{text.lower()}" + (f":{point}" if point else "")
    position = decode_cursor(list_id, cursor)
    offset = int(position["offset"]) if position else 0
    size = min(limit, MAX_OFFSET - offset)
    if kind == "users":
        hits, more = _hits(USERS, queries.users(text, size + 1, offset), size)
        users = listed(caller_id, [h["user_id"] for h in hits])
        page: Page[Any] = Page[UserSummary](
            items=[u for h in hits if (u := users.get(h["user_id"]))]
        )
    elif kind == "hashtags":
        hits, more = _hits(HASHTAGS, queries.hashtags(text, size + 1, offset), size)
        page = Page[HashtagOut](items=_counted(caller_id, [h["tag"] for h in hits], text))
    elif kind == "places":
        hits, more = _hits(PLACES, queries.places(text, size + 1, offset, point), size)
        page = Page[PlaceOut](items=_places([h["place_id"] for h in hits]))
    else:
        blocked = _blocked(caller_id)
        hits, more = _hits(POSTS, queries.posts(text, size + 1, offset, blocked), size)
        page = Page[PostOut](items=_shown(caller_id, [h["post_id"] for h in hits]))
    if more and offset + size < MAX_OFFSET:
        page.next_cursor = encode_cursor(list_id, {"offset": offset + size})
    return page


def hashtag_posts(caller_id: str, tag: str, limit: int, cursor: str | None) -> Page[PostOut]:
    """Public posts with the tag, newest first; a post whose caption lost the tag is left out
    at once, while the index catches up with the edit."""
    name = normal_tag(tag)
    list_id = f"hashtag:{caller_id}:{name}"
    position = decode_cursor(list_id, cursor)
    before = str(position["before"]) if position else None
    blocked = _blocked(caller_id)
    hits, more = _hits(POSTS, queries.hashtag_posts(name, limit + 1, before, blocked), limit)
    post_ids = [h["post_id"] for h in hits]
    next_cursor = encode_cursor(list_id, {"before": post_ids[-1]}) if more else None
    shown = [view for view in _shown(caller_id, post_ids) if name in view.hashtags]
    return Page[PostOut](items=shown, next_cursor=next_cursor)


def place_posts(caller_id: str, place_id: str, limit: int, cursor: str | None) -> Page[PostOut]:
    """Public posts at the place, newest first, as a hashtag's page (blocked accounts' posts
    left out); a post whose place was edited away is left out at once, while the index
    catches up. 404 for a place that does not exist."""
    places.get(place_id)
    list_id = f"place:{caller_id}:{place_id}"
    position = decode_cursor(list_id, cursor)
    before = str(position["before"]) if position else None
    blocked = _blocked(caller_id)
    body = queries.place_posts(place_id, limit + 1, before, blocked)
    hits, more = _hits(POSTS, body, limit)
    post_ids = [h["post_id"] for h in hits]
    next_cursor = encode_cursor(list_id, {"before": post_ids[-1]}) if more else None
    shown = [v for v in _shown(caller_id, post_ids) if v.place and v.place.place_id == place_id]
    return Page[PostOut](items=shown, next_cursor=next_cursor)


def _point(near: str | None) -> tuple[float, float] | None:
    """`near` (`lat,lng`) as a point; 400 when a coordinate is out of range."""
    if near is None:
        return None
    lat, lng = (float(part) for part in near.split(","))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise BadRequest(
            "near is lat,lng: lat in -90..90, lng in -180..180.",
            [field_error("near", "lat in -90..90, lng in -180..180")],
        )
    return lat, lng


def _places(place_ids: list[str]) -> list[PlaceOut]:
    """The places found, in order, as they are now (their counts): one BatchGetItem."""
    fetched = get_many([places.key(p) for p in place_ids])
    return [p for i in place_ids if (p := places.shown(fetched, i)) is not None]


def explore(caller_id: str, limit: int, cursor: str | None) -> Page[PostOut]:
    """Public posts of accounts the caller neither follows nor blocks (nor is blocked by),
    ranked by engagement and freshness as of the session's first page, at most two per
    author on a page."""
    list_id = f"explore:{caller_id}:{limit}"
    position = decode_cursor(list_id, cursor)
    # Millisecond precision from the first page on, as the cursor carries it.
    as_of = time_of(str(position["as_of"]) if position else first_id_at(now()))
    number = int(position["page"]) if position else 0
    hidden = {caller_id, *edge_ids(caller_id, FOLLOWS, HIDDEN_CAP), *_blocked(caller_id)}
    body = queries.explore(hidden, as_of - EXPLORE_WINDOW, as_of, EXPLORE_CANDIDATES)
    candidates = [
        ranking.Candidate(
            post_id=h["post_id"],
            author_id=h["author_id"],
            like_count=int(h.get("like_count") or 0),
            comment_count=int(h.get("comment_count") or 0),
            created_at=time_of(h["post_id"]),
        )
        for h in _sources(cluster.search(POSTS, body))
        if h.get("author_id") not in hidden  # an index that lags an unfollow: not here
    ]
    pages = ranking.pages(ranking.ranked(candidates, as_of), limit)
    chosen = pages[number] if number < len(pages) else []
    more = number + 1 < len(pages)
    next_cursor = (
        encode_cursor(list_id, {"as_of": first_id_at(as_of), "page": number + 1}) if more else None
    )
    return Page[PostOut](
        items=_shown(caller_id, [c.post_id for c in chosen]), next_cursor=next_cursor
    )


def _blocked(caller_id: str) -> set[str]:
    """The authors every search query leaves out: accounts blocked either way with the
    caller (so a page is not short of them, and a hashtag's count is without them)."""
    return blocks_either_way(caller_id, HIDDEN_CAP)


def _hits(index: str, body: dict[str, Any], size: int) -> tuple[list[dict[str, Any]], bool]:
    """The first `size` hits' sources, and whether there are more (the body asks one more)."""
    found = _sources(cluster.search(index, body))
    return found[:size], len(found) > size


def _sources(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(hit.get("_source") or {}) for hit in answer["hits"]["hits"]]


def _counted(caller_id: str, tags: list[str], q: str) -> list[HashtagOut]:
    """Tags with the posts the caller may see counted now (glimpse.search.queries.tag_counts);
    a tag none of them carries is left out. The exact tag first, then the most used."""
    if not tags:
        return []
    answer = cluster.search(POSTS, queries.tag_counts(tags, _blocked(caller_id)))
    buckets = answer.get("aggregations", {}).get("tags", {}).get("buckets", [])
    counts = {str(b["key"]): int(b["doc_count"]) for b in buckets}
    exact = normal_tag(q)
    shown = [HashtagOut(tag=t, post_count=counts[t]) for t in tags if counts.get(t)]
    return sorted(shown, key=lambda h: (h.tag != exact, -h.post_count, h.tag))


def _shown(caller_id: str, post_ids: list[str]) -> list[PostOut]:
    """The posts, in order, as the caller sees them: only those the caller may see whose
    author's account is public (search never shows a private account's posts, even to its
    followers)."""
    fetched = get_many([(Post, (post_pk(p), POST)) for p in post_ids])
    posts = [p for i in post_ids if (p := fetched.get(Post, (post_pk(i), POST))) is not None]
    fetched.merge(get_many([k for post in posts for k in sight_keys(caller_id, post)]))
    shown: list[PostOut] = []
    for post in posts:
        author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
        if author is None or author.is_private or not may_see(caller_id, post, fetched):
            continue
        view = post_view(caller_id, post, fetched)
        if view is not None:
            shown.append(view)
    return shown
