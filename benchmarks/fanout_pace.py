"""Fan-out keeping pace on the local cloud: posts at a steady rate from many authors, and per
post the time until every one of its author's followers has it in their feed.

    python -m benchmarks.fanout_pace [--rate 5] [--seconds 30] [--authors 50] \
        [--min-followers 20] [--max-followers 100] [--readers 150]

1. A local cloud in this process (`LocalCloud(port=0)`, default delivery options, its output
   discarded). `--authors` accounts sign up and log in over HTTP (they post). The followers
   are `--readers` profiles written in bulk through the layer's models (benchmarks.moto_stack),
   and each author gets a seeded random `--min-followers`..`--max-followers` of them as follow
   edges, both sides, in BatchWriteItem calls: the edges the fan-out reads, without a follow
   event each (no back-fill, no counters; thousands of follows over HTTP would take minutes).
2. Posts at `--rate` a second for `--seconds` (authors in turn): each a ready media item
   saved through the models, then `POST /posts` over HTTP (sent on schedule from a pool of
   threads, so a slow answer does not hold the next post back).
3. Per post, from `POST /posts`'s 201: until every follower's feed item for it exists, read
   directly from the local cloud's DynamoDB (what `GET /feed` reads first; one BatchGetItem
   per 100 keys, every 50 ms, the follower sorted last first). Meanwhile FeedJobsQueue's
   backlog (visible + in flight) every 0.25 s.

Prints p50/p95/max of post -> every follower's feed, the backlog's largest and the load
average (the machine may be shared). The chain measured: POST /posts -> outbox item -> the
outbox stream -> the publisher -> SNS -> FeedJobsQueue -> the fanout function's page writes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from benchmarks import smoke
from benchmarks.e2e_under_load import load_average
from benchmarks.local_cloud import User, create_post, percentile, quiet, say, sign_up

POLL = 0.05  # seconds between looks at the feeds
BACKLOG_EVERY = 0.25


@dataclass
class Sent:
    post_id: str
    author_id: str
    followers: list[str]
    acknowledged: float  # perf_counter at POST /posts's 201
    missing: list[str] = field(default_factory=list)
    delivered: float | None = None


def seed_followers(
    authors: list[User], readers: int, low: int, high: int, seed: int
) -> dict[str, list[str]]:
    """`readers` profiles and each author's `low`..`high` followers among them, as follow
    edges (both sides) in bulk; author id -> follower ids, sorted as their edges are."""
    from benchmarks.moto_stack import profiles
    from glimpse.clock import new_id, now
    from glimpse.models.batch import write_many
    from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, new_edge

    reader_ids = [new_id() for _ in range(readers)]
    profiles(reader_ids)
    rng, moment = random.Random(seed), now()
    followers: dict[str, list[str]] = {}
    edges = []
    for author in authors:
        chosen = sorted(rng.sample(reader_ids, rng.randint(low, min(high, readers))))
        followers[author.user_id] = chosen
        for reader in chosen:
            edges.append(new_edge(reader, FOLLOWS, author.user_id, moment))
            edges.append(new_edge(author.user_id, FOLLOWER, reader, moment))
    write_many(Edge, puts=edges)
    return followers


class Watcher:
    """Marks each sent post delivered once every follower's feed item for it exists."""

    def __init__(self) -> None:
        self.pending: list[Sent] = []
        self.done: list[Sent] = []
        self.lock = threading.Lock()

    def add(self, sent: Sent) -> None:
        sent.missing = list(sent.followers)
        with self.lock:
            self.pending.append(sent)

    def look(self) -> None:
        from glimpse.models.batch import get_many
        from glimpse.models.feed import FeedItem, feed_pk

        with self.lock:
            pending = list(self.pending)
        if not pending:
            return
        # the follower sorted last first (its edge is read, and its entry written, last)
        lasts = get_many((FeedItem, (feed_pk(s.missing[-1]), s.post_id)) for s in pending)
        ready = [s for s in pending if lasts.get(FeedItem, (feed_pk(s.missing[-1]), s.post_id))]
        if not ready:
            return
        found = get_many(
            (FeedItem, (feed_pk(reader), s.post_id)) for s in ready for reader in s.missing
        )
        moment = time.perf_counter()
        for sent in ready:
            sent.missing = [
                r for r in sent.missing if not found.get(FeedItem, (feed_pk(r), sent.post_id))
            ]
            if not sent.missing:
                sent.delivered = moment
                with self.lock:
                    self.pending.remove(sent)
                    self.done.append(sent)


@dataclass
class Run:
    sent: list[Sent]
    post_seconds: list[float]
    took: float  # seconds from the first post's schedule to the last one sent
    backlog: int
    load_before: str
    load_after: str
    busy: dict[str, tuple[int, float]]  # function -> invocations, seconds inside them
    cpu: float  # this process's CPU seconds (every thread) over `wall`
    wall: float  # seconds from the first post to the last delivery


