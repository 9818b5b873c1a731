"""The exact requests Glimpse sends to OpenSearch, through opensearch-py's own transport with a
recording connection: query DSL per route, the indexer's bulk body with external versions,
and how answers (409s, failures, a missing index) are read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from opensearchpy import OpenSearch
from opensearchpy.connection import Connection
from opensearchpy.exceptions import ConnectionError as SearchConnectionError
from opensearchpy.exceptions import NotFoundError

from glimpse.adapters import search
from glimpse.models.batch import Fetched
from glimpse.models.posts import POST, Post, post_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.search import indexer, queries, ranking
from glimpse.search.documents import DELETED

MOMENT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class Recording(Connection):
    """A connection that records each request and answers from `answers` (status, body)."""

    sent: list[tuple[str, str, Any, Any]] = []
    answers: list[tuple[int, Any]] = []

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Any = None,
        body: Any = None,
        timeout: Any = None,
        ignore: Any = (),
        headers: Any = None,
    ) -> tuple[int, dict[str, str], str]:
        Recording.sent.append((method, url, params, body))
        status, answer = Recording.answers.pop(0)
        if status == 599:
            raise SearchConnectionError("N/A", "refused", Exception("refused"))
        if status == 404:
            raise NotFoundError(404, "index_not_found_exception", answer)
        return status, {"content-type": "application/json"}, json.dumps(answer)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recording]]:
    Recording.sent, Recording.answers = [], []
    client = OpenSearch(hosts=["http://search.test:80"], connection_class=Recording, max_retries=0)
    monkeypatch.setattr(search, "client", lambda: client)
    return Recording


def sent_json(index: int = -1) -> tuple[str, str, Any]:
    method, url, _params, body = Recording.sent[index]
    return method, url, json.loads(body)


def test_a_hashtag_page_asks_public_posts_newest_first_after_the_cursor(
    cluster: type[Recording],
) -> None:
    cluster.answers.append((200, {"hits": {"hits": [{"_source": {"post_id": "B"}}]}}))
    answer = search.search("posts", queries.hashtag_posts("sunset", 21, "C", ["x", "a"]))
    assert answer["hits"]["hits"][0]["_source"] == {"post_id": "B"}
    assert sent_json() == (
        "POST",
        "/posts/_search",
        {
            "size": 21,
            "_source": ["post_id"],
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"hashtags": "sunset"}},
                        {"term": {"visibility": "public"}},
                    ],
                    "must_not": [{"terms": {"author_id": ["a", "x"]}}],
                }
            },
            "sort": [{"post_id": "desc"}],
            "search_after": ["C"],
        },
    )


def test_users_are_searched_by_exact_name_prefix_and_typos(cluster: type[Recording]) -> None:
    cluster.answers.append((200, {"hits": {"hits": []}}))
    search.search("users", queries.users("Ali", 11, 20))
    _method, url, body = sent_json()
    assert url == "/users/_search"
    assert body["from"] == 20
    assert body["size"] == 11
    assert body["query"]["bool"]["should"] == [
        {"term": {"username": {"value": "ali", "boost": 10}}},
        {"match": {"username.prefix": {"query": "ali", "boost": 4}}},
        {"match": {"display_name.prefix": {"query": "Ali", "operator": "and", "boost": 2}}},
        {"match": {"display_name": {"query": "Ali", "fuzziness": "AUTO"}}},
        {"fuzzy": {"username": {"value": "ali", "fuzziness": "AUTO", "prefix_length": 1}}},
    ]
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert body["sort"] == ["_score", {"followers_count": "desc"}, {"user_id": "asc"}]


def test_posts_by_caption_and_tag_counts(cluster: type[Recording]) -> None:
    cluster.answers += [(200, {"hits": {"hits": []}}), (200, {"hits": {"hits": []}})]
    search.search("posts", queries.posts("Golden Bay", 21, 0, []))
    _method, _url, body = sent_json()
    assert body["query"]["bool"] == {
        "should": [
            {"match": {"caption": {"query": "Golden Bay", "operator": "and"}}},
            {"term": {"hashtags": {"value": "golden bay", "boost": 2}}},
        ],
        "minimum_should_match": 1,
        "filter": [{"term": {"visibility": "public"}}],
        "must_not": [],
    }
    search.search("posts", queries.tag_counts(["sun", "sunset"], {"blocker", "blocked"}))
    _method, _url, body = sent_json()
    assert body == {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"terms": {"hashtags": ["sun", "sunset"]}},
                    {"term": {"visibility": "public"}},
                ],
                "must_not": [{"terms": {"author_id": ["blocked", "blocker"]}}],
            }
        },
        "aggs": {"tags": {"terms": {"field": "hashtags", "include": ["sun", "sunset"], "size": 2}}},
    }


def test_explore_candidates_are_recent_public_posts_of_strangers(cluster: type[Recording]) -> None:
    cluster.answers.append((200, {"hits": {"hits": []}}))
    since = datetime(2026, 11, 15, 9, 30, tzinfo=UTC)
    search.search("posts", queries.explore({"me", "friend"}, since, MOMENT, 300))
    _method, _url, body = sent_json()
    scored = body["query"]["function_score"]
    assert scored["query"]["bool"] == {
        "filter": [
            {"term": {"visibility": "public"}},
            {
                "range": {
                    "created_at": {
                        "gte": "2026-11-15T09:30:00.000Z",
                        "lte": "2026-11-22T09:30:00.000Z",
                    }
                }
            },
        ],
        "must_not": [{"terms": {"author_id": ["friend", "me"]}}],
    }
    assert scored["functions"][2] == {
        "gauss": {"created_at": {"origin": "2026-11-22T09:30:00.000Z", "scale": "2d"}}
    }
    assert scored["score_mode"] == "sum"
    assert scored["boost_mode"] == "replace"
    assert body["size"] == 300
    assert body["_source"] == queries.EXPLORE_FIELDS


def test_a_missing_index_finds_nothing(cluster: type[Recording]) -> None:
    cluster.answers.append((404, {"error": "no such index"}))
    assert search.search("hashtags", queries.hashtags("sun", 5, 0))["hits"]["hits"] == []


def _post(post_id: str, author: str, revision: int, tags: list[str]) -> Post:
    return Post(
        post_pk(post_id),
        POST,
        post_id=post_id,
        author_id=author,
        media_ids=["m"],
        caption="#" + " #".join(tags),
        hashtags=tags,
        like_count=3,
        comment_count=1,
        revision=revision,
        created_at=MOMENT,
    )


def _profile(user_id: str, revision: int, private: bool = False) -> UserProfile:
    return UserProfile(
        user_pk(user_id),
        PROFILE,
        user_id=user_id,
        username=f"name_{user_id}",
        email="x@example.com",
        display_name="Name",
        is_private=private,
        followers_count=7,
        revision=revision,
        created_at=MOMENT,
        updated_at=MOMENT,
    )


def _fetched(*items: Post | UserProfile) -> Fetched:
    fetched = Fetched()
    for item in items:
        fetched.add(type(item), item)
    return fetched


def test_the_indexer_sends_one_bulk_with_external_versions(
    cluster: type[Recording], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _fetched(_post("P1", "U1", 4, ["sun"]), _profile("U1", 2), _profile("U2", 9, True))
    monkeypatch.setattr(indexer, "get_many", lambda keys, consistent: state)
    cluster.answers.append(
        (
            200,
            {
                "errors": True,
                "items": [
                    {"index": {"_id": "P1", "status": 201}},
                    {"create": {"_id": "sun", "status": 409}},  # the tag is known already
                    {"delete": {"_id": "P2", "status": 404}},  # never indexed: fine
                    {"index": {"_id": "U1", "status": 409}},  # newer there: done before
                    {"index": {"_id": "U2", "status": 429}},  # refused: retried
                ],
            },
        )
    )
    changes = [
        indexer.Change("1", "post", "P1"),
        indexer.Change("2", "post", "P2"),  # deleted
        indexer.Change("3", "account", "U1"),
        indexer.Change("4", "post", "P1"),  # again: one action
        indexer.Change("5", "account", "U2"),
    ]
    indexed = indexer.index(changes)
    assert (indexed.requests, indexed.documents, indexed.stale) == (1, 5, 1)
    assert indexed.failed == {"5"}
    method, url, _params, body = cluster.sent[-1]
    assert (method, url) == ("POST", "/_bulk")
    assert [json.loads(line) for line in body.decode().splitlines()] == [
        {
            "index": {
                "_index": "posts",
                "_id": "P1",
                "version": 4 + 2 + 1,
                "version_type": "external",
            }
        },
        {
            "post_id": "P1",
            "author_id": "U1",
            "caption": "#sun",
            "hashtags": ["sun"],
            "place_id": None,
            "visibility": "public",
            "like_count": 3,
            "comment_count": 1,
            "created_at": "2026-11-22T09:30:00.000Z",
        },
        {"create": {"_index": "hashtags", "_id": "sun"}},
        {"tag": "sun", "first_used_at": "2026-11-22T09:30:00.000Z"},
        {
            "delete": {
                "_index": "posts",
                "_id": "P2",
                "version": DELETED,
                "version_type": "external",
            }
        },
        {"index": {"_index": "users", "_id": "U1", "version": 3, "version_type": "external"}},
        {
            "user_id": "U1",
            "username": "name_U1",
            "display_name": "Name",
            "is_private": False,
            "followers_count": 7,
        },
        {"index": {"_index": "users", "_id": "U2", "version": 10, "version_type": "external"}},
        {
            "user_id": "U2",
            "username": "name_U2",
            "display_name": "Name",
            "is_private": True,
            "followers_count": 7,
        },
    ]


def test_a_cluster_that_does_not_answer_fails_every_record(
    cluster: type[Recording], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _fetched(_post("P1", "U1", 0, []), _profile("U1", 0))
    monkeypatch.setattr(indexer, "get_many", lambda keys, consistent: state)
    cluster.answers.append((599, None))
    indexed = indexer.index([indexer.Change("7", "post", "P1"), indexer.Change("8", "post", "P9")])
    assert indexed.failed == {"7", "8"}


def test_explore_pages_hold_two_posts_per_author_and_lose_none() -> None:
    def candidate(n: int, author: str, likes: int) -> ranking.Candidate:
        return ranking.Candidate(f"P{n:02}", author, likes, 0, MOMENT)

    posts = [candidate(n, "star", 100 - n) for n in range(5)] + [
        candidate(10 + n, f"a{n}", 10) for n in range(4)
    ]
    order = ranking.ranked(posts, MOMENT)
    assert [c.post_id for c in order[:5]] == ["P00", "P01", "P02", "P03", "P04"]
    pages = ranking.pages(order, 4)
    assert [[c.post_id for c in page] for page in pages] == [
        ["P00", "P01", "P13", "P12"],
        ["P02", "P03", "P11", "P10"],
        ["P04"],
    ]


def test_older_posts_with_the_same_engagement_rank_lower() -> None:
    fresh = ranking.Candidate("P2", "a", 10, 2, MOMENT)
    old = ranking.Candidate("P1", "b", 10, 2, datetime(2026, 11, 20, 21, 30, tzinfo=UTC))
    assert ranking.score(old, MOMENT) == pytest.approx(ranking.score(fresh, MOMENT) / 2)
    assert ranking.ranked([old, fresh], MOMENT) == [fresh, old]


def test_a_count_below_zero_for_a_moment_is_indexed_and_ranked_as_zero() -> None:
    from glimpse.search.documents import post_document

    dipped = _post("P1", "U1", 1, [])
    dipped.like_count, dipped.comment_count = -1, -2
    document = post_document(dipped, _profile("U1", 0))
    assert (document["like_count"], document["comment_count"]) == (0, 0)
    candidate = ranking.Candidate("P1", "U1", -1, -2, MOMENT)
    assert ranking.score(candidate, MOMENT) == 1.0


def test_a_document_refused_for_good_is_reported_not_retried(
    cluster: type[Recording], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _fetched(_post("P1", "U1", 0, []), _profile("U1", 0))
    monkeypatch.setattr(indexer, "get_many", lambda keys, consistent: state)
    refusal = {"type": "mapper_parsing_exception", "reason": "failed to parse"}
    cluster.answers.append(
        (
            200,
            {"errors": True, "items": [{"index": {"_id": "P1", "status": 400, "error": refusal}}]},
        )
    )
    indexed = indexer.index([indexer.Change("9", "post", "P1")])
    assert indexed.failed == set()
    assert len(indexed.rejected) == 1
    assert indexed.rejected[0].startswith("posts/P1: ")
