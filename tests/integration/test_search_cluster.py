"""The production queries and index templates against a real OpenSearch cluster.

Runs only with `OPENSEARCH_URL` set (a throwaway cluster: the `users`, `posts` and `hashtags`
indexes are deleted and made again), e.g. OpenSearch 2.x with its security plugin off:

    OPENSEARCH_URL=http://localhost:9200 .venv/bin/python -m pytest -m opensearch \
        tests/integration/test_search_cluster.py

What the local cloud approximates (analyzers, fuzziness, scores, function_score, versions) is
checked here for real: the same request bodies (glimpse.search.queries), the same bulk lines
(glimpse.search.indexer).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from glimpse.adapters import search
from glimpse.models.batch import Fetched
from glimpse.search import indexer, queries, setup
from glimpse.search.documents import HASHTAGS, POSTS, USERS
from tests.unit.test_search_dsl import _fetched, _post, _profile

URL = os.environ.get("OPENSEARCH_URL", "")
pytestmark = [
    pytest.mark.opensearch,
    pytest.mark.skipif(not URL, reason="OPENSEARCH_URL is not set (no real cluster to run on)"),
]
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[URL], timeout=30)
    original = search.client
    search.client = lambda: client  # type: ignore[assignment]
    for name in (USERS, POSTS, HASHTAGS):
        client.indices.delete(index=name, ignore=[404])
    assert sorted(setup.apply()) == [HASHTAGS, POSTS, USERS]
    yield client
    search.client = original  # type: ignore[assignment]


def index(monkeypatch: pytest.MonkeyPatch, fetched: Fetched, *changes: indexer.Change) -> Any:
    monkeypatch.setattr(indexer, "get_many", lambda keys, consistent: fetched)
    indexed = indexer.index(list(changes))
    search.client().indices.refresh(index=f"{USERS},{POSTS},{HASHTAGS}")
    return indexed


def ids(answer: dict[str, Any], field: str) -> list[str]:
    return [hit["_source"][field] for hit in answer["hits"]["hits"]]


def test_users_by_prefix_typo_and_display_name(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [_profile(u, 1) for u in ("alice", "alicia", "bob")]
    for person, name in zip(people, ("Alice Liddell", "Alicia Keys", "Bob Marley"), strict=True):
        person.username, person.display_name = person.user_id, name
    index(
        monkeypatch,
        _fetched(*people),
        *(indexer.Change(p.user_id, "account", p.user_id) for p in people),
    )
    assert ids(search.search(USERS, queries.users("ali", 10, 0)), "user_id")[:2] in (
        ["alice", "alicia"],
        ["alicia", "alice"],
    )
    assert ids(search.search(USERS, queries.users("alice", 10, 0)), "user_id")[0] == "alice"
    assert "alice" in ids(search.search(USERS, queries.users("alcie", 10, 0)), "user_id")
    assert ids(search.search(USERS, queries.users("marl", 10, 0)), "user_id") == ["bob"]


def test_posts_hashtags_counts_versions_and_explore(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, shy = _profile("pub", 1), _profile("shy", 1, private=True)
    sunset = _post("01P0000000000000000000000A", "pub", 1, ["sunset"])
    sunset.caption = "Golden sunsets over the bay #sunset"
    sun = _post("01P0000000000000000000000B", "pub", 1, ["sun"])
    hidden = _post("01P0000000000000000000000C", "shy", 1, ["sunset"])
    for post in (sunset, sun, hidden):
        post.created_at = NOW - timedelta(hours=1)
    state = _fetched(author, shy, sunset, sun, hidden)
    changes = [indexer.Change(p.post_id, "post", p.post_id) for p in (sunset, sun, hidden)]
    assert index(monkeypatch, state, *changes).failed == set()

    found = search.search(POSTS, queries.posts("sunset", 10, 0, []))
    assert ids(found, "post_id") == [sunset.post_id]  # stemmed; the private one never
    tagged = search.search(POSTS, queries.hashtag_posts("sun", 10, None, []))
    assert ids(tagged, "post_id") == [sun.post_id]  # exact tags, not prefixes
    assert ids(search.search(HASHTAGS, queries.hashtags("sun", 10, 0)), "tag") == ["sun", "sunset"]
    counts = search.search(POSTS, queries.tag_counts(["sun", "sunset"], []))["aggregations"]
    assert {b["key"]: b["doc_count"] for b in counts["tags"]["buckets"]} == {"sun": 1, "sunset": 1}
    blocked = search.search(POSTS, queries.tag_counts(["sun", "sunset"], ["pub"]))["aggregations"]
    assert blocked["tags"]["buckets"] == []  # the private one is never counted

    older = _post(sunset.post_id, "pub", 0, ["sunset"])  # a stale read: refused
    older.created_at, older.caption = sunset.created_at, "stale"
    assert index(monkeypatch, _fetched(author, older), changes[0]).stale == 1
    assert ids(search.search(POSTS, queries.posts("stale", 10, 0, [])), "post_id") == []

    gone = index(monkeypatch, _fetched(author), changes[1])  # deleted
    assert gone.failed == set()
    assert index(monkeypatch, _fetched(author, sun), changes[1]).stale == 1  # not brought back

    body = queries.explore({"someone"}, NOW - timedelta(days=7), NOW, 50)
    assert ids(search.search(POSTS, body), "post_id") == [sunset.post_id]
    body = queries.explore({"pub"}, NOW - timedelta(days=7), NOW, 50)
    assert ids(search.search(POSTS, body), "post_id") == []
