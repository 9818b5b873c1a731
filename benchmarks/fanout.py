"""Fan-out of one post to N followers: DynamoDB requests against the minimum, and time.

For each audience size, on moto (in-process, tables from template.yaml), runs the fanout
function's job logic (`glimpse.consumers.feed_jobs.run`, continuation jobs fed back
in-process as the queue would) and counts every DynamoDB request it makes. The minimum
possible is one Query page per 1,000 followers (the job's chunk) plus ceil(N / 25)
BatchWriteItem requests. In the same run, a plain boto3 `batch_writer` loop writes the same N
feed items: the baseline time.
Columns: requests by kind, total ms per 1,000 followers, the part of it spent in
BatchWriteItem ("writing"), the baseline's ms per 1,000, and total / baseline.

    python -m benchmarks.fanout [--sizes 100,1000,10000,100000]
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import boto3

from benchmarks import smoke
from benchmarks.moto_stack import metered, post_item, provisioned


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    args = smoke.parse(parser, {"sizes": "100"})
    sizes = [int(s) for s in args.sizes.split(",")]

    with provisioned() as provisioner:
        from glimpse import jobs
        from glimpse.clock import new_id, now
        from glimpse.consumers import feed_jobs
        from glimpse.events import PostCreated
        from glimpse.feed import fanout
        from glimpse.models.batch import write_many
        from glimpse.models.graph import FOLLOWER, Edge, edge_key
        from glimpse.models.users import PROFILE, UserProfile, user_pk

        feed_table = boto3.resource("dynamodb").Table(str(provisioner.resolver.ref("FeedTable")))
        print(
            f"fan-out of one post, page = {jobs.PAGE} followers per job, "
            f"trim check on 1 in {fanout.TRIM_SAMPLE} writes"
        )
        header = (
            f"{'followers':>9} {'requests':>8} {'minimum':>8} {'ratio':>6} {'queries':>7} "
            f"{'writes':>7} {'gets':>5} {'ms/1k':>7} {'writing':>7} {'boto3 ms/1k':>11} "
            f"{'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        for size in sizes:
            author = f"author-{size}"
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
            followers = [f"reader-{size}-{i:06d}" for i in range(size)]
            write_many(
                Edge,
                puts=[
                    Edge(*edge_key(author, FOLLOWER, reader), other_id=reader)
                    for reader in followers
                ],
            )
            post = post_item(author)
            post.save()
            post_id = str(post.post_id)

            created = PostCreated(post_id=post_id, author_id=author)
            queue: list[dict[str, Any]] = [created.model_dump(mode="json")]
            started = time.perf_counter()
            with metered() as meter:
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
            minimum = math.ceil(size / jobs.PAGE) + math.ceil(size / 25)
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
