"""Erasing one big account: DynamoDB requests against the minimum, time, and AWS cost on paper.

On moto (in-process, tables from template.yaml), an account with `--posts` posts (5,000), each
of its `--followers` followers (10,000) holding `--feed` (20) of its posts in their feeds, and
`--likes` likes given (50,000, one on each of as many posts of others), is erased: its
`account_erased` runs through the eraser's reactions (glimpse.consumers.erasure, continuations
fed back in-process as the queue would), and the domain events erasure publishes (unfollows,
unlikes, post deletions) through the consumers that react to them (the fanout's feed prunes
and clean-ups, the counters). Every DynamoDB request is counted, by phase.

The minimum: every item that holds the account deleted in BatchWriteItem requests of 25
(ceil(items / 25)), plus the reads that find them: one Query page per 1,000 keys of each
of its own partitions and indexes, and one Query per follower's feed (the entries live in each
follower's partition). Cost on paper: on-demand DynamoDB at $0.625 per million write request
units and $0.125 per million read request units (us-east-1), 1 WRU per item written or
deleted (2 in a transaction), reads at 4 KB per RRU (eventually consistent: half); SNS and SQS
for the events at $0.50 and $0.40 per million.

    python -m benchmarks.erasure [--posts 5000 --likes 50000 --followers 10000 --feed 20]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import Meter, metered, post_item, profiles, provisioned

WRU, RRU, SNS, SQS = 0.625e-6, 0.125e-6, 0.50e-6, 0.40e-6  # dollars per unit or request


@dataclass
class Seeded:
    user_id: str
    items: int = 0  # items that hold the account (what erasure must delete)
    finding_reads: int = 0  # the fewest Query pages that find them
    followers: list[str] = field(default_factory=list)


def seed(posts: int, likes: int, followers: int, feed: int) -> Seeded:
    from glimpse.clock import now
    from glimpse.models.batch import write_many
    from glimpse.models.feed import FeedItem, author_sk, feed_pk
    from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key
    from glimpse.models.posts import Like, Post, actor_pk, like_sk, post_pk

    user_id = "erased-account"
    profiles([user_id])
    readers = [f"follower-{i:06d}" for i in range(followers)]
    profiles(readers)
    moment = now()
    own = [post_item(user_id) for _ in range(posts)]
    write_many(Post, puts=own)
    others = [post_item(readers[i % max(1, followers)]) for i in range(likes)]
    write_many(Post, puts=others)
    write_many(
        Like,
        puts=[
            Like(
                post_pk(p.post_id),
                like_sk(user_id),
                user_id=user_id,
                created_at=moment,
                actor_pk=actor_pk(user_id),
            )
            for p in others
        ],
    )
    edges = [Edge(*edge_key(user_id, FOLLOWER, r), other_id=r, created_at=moment) for r in readers]
    edges += [
        Edge(*edge_key(r, FOLLOWS, user_id), other_id=user_id, created_at=moment) for r in readers
    ]
    write_many(Edge, puts=edges)
    kept = [p.post_id for p in own[-feed:]] if feed else []
    write_many(
        FeedItem,
        puts=[
            FeedItem(feed_pk(r), pid, author_id=user_id, author_sk=author_sk(user_id, pid))
            for r in readers
            for pid in kept
        ],
    )
    _moved_aside(user_id)
    items = posts + likes + len(edges) + followers * len(kept)
    reads = (
        math.ceil(posts / 1000)
        + math.ceil(likes / 1000)
        + math.ceil(len(edges) / 2 / 1000)  # its partition; the other halves are its keys
        + followers  # each follower's feed
    )
    return Seeded(user_id, items, reads, readers)


def _moved_aside(user_id: str) -> None:
    """What `DELETE /me` leaves: the profile moved aside."""
    from glimpse.clock import now
    from glimpse.models.users import PROFILE, DeletedProfile, UserProfile, user_pk

    profile = UserProfile.get(user_pk(user_id), PROFILE)
    DeletedProfile.of(profile, now(), now(), "bench").save()
    profile.delete()


def drain(queue: list[dict[str, Any]], run: Callable[..., Any]) -> int:
    ran = 0
    while queue:
        run(queue.pop(0), send=queue.extend)
        ran += 1
    return ran


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--likes", type=int, default=50000)
    parser.add_argument("--followers", type=int, default=10000)
    parser.add_argument("--feed", type=int, default=20, help="its posts in each follower's feed")
    args = smoke.parse(parser, {"posts": 20, "likes": 100, "followers": 60, "feed": 5})

    with provisioned():
        from unittest import mock

        from infra.local import atomicity

        atomicity.install()  # the local cloud's transactions: moto's copies every table each time

        from glimpse.consumers import erasure, feed_jobs
        from glimpse.counters import service as counters
        from glimpse.events import AccountErased, Event
        from glimpse.models.transactions import Transaction

        started = time.perf_counter()
        seeded = seed(args.posts, args.likes, args.followers, args.feed)
        print(
            f"seeded in {time.perf_counter() - started:.0f} s: {args.posts:,} posts, "
            f"{args.likes:,} likes given, {args.followers:,} followers with {args.feed} of its "
            f"posts in each feed: {seeded.items:,} items hold the account"
        )
        published: list[Event] = []
        emit = Transaction.emit

        def recorded(tx: Transaction, event: Event, due: Any = None) -> None:
            published.append(event)
            emit(tx, event, due)

        phases: list[tuple[str, Meter, float, int]] = []
        with mock.patch.object(Transaction, "emit", recorded):
            event = AccountErased(user_id=seeded.user_id)
            started = time.perf_counter()
            with metered() as meter:
                jobs = drain([event.model_dump(mode="json")], erasure.run)
            phases.append(("eraser", meter, time.perf_counter() - started, jobs))
            reacting = [e.model_dump(mode="json") for e in published]
            started = time.perf_counter()
            with metered() as meter:
                jobs = drain(list(reacting), feed_jobs.run)
            phases.append(
                ("fanout (prunes, clean-ups)", meter, time.perf_counter() - started, jobs)
            )
            started = time.perf_counter()
            with metered() as meter:
                counters.apply(list(published))
            phases.append(("counters", meter, time.perf_counter() - started, len(published)))
        report(seeded, phases, len(published))


def report(seeded: Seeded, phases: list[tuple[str, Meter, float, int]], events: int) -> None:
    minimum = math.ceil(seeded.items / 25) + seeded.finding_reads
    header = f"{'phase':<28} {'messages':>8} {'requests':>9} {'WRU':>9} {'RRU':>9} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    total_requests, total_wru, total_rru, total_s = 0, 0.0, 0.0, 0.0
    for name, meter, seconds, messages in phases:
        requests = sum(meter.requests.values())
        print(
            f"{name:<28} {messages:>8,} {requests:>9,} {meter.write_units:>9,.0f} "
            f"{meter.read_units:>9,.0f} {seconds:>8.1f}"
        )
        total_requests += requests
        total_wru += meter.write_units
        total_rru += meter.read_units
        total_s += seconds
    totals = f"{total_requests:>9,} {total_wru:>9,.0f} {total_rru:>9,.0f} {total_s:>8.1f}"
    print(f"{'total':<28} {'':>8} {totals}")
    print(
        f"minimum: {minimum:,} requests (ceil({seeded.items:,} / 25) deletes + "
        f"{seeded.finding_reads:,} finding reads); ratio {total_requests / minimum:.2f}x"
    )
    dynamodb = total_wru * WRU + total_rru * RRU
    messaging = events * (SNS + 3 * SQS)
    print(
        f"AWS on paper: DynamoDB ${dynamodb:.2f} ({total_wru:,.0f} WRU, {total_rru:,.0f} RRU), "
        f"{events:,} events through SNS and 3 queues ${messaging:.2f}; "
        f"total ${dynamodb + messaging:.2f} per account"
    )
    for name, meter, _seconds, _messages in phases:
        kinds = ", ".join(f"{op} {n:,}" for op, n in meter.requests.most_common())
        print(f"  {name}: {kinds}")


if __name__ == "__main__":
    main()
