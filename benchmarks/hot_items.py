"""Hot items: N distinct users like one post, like one comment, and follow one account.

In process on moto (every resource from template.yaml). Each action goes through the service
a request calls (`posts.service.like`, `graph.service.follow`); then the events flow as they do
in AWS: the follow edges on the Users table's stream → the followers function (follower edges
and counts, then `follow_created`); the outbox table's stream (and the likes on the Posts
table's stream) → the publisher function → SNS → the counters queue → the counters function
(batches of 100, as the template's event sources send them).

For each scenario it prints, per action:
- hot writes: DynamoDB requests that write or condition-check the hot item (the post item,
  the comment item, the followed account's profile), on the request path and in the consumers;
- requests: DynamoDB requests on the request path, and in the consumers;
- write units: DynamoDB write capacity all told, on the request path and in the consumers
  (the followers function, the counters and the notifier): 2 per item of a transaction (condition
  checks too), 1 per item written otherwise (every item here is under 1 KB);
- exact after: time from the last action until the stored count is exact (the consumers
  poll every 100 actions meanwhile, as Lambda's pollers run all along);
- errors: actions that did not answer as they should.
Two baselines, measured in the same run: the design the counters replaced, each action a
transaction that writes its item and `ADD`s to the hot item (the like and the post's
`like_count`; the follow edge and the profile's `followers_count`); and, for likes and comment
likes, the request path before (kept callable here: the like and its `post_liked` in the outbox,
one transaction), through the same consumers. A like's event is now its item's creation on
the Posts stream (glimpse.posts.like_events), which the publisher reads too. A follow before
(kept callable here too) was a transaction of both edges, two block checks and its event.

    python -m benchmarks.hot_items [--actions 1000] [--conflicts 0.2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from benchmarks import smoke
from benchmarks.moto_stack import Meter, observed, post_item, profiles, provisioned

type Key = tuple[str, str]
POLL_EVERY = 100  # actions between two polls of the consumers (Lambda polls all along)


@dataclass
class Tally:
    requests: int = 0
    hot: int = 0
    write_units: float = 0.0


@contextmanager
def watching(hot: Key, tally: Tally) -> Iterator[Tally]:
    """Counts DynamoDB requests into `tally`, and those that write or check the item `hot`."""

    def see(operation: str, params: dict[str, Any]) -> None:
        tally.requests += 1
        if hot in set(written_keys(operation, params)):
            tally.hot += 1
        tally.write_units += write_units(operation, params)

    with observed(see):
        yield tally


def write_units(operation: str, params: dict[str, Any]) -> float:
    """Write capacity of one request whose items are each under 1 KB (moto_stack.Meter's rule)."""
    meter = Meter()
    meter.add(operation, params, {})
    return meter.write_units


def written_keys(operation: str, params: dict[str, Any]) -> Iterator[Key]:
    def key(raw: dict[str, Any]) -> Key:
        return raw["pk"]["S"], raw["sk"]["S"]

    if operation in {"PutItem"}:
        yield key(params["Item"])
    elif operation in {"UpdateItem", "DeleteItem"}:
        yield key(params["Key"])
    elif operation == "TransactWriteItems":
        for item in params["TransactItems"]:
            ((_kind, body),) = item.items()
            raw = body.get("Key") or body.get("Item")
            if "pk" in raw and "sk" in raw:
                yield key(raw)
    elif operation == "BatchWriteItem":
        for requests in params["RequestItems"].values():
            for request in requests:
                body = request.get("PutRequest", {}).get("Item") or request.get(
                    "DeleteRequest", {}
                ).get("Key")
                if body and "sk" in body:
                    yield key(body)


class Pipeline:
    """The outbox stream → publisher → SNS → a consumer's queue (the counters' by default) →
    its function, in batches of 100 as the template's event sources send them."""

    def __init__(
        self,
        provisioner: Any,
        queue: str = "CountersQueue",
        consumer: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
        also: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] | None = None,
    ) -> None:
        from functions.counters import app as counters
        from functions.followers import app as followers
        from functions.publisher import app as publisher
        from infra.local.delivery import sqs_record, stream_record

        self.consumer = consumer or counters.lambda_handler
        self.others = {  # more queues SNS delivers to, drained after the first
            str(provisioner.resolver.ref(name)): (provisioner.resolver.get_att(name, "Arn"), f)
            for name, f in (also or {}).items()
        }
        from infra.local.delivery.filters import FilterCriteria

        self.publisher, self.followers = publisher, followers
        self.sqs_record, self.stream_record = sqs_record, stream_record
        self.queue = str(provisioner.resolver.ref(queue))
        self.queue_arn = provisioner.resolver.get_att(queue, "Arn")
        self.sqs = provisioner.client("sqs")
        self.streams = boto3.client(  # mock_aws does not route account-based endpoints
            "dynamodbstreams", config=Config(account_id_endpoint_mode="disabled")
        )
        self.outbox = self._stream(provisioner.resolver.get_att("EventsTable", "StreamArn"))
        self.posts = self._stream(provisioner.resolver.get_att("PostsTable", "StreamArn"))
        self.users = self._stream(provisioner.resolver.get_att("UsersTable", "StreamArn"))
        likes = provisioner.template.resources["PublisherLikesSource"]["Properties"]
        self.likes_filter = FilterCriteria(likes["FilterCriteria"])
        edges = provisioner.template.resources["FollowersEdgesSource"]["Properties"]
        self.edges_filter = FilterCriteria(edges["FilterCriteria"])
        self.context = _Context()

    def _stream(self, arn: str) -> list[str | None]:
        """[the stream's ARN, its one shard's iterator from now on]."""
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
        )["ShardIterator"]
        return [arn, iterator]

    def _read(self, stream: list[str | None]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        while stream[1]:
            page = self.streams.get_records(ShardIterator=stream[1], Limit=1000)
            stream[1] = page.get("NextShardIterator")
            if not page["Records"]:
                break
            records.extend(self.stream_record(r, str(stream[0])) for r in page["Records"])
        return records

    def run(self) -> None:
        """Apply the follow edges' changes, publish what the streams hold, then drain the
        queues in batches of 100."""
        edges = [r for r in self._read(self.users) if self.edges_filter.passes(r)]
        for start in range(0, len(edges), 100):
            result = self.followers.lambda_handler(
                {"Records": edges[start : start + 100]}, self.context
            )
            assert not result["batchItemFailures"], result
        records = self._read(self.outbox)
        likes = [r for r in self._read(self.posts) if self.likes_filter.passes(r)]
        for source in (records, likes):
            for start in range(0, len(source), 100):
                batch = {"Records": source[start : start + 100]}
                result = self.publisher.lambda_handler(batch, self.context)
                assert not result["batchItemFailures"], result
        queues = {self.queue: (self.queue_arn, self.consumer), **self.others}
        for queue, (arn, consumer) in queues.items():
            self._drain(queue, arn, consumer)

    def _drain(self, queue: str, arn: str, consumer: Callable[..., dict[str, Any]]) -> None:
        while True:
            messages: list[dict[str, Any]] = []
            while len(messages) < 100:
                got = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
                if not got.get("Messages"):
                    break
                messages.extend(got["Messages"])
            if not messages:
                break
            event = {"Records": [self.sqs_record(m, arn) for m in messages]}
            result = consumer(event, self.context)
            assert not result["batchItemFailures"], result
            for m in messages:
                self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class Result:
    name: str
    actions: int
    hot_request: float
    hot_consumers: float
    requests: float
    consumer_requests: float
    settle_s: float
    errors: int
    p50_ms: float
    units_request: float
    units_consumers: float


def scenario(
    name: str,
    count: int,
    hot: Key,
    act: Callable[[int], bool],
    stored: Callable[[], int],
    pipeline: Pipeline | None,
) -> Result:
    """Run `act(i)` for each of `count` users, with the consumers polling every POLL_EVERY
    actions as Lambda's pollers do all along; then settle. `stored()` reads the count."""
    errors = 0
    timings = []
    request_path, consumers = Tally(), Tally()
    for start in range(0, count, POLL_EVERY):
        with watching(hot, request_path):
            for index in range(start, min(count, start + POLL_EVERY)):
                started = time.perf_counter()
                ok = act(index)
                timings.append(time.perf_counter() - started)
                errors += 0 if ok else 1
        if pipeline is not None and start + POLL_EVERY < count:
            with watching(hot, consumers):
                pipeline.run()
    settled_at = time.perf_counter()
    with watching(hot, consumers):
        while pipeline is not None and stored() != count:
            pipeline.run()
            if time.perf_counter() - settled_at > 120:
                break
    settle = time.perf_counter() - settled_at
    errors += 0 if stored() == count else 1
    return Result(
        name,
        count,
        request_path.hot / count,
        consumers.hot / count,
        request_path.requests / count,
        consumers.requests / count,
        settle,
        errors,
        statistics.median(timings) * 1000,
        request_path.write_units / count,
        consumers.write_units / count,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument(
        "--conflicts",
        type=float,
        default=0.0,
        help="also cancel this share of transactions with TransactionConflict",
    )
    args = smoke.parse(parser, {"actions": 30})
    count = args.actions

    with provisioned() as provisioner:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the template's INFO: one line a batch
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        from functions.notifier import app as notifier
        from glimpse.clock import now
        from glimpse.events import CommentLiked, FollowCreated, PostLiked
        from glimpse.graph import service as graph
        from glimpse.models.graph import BLOCKS, FOLLOWER, FOLLOWS, Edge, edge_key
        from glimpse.models.posts import (
            LIKE,
            POST,
            Comment,
            CommentLike,
            Like,
            Post,
            comment_like_sk,
            comment_sk,
            post_pk,
        )
        from glimpse.models.transactions import transaction
        from glimpse.models.users import PROFILE, UserProfile, user_pk
        from glimpse.posts import service as posts
        from glimpse.posts.schemas import CommentCreate
        from infra.local import atomicity

        atomicity.install()
        moment = now()

        def users(prefix: str, n: int) -> list[str]:
            ids = [f"{prefix}-{i:05d}" for i in range(n)]
            profiles(ids)
            return ids

        def a_post(author: str) -> str:
            post = post_item(author)
            post.save()
            return str(post.post_id)

        def post_count(post_id: str) -> Callable[[], int]:
            return lambda: int(Post.get(post_pk(post_id), POST, consistent_read=True).like_count)

        def followers(star: str) -> Callable[[], int]:
            return lambda: int(
                UserProfile.get(user_pk(star), PROFILE, consistent_read=True).followers_count
            )

        (star,) = users("star", 1)
        (old_star,) = users("oldstar", 1)
        (before_star,) = users("beforestar", 1)
        fans = users("fan", count)
        pipeline = Pipeline(provisioner, also={"NotifierQueue": notifier.lambda_handler})
        atomicity.set_conflict_share(args.conflicts, seed=1)

        def ok(call: Callable[[], Any]) -> bool:
            try:
                call()
            except Exception:
                return False
            return True

        # ---------------------------------------------------------------- baseline
        def old_like(post_id: str) -> Callable[[int], bool]:
            def act(i: int) -> bool:
                def write() -> None:
                    with transaction() as tx:
                        tx.save(
                            Like(
                                post_pk(post_id),
                                f"{LIKE}{fans[i]}",
                                user_id=fans[i],
                                created_at=moment,
                            ),
                            condition=Like.pk.does_not_exist(),
                        )
                        tx.update(
                            Post(post_pk(post_id), POST),
                            actions=[Post.like_count.add(1)],
                            condition=Post.pk.exists(),
                        )

                return ok(write)

            return act

        def old_follow(i: int) -> bool:
            def write() -> None:
                with transaction() as tx:
                    tx.save(
                        Edge(*edge_key(fans[i], FOLLOWS, old_star), other_id=old_star),
                        condition=Edge.pk.does_not_exist(),
                    )
                    tx.save(Edge(*edge_key(old_star, FOLLOWER, fans[i]), other_id=fans[i]))
                    tx.update(
                        UserProfile(user_pk(old_star), PROFILE),
                        actions=[UserProfile.followers_count.add(1)],
                        condition=UserProfile.pk.exists(),
                    )

            return ok(write)

        # A follow before (until 2026-12-08): both edges, the two block checks and its event in
        # one transaction (no `streamed`: the followers function leaves its creation to the
        # counters, which count its event).
        def follow_before(i: int) -> bool:
            def write() -> None:
                with transaction() as tx:
                    tx.save(
                        Edge(*edge_key(fans[i], FOLLOWS, before_star), other_id=before_star),
                        condition=Edge.pk.does_not_exist(),
                    )
                    tx.save(Edge(*edge_key(before_star, FOLLOWER, fans[i]), other_id=fans[i]))
                    for a, b in ((fans[i], before_star), (before_star, fans[i])):
                        tx.condition_check(Edge, *edge_key(a, BLOCKS, b), Edge.pk.does_not_exist())
                    tx.emit(
                        FollowCreated(
                            follower_id=fans[i], followee_id=before_star, status="following"
                        )
                    )

            return ok(write)

        # The request path before (until the second change of 2026-12-07): the like and its
        # outbox event in one transaction, as posts.service wrote them then (its item has no
        # `streamed` mark: the publisher does not publish its creation again).
        def like_before(post_id: str) -> Callable[[int], bool]:
            def write(viewer_id: str) -> None:
                post = posts._get_post(post_id)
                posts._visible(viewer_id, post)
                with transaction() as tx:
                    tx.save(
                        Like(
                            post_pk(post_id),
                            f"{LIKE}{viewer_id}",
                            user_id=viewer_id,
                            created_at=now(),
                            actor_pk=f"ACTOR#{viewer_id}",
                        ),
                        condition=Like.pk.does_not_exist(),
                    )
                    tx.emit(PostLiked(post_id=post_id, author_id=post.author_id, user_id=viewer_id))

            return lambda i: ok(lambda: write(fans[i]))

        def comment_like_before(post_id: str, comment_id: str) -> Callable[[int], bool]:
            def write(viewer_id: str) -> None:
                _, _, _, comment = posts._liked_comment(viewer_id, post_id, comment_id)
                with transaction() as tx:
                    tx.save(
                        CommentLike(
                            post_pk(post_id),
                            comment_like_sk(comment_id, None, viewer_id),
                            user_id=viewer_id,
                            liked_id=comment_id,
                            comment_author_id=comment.author_id,
                            created_at=now(),
                            actor_pk=f"ACTOR#{viewer_id}",
                        ),
                        condition=CommentLike.pk.does_not_exist(),
                    )
                    tx.emit(
                        CommentLiked(
                            post_id=post_id,
                            comment_id=comment_id,
                            author_id=comment.author_id,
                            user_id=viewer_id,
                        )
                    )

            return lambda i: ok(lambda: write(fans[i]))

        def comment_count(post_id: str, comment_id: str) -> Callable[[], int]:
            key = (post_pk(post_id), comment_sk(comment_id))
            return lambda: int(Comment.get(*key, consistent_read=True).like_count)

        old_post, before_post, new_post = a_post(old_star), a_post(star), a_post(star)
        commented = a_post(star)
        before_comment = posts.add_comment(star, commented, CommentCreate(text="me")).comment_id
        liked = posts.add_comment(star, commented, CommentCreate(text="like me")).comment_id
        results = [
            scenario(
                "like, baseline (ADD in the request)",
                count,
                (post_pk(old_post), POST),
                old_like(old_post),
                post_count(old_post),
                None,
            )
        ]
        results.append(
            scenario(
                "like, before (like + event)",
                count,
                (post_pk(before_post), POST),
                like_before(before_post),
                post_count(before_post),
                pipeline,
            )
        )
        results.append(
            scenario(
                "like, Glimpse (the like alone)",
                count,
                (post_pk(new_post), POST),
                lambda i: ok(lambda: posts.like(fans[i], new_post)),
                post_count(new_post),
                pipeline,
            )
        )
        results.append(
            scenario(
                "comment like, before (like + event)",
                count,
                (post_pk(commented), comment_sk(before_comment)),
                comment_like_before(commented, before_comment),
                comment_count(commented, before_comment),
                pipeline,
            )
        )
        results += [
            scenario(
                "comment like, Glimpse (the like alone)",
                count,
                (post_pk(commented), comment_sk(liked)),
                lambda i: ok(lambda: posts.like_comment(fans[i], commented, liked)),
                comment_count(commented, liked),
                pipeline,
            ),
            scenario(
                "follow, baseline (ADD in the request)",
                count,
                (user_pk(old_star), PROFILE),
                old_follow,
                followers(old_star),
                None,
            ),
            scenario(
                "follow, before (edges, checks, event)",
                count,
                (user_pk(before_star), PROFILE),
                follow_before,
                followers(before_star),
                pipeline,
            ),
            scenario(
                "follow, Glimpse (the follow edge alone)",
                count,
                (user_pk(star), PROFILE),
                lambda i: ok(lambda: graph.follow(fans[i], star)),
                followers(star),
                pipeline,
            ),
        ]
        conflicts = atomicity.conflicts_caused()
        atomicity.set_conflict_share(0.0)

    print(
        f"{count:,} distinct users act on one item, in process on moto"
        + (
            f"; {args.conflicts:.0%} of transactions cancelled (TransactionConflict, "
            f"{conflicts:,} in all)"
            if args.conflicts
            else ""
        )
    )
    print(
        "write units: 2 per item of a transaction (condition checks too), 1 per item written "
        "otherwise; consumers: the followers function, the counters and the notifier"
    )
    header = (
        f"{'scenario':<40} {'hot writes':>10} {'(consumers)':>11} {'write units':>11} "
        f"{'(request)':>9} {'(consumers)':>11} {'requests':>8} {'(consumers)':>11} "
        f"{'p50 ms':>7} {'exact after':>11} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<40} {r.hot_request + r.hot_consumers:>10.3f} {r.hot_consumers:>11.3f} "
            f"{r.units_request + r.units_consumers:>11.2f} {r.units_request:>9.2f} "
            f"{r.units_consumers:>11.2f} {r.requests + r.consumer_requests:>8.2f} "
            f"{r.consumer_requests:>11.2f} {r.p50_ms:>7.1f} {r.settle_s:>10.2f}s {r.errors:>6}"
        )
    base_like, base_follow = results[0].hot_request, results[5].hot_request
    follow_before, follow_now = results[6], results[7]

    def hot(r: Result) -> float:
        return r.hot_request + r.hot_consumers

    def units(r: Result) -> float:
        return r.units_request + r.units_consumers

    # a comment like in the baseline design is a post like's transaction on the comment item
    print(
        f"hot-item writes against the ADD baseline: likes {hot(results[2]) / base_like:.3f}x, "
        f"comment likes {hot(results[4]) / base_like:.3f}x, follows "
        f"{hot(follow_now) / base_follow:.3f}x (target <= 0.05)"
    )
    print(
        f"write units per action, before -> now: like {units(results[1]):.2f} -> "
        f"{units(results[2]):.2f}, comment like {units(results[3]):.2f} -> "
        f"{units(results[4]):.2f}, follow {units(follow_before):.2f} -> {units(follow_now):.2f} "
        "(target <= 6)"
    )


if __name__ == "__main__":
    main()
