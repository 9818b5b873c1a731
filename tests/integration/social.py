"""Helpers for the graph, posts and feed tests: users, media, requests, feed jobs, call counts."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar
from unittest import mock

import boto3
import botocore.client
from botocore.config import Config

from functions.counters import app as counters
from functions.eraser import app as eraser
from functions.exporter import app as exporter
from functions.exports import app as exports
from functions.fanout import app as fanout
from functions.feed import app as feed
from functions.followers import app as followers
from functions.graph import app as graph
from functions.insights import app as insights
from functions.media import app as media
from functions.messages import app as messages
from functions.moderation import app as moderation
from functions.notifications import app as notifications
from functions.notifier import app as notifier
from functions.posts import app as posts
from functions.publisher import app as publisher
from functions.search import app as search
from functions.stories import app as stories
from functions.users import app as users
from glimpse.clock import new_id, now
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from infra.local.delivery import sqs_event, sqs_record, stream_record
from infra.local.delivery.filters import FilterCriteria
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user

HANDLERS = {
    "graph": graph,
    "posts": posts,
    "feed": feed,
    "users": users,
    "media": media,
    "stories": stories,
    "notifications": notifications,
    "messages": messages,
    "search": search,
    "exports": exports,
    "moderation": moderation,
    "insights": insights,
}


EXPORTER_MS = 900_000  # what the longest consumer (the exporter) gets: its Timeout


@dataclass(frozen=True)
class User:
    id: str
    username: str


def make_user(private: bool = False, prefix: str = "u") -> User:
    """A profile and its username claim, written directly (no Cognito round trip)."""
    user = User(str(uuid.uuid4()), f"{prefix}_{uuid.uuid4().hex[:10]}")
    moment = now()
    UserProfile(
        user_pk(user.id),
        PROFILE,
        user_id=user.id,
        username=user.username,
        email=f"{user.username}@example.com",
        is_private=private,
        created_at=moment,
        updated_at=moment,
    ).save()
    UniqueClaim(
        username_pk(user.username),
        CLAIM,
        state="active",
        claim_id=new_id(),
        user_id=user.id,
        created_at=moment,
    ).save()
    return user


def profile(user: User) -> UserProfile:
    """The profile once every event so far is counted."""
    settle()
    return UserProfile.get(user_pk(user.id), PROFILE, consistent_read=True)


def make_media(user: User, status: str = "ready", kind: str = "post") -> str:
    """A media item as the thumbnailer leaves it (the pipeline has its own tests)."""
    media_id = new_id()
    moment = now()
    MediaItem(
        media_pk(media_id),
        MEDIA,
        media_id=media_id,
        owner_id=user.id,
        kind=kind,
        content_type="image/jpeg",
        size_bytes=1000,
        status=status,
        reason="corrupt" if status == "rejected" else None,
        width=1080 if status == "ready" else None,
        height=720 if status == "ready" else None,
        renditions={s: f"renditions/{media_id}/{s}.jpg" for s in ("1080", "640", "320", "150")}
        if status == "ready"
        else None,
        created_at=moment,
        updated_at=moment,
    ).save()
    return media_id


def api(
    function: str,
    event: str,
    user: User,
    params: dict[str, str] | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    groups: str | None = None,
) -> tuple[int, Any]:
    """Call a function's handler with the sample event `function/event`, as `user` (a member
    of the user-pool `groups`, as the token's `cognito:groups` claim names them)."""
    sample = as_user(f"{function}/{event}", user.id, user.username)
    if groups is not None:
        sample["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    path = sample["resource"]
    for key, value in (params or {}).items():
        path = path.replace("{" + key + "}", value)
    sample.update(
        path=path,
        pathParameters=params,
        body=json.dumps(body) if body is not None else None,
        queryStringParameters=query,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
    )
    if headers:
        sample["headers"].update(headers)
        sample["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    response = HANDLERS[function].lambda_handler(sample, FakeContext())
    text = response.get("body")
    return response["statusCode"], json.loads(text) if text else None


def post(user: User, caption: str = "", media: int = 1) -> str:
    status, body = api(
        "posts",
        "create_post",
        user,
        body={"media_ids": [make_media(user) for _ in range(media)], "caption": caption},
    )
    assert status == 201, body
    return str(body["post_id"])


def follow(reader: User, author: User) -> str:
    status, body = api("graph", "follow", reader, {"username": author.username})
    assert status == 200, body
    return str(body["follow_status"])


def feed_ids(user: User, **query: str) -> list[str]:
    status, body = api("feed", "get_feed", user, query=query or None)
    assert status == 200, body
    return [item["post_id"] for item in body["items"]]


def settle(deliveries: int = 1, shuffle: random.Random | None = None) -> int:
    """Let every consumer catch up (counts, feeds): `run_feed_jobs` on this process's stack."""
    stack = EventPump.current
    assert stack is not None, "the stack fixture is not set up"
    return run_feed_jobs(stack, deliveries, shuffle=shuffle)


def run_feed_jobs(
    stack: Stack, deliveries: int = 1, rounds: int = 200, shuffle: random.Random | None = None
) -> int:
    """Deliver every domain event and queued job to its consumers (each record `deliveries`
    times) until nothing is left: the outbox stream to the publisher, then each queue to its
    function (feed jobs, counters, notifier, erasure, exports). Returns how many feed-jobs
    messages ran. With `shuffle`, every batch is delivered in a random order. A failed record
    fails the test."""
    return EventPump.of(stack).drain(deliveries, rounds, shuffle)


class TableStream:
    """A table's stream read as an event source mapping reads it: each `read` returns the
    records written since the last (since `start`, TRIM_HORIZON or LATEST, the first time),
    as Lambda delivers them."""

    def __init__(self, stack: Stack, logical_id: str, start: str = "TRIM_HORIZON") -> None:
        self.stream_arn = stack.provisioner.resolver.get_att(logical_id, "StreamArn")
        # Account-based endpoints (from the stream ARN) are not routed by mock_aws.
        self.streams = boto3.client(
            "dynamodbstreams",
            region_name="us-east-1",
            config=Config(account_id_endpoint_mode="disabled"),
        )
        self.iterators: dict[str, str | None] = {}
        for shard_id in self._shards():
            self._start(shard_id, start)

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)
        return [shard["ShardId"] for shard in description["StreamDescription"]["Shards"]]

    def _start(self, shard_id: str, position: str) -> None:
        self.iterators[shard_id] = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
        )["ShardIterator"]

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for shard_id in self._shards():
            if shard_id not in self.iterators:  # a shard new since: all of it is new
                self._start(shard_id, "TRIM_HORIZON")
            iterator = self.iterators[shard_id]
            while iterator:
                page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                iterator = page.get("NextShardIterator")
                self.iterators[shard_id] = iterator
                records.extend(page["Records"])
                if not page["Records"]:
                    break
        return [stream_record(record, self.stream_arn) for record in records]