def pace(
    cloud: Any, authors: list[User], followers: dict[str, list[str]], args: argparse.Namespace
) -> Run:
    sqs = cloud.provisioner.client("sqs")
    queue = cloud.ref("FeedJobsQueue")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    watcher, stop = Watcher(), threading.Event()
    backlog = [0]

    def watch() -> None:
        next_backlog = 0.0
        while not stop.is_set():
            watcher.look()
            if time.perf_counter() >= next_backlog:
                counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)
                backlog[0] = max(backlog[0], sum(int(v) for v in counts["Attributes"].values()))
                next_backlog = time.perf_counter() + BACKLOG_EVERY
            time.sleep(POLL)

    count = max(1, round(args.rate * args.seconds))
    load_before = load_average()
    post_seconds: list[float] = []
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()

    def one(number: int) -> Sent:
        author = authors[number % len(authors)]
        started = time.perf_counter()
        post_id = create_post(cloud.url, author, f"paced {number}")
        sent = Sent(post_id, author.user_id, followers[author.user_id], time.perf_counter())
        post_seconds.append(sent.acknowledged - started)
        watcher.add(sent)
        return sent

    cloud.runtime.history.clear()  # the invocations of this run only (a deque of 10,000)
    cpu_began = time.process_time()
    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        futures = []
        for number in range(count):
            time.sleep(max(0.0, began + number / args.rate - time.perf_counter()))
            futures.append(pool.submit(one, number))
        sent = [future.result() for future in futures]
    took = time.perf_counter() - began
    deadline = time.perf_counter() + args.timeout
    while watcher.pending and time.perf_counter() < deadline:
        time.sleep(POLL)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    stop.set()
    thread.join()
    if watcher.pending:
        raise RuntimeError(f"{len(watcher.pending)} posts not in every feed after {args.timeout} s")
    busy: dict[str, tuple[int, float]] = {}
    for call in list(cloud.runtime.history):
        count, seconds = busy.get(call.function, (0, 0.0))
        busy[call.function] = (count + 1, seconds + call.duration_ms / 1000)
    return Run(sent, post_seconds, took, backlog[0], load_before, load_average(), busy, cpu, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=5.0, help="posts a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to post")
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--readers", type=int, default=150, help="follower accounts")
    parser.add_argument("--min-followers", type=int, default=20)
    parser.add_argument("--max-followers", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=120.0, help="for the last deliveries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=6, help="busiest functions to list")
    tiny = {"seconds": 0.6, "authors": 2, "readers": 30, "max_followers": 25}
    args = smoke.parse(parser, tiny)

    from infra.local.cloud import LocalCloud

    started = time.perf_counter()
    with quiet():
        cloud = LocalCloud(port=0, parameters={"RateLimitScale": "1000"}).start()
    try:
        with quiet():
            tag = f"{args.seed}{random.Random().randrange(10**6):06d}"
            with ThreadPoolExecutor(4) as pool:
                authors = list(
                    pool.map(lambda i: sign_up(cloud.url, f"pace{tag}_{i}"), range(args.authors))
                )
            followers = seed_followers(
                authors, args.readers, args.min_followers, args.max_followers, args.seed
            )
        edges = sum(len(f) for f in followers.values())
        print(
            f"set up in {time.perf_counter() - started:.0f} s: {args.authors} authors, "
            f"{edges} follow edges",
            file=sys.stderr,
            flush=True,
        )
        with quiet():
            run = pace(cloud, authors, followers, args)
    finally:
        with quiet():
            cloud.stop()
    report(run, followers, args)


def report(run: Run, followers: dict[str, list[str]], args: argparse.Namespace) -> None:
    delays = [s.delivered - s.acknowledged for s in run.sent if s.delivered is not None]
    sizes = [len(f) for f in followers.values()]
    say("")
    say(
        f"Fan-out pace on the local cloud: {len(run.sent)} posts at {args.rate:g}/s "
        f"({(len(run.sent) - 1) / run.took if run.took else 0:.1f}/s sent) from "
        f"{args.authors} authors with {min(sizes)}-{max(sizes)} followers each"
    )
    say(f"  {'':<36} {'p50':>8} {'p95':>8} {'max':>8}")
    say(
        f"  {'post -> every follower feed (201 ->)':<36} {statistics.median(delays):7.2f}s "
        f"{percentile(delays, 0.95):7.2f}s {max(delays):7.2f}s"
    )
    say(
        f"  {'POST /posts answered':<36} {statistics.median(run.post_seconds):7.2f}s "
        f"{percentile(run.post_seconds, 0.95):7.2f}s {max(run.post_seconds):7.2f}s"
    )
    say(f"  FeedJobsQueue backlog (visible + in flight), largest seen: {run.backlog}")
    say(
        f"  the local cloud's process: {run.cpu:.0f} CPU s in {run.wall:.0f} s "
        f"({run.cpu / run.wall:.2f} cores; one process, one GIL); inside functions:"
    )
    ranked = sorted(run.busy.items(), key=lambda pair: -pair[1][1])
    for function, (count, seconds) in ranked[: args.top]:
        say(
            f"    {function:<28} {count:5} invocations {seconds:6.1f} s  "
            f"{seconds / count * 1000:5.0f} ms each"
        )
    say(
        f"  load average (1/5/15 min) before {run.load_before}, after {run.load_after}, "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
