"""Search: the indexer's throughput, and what one explore page costs.

In process on moto (every resource from template.yaml) and the local cloud's search engine,
served over HTTP as `make run` serves it (opensearch-py talks to it as to a domain).

1. **Indexer.** A batch of N stream records (posts of 50 authors, three hashtags each) through
   the indexer's handler, as one Lambda invocation: documents per second, bulk requests and
   DynamoDB requests per batch. Baseline in the same run: the same documents written one
   request per document (an `index` call each, what a per-record consumer would do).
   Each is timed over `--rounds` fresh batches; medians.
2. **Explore.** Requests behind one page of `GET /explore` (OpenSearch searches, DynamoDB
   requests by operation) for a reader following 200 accounts, and the page's time.

Absolute times are of the local engine (openmock scans its documents), not of OpenSearch;
the request counts are what they would be in AWS.

    python -m benchmarks.search [--records 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import botocore.client

from benchmarks import smoke
from benchmarks.moto_stack import LambdaContext, post_item, profiles, provisioned

TAGS = ["sunset", "travel", "food", "dogs", "city", "beach", "art", "music"]


@contextmanager
def counted() -> Iterator[Counter[str]]:
    """DynamoDB requests by operation, and search requests (`search:<method> <path>`)."""
    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
        return original(client, operation, params)

    from glimpse.adapters import search as cluster

    real_search, real_bulk = cluster.search, cluster.bulk

    def searched(index: str, body: dict[str, Any]) -> dict[str, Any]:
        calls["opensearch:search"] += 1
        return real_search(index, body)

    def bulked(actions: Any) -> list[dict[str, Any]]:
        calls["opensearch:bulk"] += 1
        return real_bulk(actions)

    with (
        mock.patch.object(botocore.client.BaseClient, "_make_api_call", record),
        mock.patch.object(cluster, "search", searched),
        mock.patch.object(cluster, "bulk", bulked),
    ):
        yield calls


def _dynamodb(calls: Counter[str]) -> str:
    """`11  (BatchGetItem 11)`: DynamoDB requests, then by operation."""
    ops = {k.split(":")[1]: v for k, v in sorted(calls.items()) if k.startswith("dynamodb:")}
    return f"{sum(ops.values())}  ({', '.join(f'{op} {n}' for op, n in ops.items())})"


def _tags(n: int) -> list[str]:
    return [TAGS[n % 8], TAGS[(n + 1) % 8], TAGS[(n + 3) % 8]]


def _posts(count: int, authors: list[str], round_: int) -> list[str]:
    from glimpse.models.batch import write_many
    from glimpse.models.posts import Post

    items = [
        post_item(
            authors[n % len(authors)],
            caption=f"round {round_} post {n} " + " ".join(f"#{t}" for t in _tags(n)),
            hashtags=_tags(n),
            like_count=n % 17,
            comment_count=n % 5,
        )
        for n in range(count)
    ]
    write_many(Post, puts=items)
    return [item.post_id for item in items]


def _records(post_ids: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventName": "INSERT",
                "dynamodb": {
                    "Keys": {"pk": {"S": f"POST#{p}"}, "sk": {"S": "POST"}},
                    "SequenceNumber": str(n),
                },
            }
            for n, p in enumerate(post_ids)
        ]
    }


def _one_by_one(post_ids: list[str]) -> None:
    """The baseline: each post read and written on its own (a request per document)."""
    from glimpse.search import indexer

    for post_id in post_ids:
        indexer.index([indexer.Change(post_id, "post", post_id)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = smoke.parse(parser, {"records": 40, "rounds": 1})

    from infra import opensearch
    from infra.local.fronts.search import SearchFront

    with provisioned():
        front = SearchFront.serving(opensearch.templates())
        os.environ["OPENSEARCH_ENDPOINT"] = front.url
        from glimpse.adapters import search as cluster
        from glimpse.config import get_settings

        get_settings.cache_clear()
        cluster.client.cache_clear()
        from functions.indexer import app as indexer_app

        authors = [f"author{n:03}" for n in range(50)]
        profiles(authors)
        bulk_times, single_times, counts = [], [], Counter[str]()
        for round_ in range(args.rounds):
            batch = _posts(args.records, authors, round_)
            with counted() as calls:
                started = time.perf_counter()
                answer = indexer_app.lambda_handler(_records(batch), LambdaContext("indexer"))
                bulk_times.append(time.perf_counter() - started)
            assert answer == {"batchItemFailures": []}, answer
            counts = calls
            single = _posts(args.records, authors, round_ + 100)
            started = time.perf_counter()
            _one_by_one(single[: args.records // 10])  # a tenth: it is slow
            single_times.append((time.perf_counter() - started) * 10)
        bulk = statistics.median(bulk_times)
        single_median = statistics.median(single_times)
        rate, baseline = args.records / bulk, args.records / single_median
        print(f"indexer, {args.records} stream records a batch ({args.rounds} rounds, medians):")
        print(f"  documents per second:    {rate:,.0f}  ({bulk * 1000:,.0f} ms per batch)")
        print(f"  bulk requests per batch: {counts['opensearch:bulk']}")
        print(f"  DynamoDB requests:       {_dynamodb(counts)}")
        print(f"  baseline, a request per document: {baseline:,.0f} documents per second")
        print(f"  -> bulk is {single_median / bulk:.1f}x faster")

        _explore()
        front.stop()


def _explore() -> None:
    from functions.search import app as search_app
    from glimpse.clock import now
    from glimpse.models.batch import write_many
    from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key
    from tests.integration.conftest import as_user

    reader = "reader"
    profiles([reader])
    followed = [f"author{n:03}" for n in range(0, 50, 4)] + [f"friend{n:03}" for n in range(188)]
    moment = now()
    edges = [Edge(*edge_key(reader, FOLLOWS, f), other_id=f, created_at=moment) for f in followed]
    edges += [
        Edge(*edge_key(f, FOLLOWER, reader), other_id=reader, created_at=moment) for f in followed
    ]
    write_many(Edge, puts=edges)
    times: list[float] = []
    for _ in range(5):
        event = as_user("search/explore", reader, reader)
        event["queryStringParameters"] = {"limit": "20"}
        event["multiValueQueryStringParameters"] = {"limit": ["20"]}
        with counted() as calls:
            started = time.perf_counter()
            response = search_app.lambda_handler(event, LambdaContext("search"))
            times.append(time.perf_counter() - started)
        assert response["statusCode"] == 200, response
    print(f"explore, one page of 20 for a reader following {len(followed)} accounts:")
    print(f"  OpenSearch searches per page: {calls['opensearch:search']}")
    print(f"  DynamoDB requests per page:   {_dynamodb(calls)}")
    print(f"  time per page (median of 5, local engine): {statistics.median(times) * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