class EventPump:
    """What Lambda's event source mappings do, on demand, for the mock_aws stack."""

    _pumps: ClassVar[dict[int, EventPump]] = {}
    current: ClassVar[Stack | None] = None  # this process's stack (set by its fixture)

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.outbox = TableStream(stack, "EventsTable")
        # The likes' own events (glimpse.posts.like_events), as the template's mapping filters
        self.posts = TableStream(stack, "PostsTable")
        likes = stack.provisioner.template.resources["PublisherLikesSource"]["Properties"]
        self.likes = FilterCriteria(likes["FilterCriteria"])
        # The follow edges' own changes (glimpse.counters.followers), as its mapping filters them
        self.users = TableStream(stack, "UsersTable")
        edges = stack.provisioner.template.resources["FollowersEdgesSource"]["Properties"]
        self.follow_edges = FilterCriteria(edges["FilterCriteria"])
        self.queues = [
            ("FeedJobsQueue", fanout.lambda_handler),
            ("CountersQueue", counters.lambda_handler),
            ("NotifierQueue", notifier.lambda_handler),
            ("ErasureQueue", eraser.lambda_handler),
            ("ExportsQueue", exporter.lambda_handler),
        ]

    @classmethod
    def of(cls, stack: Stack) -> EventPump:
        return cls._pumps.setdefault(id(stack.provisioner), cls(stack))

    def drain(
        self, deliveries: int = 1, rounds: int = 200, shuffle: random.Random | None = None
    ) -> int:
        ran = 0
        for _ in range(rounds):
            published = self.publish(deliveries)
            handled = {name: self._queue(name, h, deliveries, shuffle) for name, h in self.queues}
            ran += handled["FeedJobsQueue"]
            if not published and not any(handled.values()):
                return ran
        raise AssertionError("events kept coming")

    def publish(self, deliveries: int = 1) -> int:
        """The follow edges on the Users stream through the followers function, then the
        outbox stream's new records and the likes on the Posts stream through the publisher
        (batches of 100)."""
        edges = [r for r in self.users.read() if self.follow_edges.passes(r)]
        for start in range(0, len(edges), 100):
            for _ in range(deliveries):
                response = followers.lambda_handler(
                    {"Records": edges[start : start + 100]}, FakeContext()
                )
                assert response["batchItemFailures"] == [], response
        records = self.outbox.read() + [r for r in self.posts.read() if self.likes.passes(r)]
        for start in range(0, len(records), 100):
            batch = records[start : start + 100]
            for _ in range(deliveries):
                response = publisher.lambda_handler({"Records": batch}, FakeContext())
                assert response["batchItemFailures"] == [], response
        return len(edges) + len(records)

    def _queue(
        self, name: str, handler: Any, deliveries: int, shuffle: random.Random | None
    ) -> int:
        sqs = self.stack.client("sqs")
        queue = self.stack.ref(name)
        arn = self.stack.provisioner.resolver.get_att(name, "Arn")
        ran = 0
        while True:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return ran
            records = [sqs_record(m, arn) for m in messages]
            for _ in range(deliveries):
                if shuffle is not None:
                    shuffle.shuffle(records)
                response = handler(sqs_event(records), FakeContext(EXPORTER_MS))
                assert response["batchItemFailures"] == [], response
            for message in messages:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            ran += len(messages)


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """Every DynamoDB operation made inside the block (PynamoDB's and boto3's alike), but the
    session check's read of the Sessions table, which every authenticated request may make
    (at most once a minute per account and process: test_sessions.py holds it to that), and
    the rate limits' bucket updates, which every write makes (test_limits.py counts them)."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        table = str(params.get("TableName"))
        checking = operation == "GetItem" and "SessionsTable" in table
        limiting = operation == "UpdateItem" and "RateLimitsTable" in table
        if client.meta.service_model.service_name == "dynamodb" and not (checking or limiting):
            calls.append(operation)
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield calls
