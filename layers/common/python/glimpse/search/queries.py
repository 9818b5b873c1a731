"""The search requests Glimpse sends, as OpenSearch query DSL (the one place they are written).

Each function returns a request body for one index. Queries ask only for ids (and what
ranking needs); the posts and accounts shown come from DynamoDB, through the same rules
every other list applies, so the index is a way to find things and never what decides who
sees them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from glimpse.clock import iso
from glimpse.posts.text import normal_tag


def _without(field: str, values: Collection[str]) -> list[dict[str, Any]]:
    return [{"terms": {field: sorted(values)}}] if values else []


def users(q: str, size: int, offset: int) -> dict[str, Any]:
    """Accounts by username (exact, prefix, one or two typos) or display name (its words'
    prefixes, or the words with typos); exact usernames first, then better matches, then
    more followed accounts."""
    text = q.lower()
    return {
        "from": offset,
        "size": size,
        "_source": ["user_id"],
        "query": {
            "bool": {
                "should": [
                    {"term": {"username": {"value": text, "boost": 10}}},
                    {"match": {"username.prefix": {"query": text, "boost": 4}}},
                    {"match": {"display_name.prefix": {"query": q, "operator": "and", "boost": 2}}},
                    {"match": {"display_name": {"query": q, "fuzziness": "AUTO"}}},
                    {
                        "fuzzy": {
                            "username": {"value": text, "fuzziness": "AUTO", "prefix_length": 1}
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        },
        "sort": ["_score", {"followers_count": "desc"}, {"user_id": "asc"}],
    }


def posts(q: str, size: int, offset: int, hidden_authors: Collection[str]) -> dict[str, Any]:
    """Public posts whose caption has every word (English stemming), or tagged with `q`."""
    return {
        "from": offset,
        "size": size,
        "_source": ["post_id"],
        "query": {
            "bool": {
                "should": [
                    {"match": {"caption": {"query": q, "operator": "and"}}},
                    {"term": {"hashtags": {"value": normal_tag(q), "boost": 2}}},
                ],
                "minimum_should_match": 1,
                "filter": [{"term": {"visibility": "public"}}],
                "must_not": _without("author_id", hidden_authors),
            }
        },
        "sort": ["_score", {"post_id": "desc"}],
    }


def hashtag_posts(
    tag: str, size: int, before: str | None, hidden_authors: Collection[str]
) -> dict[str, Any]:
    """Public posts with the tag, newest first (post ids are time-ordered), after `before`."""
    return _newest_public({"hashtags": tag}, size, before, hidden_authors)


def place_posts(
    place_id: str, size: int, before: str | None, hidden_authors: Collection[str]
) -> dict[str, Any]:
    """Public posts at the place, newest first, after `before`."""
    return _newest_public({"place_id": place_id}, size, before, hidden_authors)


def _newest_public(
    term: dict[str, str], size: int, before: str | None, hidden_authors: Collection[str]
) -> dict[str, Any]:
    """Public posts matching `term` (one keyword field), newest first, after `before`, but
    those of `hidden_authors`: a page of a hashtag or a place."""
    body: dict[str, Any] = {
        "size": size,
        "_source": ["post_id"],
        "query": {
            "bool": {
                "filter": [{"term": term}, {"term": {"visibility": "public"}}],
                "must_not": _without("author_id", hidden_authors),
            }
        },
        "sort": [{"post_id": "desc"}],
    }
    if before is not None:
        body["search_after"] = [before]
    return body


def places(q: str, size: int, offset: int, near: tuple[float, float] | None) -> dict[str, Any]:
    """Places whose name has every word of `q` (accents and case aside), or starts with
    them; nearest to `near` first when given (great-circle distance), else best matches."""
    matched = {
        "bool": {
            "should": [
                {"match": {"name": {"query": q, "operator": "and", "boost": 2}}},
                {"match": {"name.prefix": {"query": q, "operator": "and"}}},
            ],
            "minimum_should_match": 1,
        }
    }
    by: list[Any] = ["_score", {"place_id": "asc"}]
    if near is not None:
        lat, lng = near
        distance = {"location": {"lat": lat, "lon": lng}, "order": "asc", "unit": "m"}
        by = [{"_geo_distance": distance}, {"place_id": "asc"}]
    return {"from": offset, "size": size, "_source": ["place_id"], "query": matched, "sort": by}


def hashtags(q: str, size: int, offset: int) -> dict[str, Any]:
    """Tags equal to, or starting with, `q`."""
    text = normal_tag(q)
    return {
        "from": offset,
        "size": size,
        "_source": ["tag"],
        "query": {
            "bool": {
                "should": [
                    {"term": {"tag": {"value": text, "boost": 10}}},
                    {"match": {"tag.prefix": {"query": text}}},
                ],
                "minimum_should_match": 1,
            }
        },
        "sort": ["_score", {"tag": "asc"}],
    }


def tag_counts(tags: list[str], hidden_authors: Collection[str]) -> dict[str, Any]:
    """How many posts with each tag the caller may see: public posts (what a stranger sees:
    the index holds no deleted post, and no post of a deleted account) but those of
    `hidden_authors` (accounts blocked either way with the caller). Counted when asked, so
    deletes, accounts turning private and blocks count at once, and no shared counter is
    written per post."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [{"terms": {"hashtags": tags}}, {"term": {"visibility": "public"}}],
                "must_not": _without("author_id", hidden_authors),
            }
        },
        "aggs": {"tags": {"terms": {"field": "hashtags", "include": tags, "size": len(tags)}}},
    }


EXPLORE_FIELDS = ["post_id", "author_id", "like_count", "comment_count", "created_at"]


def explore(
    hidden_authors: Collection[str], since: datetime, as_of: datetime, size: int
) -> dict[str, Any]:
    """Candidates for explore: recent public posts of accounts not hidden (followed, blocked,
    the caller), the most engaging and freshest first. Ranked again in Python
    (glimpse.search.ranking), which also spreads authors."""
    return {
        "size": size,
        "_source": EXPLORE_FIELDS,
        "query": {
            "function_score": {
                "query": {
                    "bool": {
                        "filter": [
                            {"term": {"visibility": "public"}},
                            {"range": {"created_at": {"gte": iso(since), "lte": iso(as_of)}}},
                        ],
                        "must_not": _without("author_id", hidden_authors),
                    }
                },
                "functions": [
                    {
                        "field_value_factor": {
                            "field": "like_count",
                            "modifier": "log1p",
                            "missing": 0,
                        }
                    },
                    {
                        "field_value_factor": {
                            "field": "comment_count",
                            "factor": 2,
                            "modifier": "log1p",
                            "missing": 0,
                        }
                    },
                    {"gauss": {"created_at": {"origin": iso(as_of), "scale": "2d"}}},
                ],
                "score_mode": "sum",
                "boost_mode": "replace",
            }
        },
        "sort": ["_score", {"post_id": "desc"}],
    }
