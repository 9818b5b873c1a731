"""Insights: what counting impressions and reach costs, and how close reach is.

Aggregation, in process on moto (every resource from template.yaml): `--impressions` served
posts, as feed pages of `--page` posts (one hot post in every page, the others drawn from
`--posts` posts of `--authors` authors) shown to viewers drawn from `--viewers` accounts,
logged as the API functions log them (one `served` line per page) and handed to the impressions
function as CloudWatch Logs deliveries of `--lines` lines each (AWS batches a log stream's
events; the fewer lines a delivery holds, the more each item is written). For each delivery
size it prints, per 1,000 impressions: DynamoDB requests, items written, bytes sent in writes
(sketches, counters, keys), and write units on paper (an update costs 1 per KB of the item's
size, 2 in a transaction: a reach item's stored sketch, at most 12 KB, dominates where it is
written, which is only when new viewers change it), and the same at 1,000 impressions a
second, per second.

Reach: a HyperLogLog sketch (glimpse.hll) of 10^5 and 10^6 distinct simulated viewers, each
seen three times, built in ten partial sketches merged as the days' are: the estimate against
the exact count.

The hot post starts as a viral one (`--seen` earlier viewers, so the reach items of its totals
and its author's day hold dense sketches, 12 KB): each write of those costs what it does in
production.

    python -m benchmarks.insights [--impressions 1000] [--lines 10 100] [--seen 100000]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import LambdaContext, observed, post_item, profiles, provisioned

ITEM_OVERHEAD = 100  # bytes of an insight item besides its sketch (keys, counters, TTL)


@dataclass
class Writes:
    """DynamoDB requests, and what the writes among them sent and cost on paper."""

    requests: Counter[str] = field(default_factory=Counter)
    items: int = 0
    bytes: int = 0
    write_units: float = 0.0
    sizes: dict[tuple[str, str], int] = field(default_factory=dict)  # item → its stored size

    def add(self, operation: str, params: dict[str, Any]) -> None:
        self.requests[operation] += 1
        if operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((_kind, body),) = entry.items()
                self._write(body, transactional=True)
        elif operation in ("PutItem", "UpdateItem"):  # a reach item's sketch, written alone
            self._write(params, transactional=False)

    def _write(self, body: dict[str, Any], transactional: bool) -> None:
        key = body.get("Key") or body.get("Item") or {}
        values = body.get("ExpressionAttributeValues") or {}
        sent = _size(key) + _size(values) + _size(body.get("Item") or {})
        self.items += 1
        self.bytes += sent
        if "pk" in key and "sk" in key:
            ident = (key["pk"]["S"], key["sk"]["S"])
            sketch = _sketch_bytes(values)
            if sketch:
                self.sizes[ident] = sketch + ITEM_OVERHEAD
            size = self.sizes.setdefault(ident, sent)
        else:
            size = sent
        self.write_units += (2 if transactional else 1) * max(1, math.ceil(size / 1024))


def _size(value: Any) -> int:
    """Bytes of DynamoDB attribute values (names and values, as DynamoDB sizes items)."""
    if isinstance(value, dict):
        return sum(len(str(k)) + _size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_size(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(str(value).encode())


def _sketch_bytes(values: dict[str, Any]) -> int:
    return max(
        (len(v["B"]) for v in values.values() if isinstance(v, dict) and "B" in v), default=0
    )


@contextmanager
def recorded(sizes: dict[tuple[str, str], int]) -> Iterator[Writes]:
    """`sizes`: the items' sizes as stored (kept from one run to the next)."""
    writes = Writes(sizes=sizes)
    with observed(writes.add):
        yield writes


def delivery(lines: list[str], index: int) -> dict[str, Any]:
    moment = int(time.time() * 1000)
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/glimpse-FeedFunction",
        "logStream": f"bench-{index}",
        "subscriptionFilters": ["bench"],
        "logEvents": [
            {"id": f"{index:028d}{n:028d}", "timestamp": moment, "message": line}
            for n, line in enumerate(lines)
        ],
    }
    return {
        "awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}
    }


def seed_hot_post(post_id: str, author_id: str, seen: int) -> dict[tuple[str, str], int]:
    """The hot post's totals and its author's day as a viral post's: `seen` earlier viewers in
    their reach items' (dense) sketches, so each write costs what it costs in production."""
    from glimpse.clock import now
    from glimpse.hll import Sketch
    from glimpse.models.insights import (
        InsightItem,
        account_day_key,
        expiry_of,
        post_key,
        reach_key,
    )

    stored = Sketch.of(f"earlier-{n}" for n in range(seen)).to_bytes()
    sizes = {}
    for key in (post_key(post_id), account_day_key(author_id, now().date())):
        InsightItem(*key, impressions=seen, expires_at=expiry_of(*key)).save()
        reach = reach_key(key)
        InsightItem(*reach, sketch=stored, version=1, expires_at=expiry_of(*reach)).save()
        sizes[reach] = len(stored) + ITEM_OVERHEAD
    return sizes


