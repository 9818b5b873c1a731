"""Fan-out of one post to N followers: DynamoDB requests against the minimum, and time.

For each audience size, on moto (in-process, tables from template.yaml), runs the fanout
function's feed reaction (`glimpse.feed.fanout.post_created`, then its continuation jobs
through `glimpse.consumers.feed_jobs.run`, fed back in-process as the queue would) and counts
every DynamoDB request it makes. The minimum possible is the Query pages that read N follower
edges (DynamoDB returns at most 1 MB a page: ceil(N x edge bytes / 1 MB), the edge's size as
DynamoDB counts it, names and values, with 36-character user ids as Cognito's) plus
ceil((N + 1) / 25) BatchWriteItem requests (the followers' feeds and the author's own). In
the same run, a plain boto3 `batch_writer` loop writes the same N feed items: the baseline.
Columns: requests by kind, total ms per 1,000 followers, the part of it spent in
BatchWriteItem ("writing"), the baseline's ms per 1,000, and total / baseline.

    python -m benchmarks.fanout [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import math
import time
import uuid
from typing import Any

import boto3

from benchmarks import smoke
from benchmarks.moto_stack import metered, post_item, provisioned

MB = 1024 * 1024  # DynamoDB's most per Query page


def item_bytes(item: Any) -> int:
    """An item's size as DynamoDB counts it: each attribute's name and value (strings and
    numbers as their text; every attribute of an edge is one)."""
    values = item.serialize()
    return sum(len(name) + len(str(next(iter(v.values()))).encode()) for name, v in values.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = smoke.parse(parser, {"sizes": "100"})
    sizes = [int(s) for s in args.sizes.split(",")]

    with provisioned() as provisioner:
        from glimpse.clock import new_id, now
        from glimpse.consumers import feed_jobs
        from glimpse.events import PostCreated
        from glimpse.feed import fanout
        from glimpse.models.batch import write_many
        from glimpse.models.graph import FOLLOWER, Edge, new_edge
        from glimpse.models.users import PROFILE, UserProfile, user_pk

        feed_table = boto3.resource("dynamodb").Table(str(provisioner.resolver.ref("FeedTable")))
        print(
            f"fan-out of one post, page = {fanout.FOLLOWER_PAGE} followers per job, "
            f"trim check on 1 in {fanout.TRIM_SAMPLE} writes"
        )
        header = (
            f"{'followers':>9} {'requests':>8} {'minimum':>8} {'ratio':>6} {'queries':>7} "
            f"{'writes':>7} {'gets':>5} {'ms/1k':>7} {'writing':>7} {'boto3 ms/1k':>11} "
            f"{'ratio':>6}"
        )
        sample = new_edge(str(uuid.uuid4()), FOLLOWER, str(uuid.uuid4()), now())
        print(
            f"a follower edge is {item_bytes(sample)} bytes as DynamoDB counts it: "
            f"{MB // item_bytes(sample):,} to a 1 MB Query page; minimum = pages + writes"
        )
        print(header)
        print("-" * len(header))
        for size in sizes:
            author = str(uuid.uuid4())
            moment = now()
            UserProfile(
                user_pk(author),
                PROFILE,
                user_id=author,
                username=author,
                email=f"{author}@example.com",
                followers_count=size,
                created_at=moment,
                updated_at=moment,
            ).save()
            followers = [str(uuid.uuid4()) for _ in range(size)]
            edges = [new_edge(author, FOLLOWER, reader, moment) for reader in followers]
            write_many(Edge, puts=edges)
            edge_bytes = item_bytes(edges[0])
            post = post_item(author)
            post.save()
            post_id = str(post.post_id)

            created = PostCreated(post_id=post_id, author_id=author)
            queue: list[dict[str, Any]] = []
            started = time.perf_counter()
            with metered() as meter:
                # the feed's reaction (the fanout function's others, e.g. moderation's look at
                # the post's media, are not the fan-out), then its jobs as the queue runs them
                fanout.post_created(created, queue.extend)
                while queue:
                    feed_jobs.run(queue.pop(0), send=queue.extend)
            ours = time.perf_counter() - started
            calls = meter.requests

            baseline_post = new_id()
            started = time.perf_counter()
            with feed_table.batch_writer() as writer:
                for reader in followers:
                    writer.put_item(
                        Item={
                            "pk": f"FEED#{reader}",
                            "sk": baseline_post,
                            "author_id": author,
                            "author_sk": f"{author}#{baseline_post}",
                        }
                    )
            theirs = time.perf_counter() - started

            requests = sum(calls.values())
            minimum = math.ceil(size * edge_bytes / MB) + math.ceil((size + 1) / 25)
            per_k = ours * 1000 / size * 1000
            writing_k = meter.seconds["BatchWriteItem"] * 1000 / size * 1000
            base_k = theirs * 1000 / size * 1000
            print(
                f"{size:>9,} {requests:>8,} {minimum:>8,} {requests / minimum:>5.2f}x "
                f"{calls['Query']:>7,} {calls['BatchWriteItem']:>7,} {calls['GetItem']:>5,} "
                f"{per_k:>7.1f} {writing_k:>7.1f} {base_k:>11.1f} {per_k / base_k:>5.2f}x"
            )


if __name__ == "__main__":
    main()
