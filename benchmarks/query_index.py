"""DynamoDB Query on moto as the data grows: moto's own Query (a scan of the table) against the
local cloud's query index (infra/local/dynamodb_index.py), at 300 and 3,000 posts, each also
with the local cloud's DynamoDB serializer (infra/local/dynamodb_serializer.py).

The data of the issue "The local cloud at a real size": 120 authors, their posts (round robin),
50 readers each following 20 of them, every reader's feed partition holding the fanned-out
entries of the posts of the accounts they follow, each post with a media item. Each size runs
in its own process (a fresh moto) and prints, per read, the median in ms of `--requests` calls
with moto's scan and serializer ("plain"), with the index ("indexed") and with the index and
the fast serializer ("indexed+fast", what the local cloud runs); then the ratio 3,000 / 300
posts. Then GET /feed's throughput in-process: `--requests` calls from one client, and as many
from each of two clients (threads) at once.

- feed Query: one reader's feed partition, newest first, a page of 20 (FeedTable);
- ByAuthor Query: one author's posts, newest first, a page of 2 (PostsTable's GSI; every
  author has 2 posts at 300 posts: the same page at both sizes);
- GET /feed: the feed function's handler, in-process (its Query and BatchGetItems).

    python -m benchmarks.query_index [--requests 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import LambdaContext, post_item, provisioned

ROOT = Path(__file__).resolve().parents[1]
AUTHORS, READERS, FOLLOWING = 120, 50, 20
SIZES = (300, 3000)
READS = ("feed Query", "ByAuthor Query", "GET /feed")
MODES = ("plain", "indexed", "indexed+fast")
CLIENTS = (1, 2)


def seed(posts_count: int) -> tuple[list[str], list[str]]:
    """The data set; returns the authors and the readers."""
    from glimpse.clock import new_id, now
    from glimpse.models.batch import write_many
    from glimpse.models.feed import FeedItem, author_sk, feed_pk
    from glimpse.models.graph import FOLLOWS, Edge, edge_key
    from glimpse.models.media import MEDIA, MediaItem, media_pk
    from glimpse.models.posts import Post
    from glimpse.models.users import PROFILE, UserProfile, user_pk

    moment = now()
    authors = [f"author-{i:03d}" for i in range(AUTHORS)]
    readers = [f"reader-{i:02d}" for i in range(READERS)]
    follows = {
        reader: [authors[(index * 7 + k) % AUTHORS] for k in range(FOLLOWING)]
        for index, reader in enumerate(readers)
    }
    write_many(
        UserProfile,
        puts=[
            UserProfile(
                user_pk(uid),
                PROFILE,
                user_id=uid,
                username=uid,
                email=f"{uid}@example.com",
                created_at=moment,
                updated_at=moment,
            )
            for uid in authors + readers
        ],
    )
    write_many(
        Edge,
        puts=[
            Edge(*edge_key(reader, FOLLOWS, author), other_id=author)
            for reader, followed in follows.items()
            for author in followed
        ],
    )
    posts, media = [], []
    for index in range(posts_count):
        author = authors[index % AUTHORS]
        media_id = new_id()
        posts.append(post_item(author, media_ids=[media_id], caption=f"post {index}"))
        media.append(
            MediaItem(
                media_pk(media_id),
                MEDIA,
                media_id=media_id,
                owner_id=author,
                kind="post",
                content_type="image/jpeg",
                size_bytes=1,
                status="ready",
                width=1080,
                height=1080,
                renditions={"1080": f"renditions/{media_id}/1080.jpg"},
                used_by=posts[-1].post_id,
                created_at=moment,
                updated_at=moment,
            )
        )
    write_many(Post, puts=posts)
    write_many(MediaItem, puts=media)
    by_author: dict[str, list[Any]] = {}
    for post in posts:
        by_author.setdefault(post.author_id, []).append(post)
    write_many(
        FeedItem,
        puts=[
            FeedItem(
                feed_pk(reader),
                post.post_id,
                author_id=post.author_id,
                author_sk=author_sk(post.author_id, post.post_id),
            )
            for reader, followed in follows.items()
            for author in followed
            for post in by_author.get(author, [])
        ],
    )
    return authors, readers


def _mode(name: str) -> contextlib.ExitStack:
    """The local cloud's DynamoDB as it runs in `name` mode (moto's own parts switched back)."""
    from infra.local import dynamodb_index, dynamodb_serializer

    scope = contextlib.ExitStack()
    if name == "plain":
        scope.enter_context(dynamodb_index.disabled())
    if name != "indexed+fast":
        scope.enter_context(dynamodb_serializer.disabled())
    return scope


def _throughput(read: Callable[[int], None], clients: int, requests: int) -> float:
    """Requests per second of `clients` threads each making `requests` calls at once."""
    start = threading.Barrier(clients + 1)

    def client(offset: int) -> None:
        start.wait()
        for turn in range(requests):
            read(offset + turn)

    threads = [threading.Thread(target=client, args=(7 * n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients * requests / (time.perf_counter() - begin)


def measure(posts_count: int, requests: int) -> dict[str, dict[str, float]]:
    """Medians (ms) per read and mode, and GET /feed's req/s per mode, in this process."""
    from infra.local import atomicity

    atomicity.install()  # and the index, and the serializer
    with provisioned():
        from functions.feed import app as feed_app
        from glimpse.models.feed import FeedItem, feed_pk
        from glimpse.models.posts import Post, author_pk

        authors, readers = seed(posts_count)
        event = json.loads((ROOT / "events/feed/get_feed.json").read_text())
        lock = threading.Lock()

        def feed_query(turn: int) -> None:
            reader = readers[turn % len(readers)]
            list(FeedItem.query(feed_pk(reader), scan_index_forward=False, limit=20))

        def author_query(turn: int) -> None:
            author = authors[turn % len(authors)]
            list(Post.by_author.query(author_pk(author), scan_index_forward=False, limit=2))

        def get_feed(turn: int) -> None:
            reader = readers[turn % len(readers)]
            with lock:  # the event is shared; each call gets its own copy
                event["requestContext"]["authorizer"]["claims"]["sub"] = reader
                call = json.loads(json.dumps(event))
            response = feed_app.lambda_handler(call, LambdaContext("feed"))
            assert response["statusCode"] == 200, response["body"]

        reads: dict[str, Callable[[int], None]] = {
            "feed Query": feed_query,
            "ByAuthor Query": author_query,
            "GET /feed": get_feed,
        }
        medians: dict[str, dict[str, float]] = {}
        for mode in MODES:
            with _mode(mode):
                for name, read in reads.items():
                    read(0)  # warm-up (imports, connections, the index's first build)
                    samples = []
                    for turn in range(requests):
                        begin = time.perf_counter()
                        read(turn)
                        samples.append((time.perf_counter() - begin) * 1000)
                    medians.setdefault(name, {})[mode] = statistics.median(samples)
                for clients in CLIENTS:
                    rate = _throughput(get_feed, clients, requests)
                    medians.setdefault(f"GET /feed req/s, {clients} client(s)", {})[mode] = rate
        return medians


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--posts", type=int, help=argparse.SUPPRESS)  # one size, JSON out
    args = smoke.parse(parser, {"requests": 3})
    global AUTHORS, READERS, FOLLOWING  # smoke mode scales them down
    if args.smoke:
        AUTHORS, READERS, FOLLOWING = 12, 5, 4
    if args.posts:
        print(json.dumps(measure(args.posts, args.requests)))
        return
    results: dict[int, dict[str, dict[str, float]]] = {}
    sizes = (30, 60) if args.smoke else SIZES
    for size in sizes:
        started = time.perf_counter()
        command = ["-m", "benchmarks.query_index", "--posts", str(size)]
        command += ["--smoke"] if args.smoke else []
        out = subprocess.run(
            [sys.executable, *command, "--requests", str(args.requests)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        results[size] = json.loads(out.strip().splitlines()[-1])
        print(f"{size:,} posts measured ({time.perf_counter() - started:.0f} s)", flush=True)
    small, large = sizes
    print(
        f"\n{AUTHORS} authors, {READERS} readers following {FOLLOWING} each; "
        f"median ms of {args.requests} calls"
    )
    header = f"{'read':<16} {'mode':<13} {small:>9,} {large:>9,} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for name in READS:
        for mode in MODES:
            low, high = results[small][name][mode], results[large][name][mode]
            print(f"{name:<16} {mode:<13} {low:>9.1f} {high:>9.1f} {high / low:>6.2f}x")
    print(f"\nGET /feed in-process, req/s ({args.requests} calls per client)")
    header = f"{'clients':<16} {'mode':<13} {small:>9,} {large:>9,}"
    print(header)
    print("-" * len(header))
    for clients in CLIENTS:
        name = f"GET /feed req/s, {clients} client(s)"
        for mode in MODES:
            low, high = results[small][name][mode], results[large][name][mode]
            print(f"{clients:<16} {mode:<13} {low:>9.1f} {high:>9.1f}")


if __name__ == "__main__":
    main()