def reach_error(exact: int, seed: int) -> tuple[int, float, float]:
    """(estimate, error %, seconds) for `exact` distinct viewers, each seen three times, in
    ten partial sketches merged."""
    from glimpse.hll import Sketch

    started = time.perf_counter()
    ids = [f"viewer-{seed}-{n}" for n in range(exact)]
    parts = [Sketch() for _ in range(10)]
    order = random.Random(seed)
    for _round in range(3):
        for viewer in ids:
            parts[order.randrange(10)].add(viewer)
    estimate = Sketch.union(parts).count()
    return estimate, 100 * (estimate - exact) / exact, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impressions", type=int, default=1_000)
    parser.add_argument("--page", type=int, default=10, help="posts per served page")
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--authors", type=int, default=40)
    parser.add_argument("--viewers", type=int, default=5_000)
    parser.add_argument("--lines", type=int, nargs="+", default=[10, 100])
    parser.add_argument(
        "--seen", type=int, default=100_000, help="viewers the hot post had before (dense)"
    )
    parser.add_argument("--reach", type=int, nargs="+", default=[100_000, 1_000_000])
    args = smoke.parse(
        parser,
        {
            "impressions": 100,
            "posts": 12,
            "authors": 2,
            "viewers": 50,
            "lines": [10],
            "reach": [1000],
            "seen": 1000,
        },
    )

    rows = []
    with provisioned():
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the template's INFO: a line a delivery
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        from functions.impressions import app as impressions

        authors = [f"author-{i:03d}" for i in range(args.authors)]
        profiles(authors)
        post_ids = []
        for index in range(args.posts):
            item = post_item(authors[index % len(authors)])
            item.save()
            post_ids.append(str(item.post_id))
        hot, rest = post_ids[0], post_ids[1:]
        sizes = seed_hot_post(hot, authors[0], args.seen)
        pages = args.impressions // args.page
        served = pages * args.page
        for size in args.lines:
            draw = random.Random(size)  # each run its own viewers, from the same accounts
            lines = [
                json.dumps(
                    {
                        "message": "served",
                        "served": {
                            "viewer": f"viewer-{draw.randrange(args.viewers)}",
                            "posts": [hot, *draw.sample(rest, args.page - 1)],
                        },
                    }
                )
                for _ in range(pages)
            ]
            print(f"{len(lines)} served lines, {size} a delivery", file=sys.stderr)
            context = LambdaContext("impressions")
            # The same pages served again, to the same viewers: every sketch has them already.
            for again, label in ((0, str(size)), (1, f"{size}, seen")):
                started = time.perf_counter()
                with recorded(sizes) as writes:
                    for index, start in enumerate(range(0, len(lines), size)):
                        ident = (2 * size + again) * 1_000_000 + index
                        event = delivery(lines[start : start + size], ident)
                        impressions.lambda_handler(event, context)  # type: ignore[arg-type]
                        print(f"{label} lines a delivery: delivery {index + 1}", file=sys.stderr)
                seconds = time.perf_counter() - started
                per = 1000 / served
                rows.append(
                    (
                        label,
                        math.ceil(len(lines) / size),
                        sum(writes.requests.values()) * per,
                        writes.items * per,
                        writes.bytes * per,
                        writes.write_units * per,
                        seconds,
                    )
                )
        from glimpse.insights import service

        top = service.post_insights(authors[0], hot)

    print(
        f"{served:,} impressions ({pages:,} served pages of {args.page} posts, one hot post in "
        f"each; {args.posts} posts of {args.authors} authors, {args.viewers:,} viewers), on moto"
    )
    header = (
        f"{'lines/delivery':>14} {'deliveries':>10} {'requests/1k':>11} {'items/1k':>9} "
        f"{'KB sent/1k':>10} {'WCU/1k':>8} {'WCU/s at 1k/s':>13} {'time s':>7}"
    )
    print(header)
    print("-" * len(header))
    for size, count, requests, items, sent, units, seconds in rows:
        print(
            f"{size:>14} {count:>10} {requests:>11.1f} {items:>9.1f} {sent / 1024:>10.1f} "
            f"{units:>8.1f} {units:>13.1f} {seconds:>7.2f}"
        )
    print("(seen: the same pages again, to the same viewers: no sketch changes)")
    print(f"the hot post after every run: reach {top.reach:,}, impressions {top.impressions:,}")
    print()
    header = f"{'viewers (exact)':>15} {'estimate':>10} {'error':>8} {'time s':>7}"
    print(header)
    print("-" * len(header))
    for exact in args.reach:
        estimate, error, seconds = reach_error(exact, seed=exact)
        print(f"{exact:>15,} {estimate:>10,} {error:>7.2f}% {seconds:>7.2f}")
    print("reach target: within 2% of the exact count")


if __name__ == "__main__":
    main()
