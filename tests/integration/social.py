"""Helpers for the graph, posts and feed tests: users, media, requests, feed jobs, call counts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import botocore.client

from functions.fanout import app as fanout
from functions.feed import app as feed
from functions.graph import app as graph
from functions.media import app as media
from functions.posts import app as posts
from functions.users import app as users
from glimpse.clock import new_id, now
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from infra.local.delivery import sqs_event, sqs_record
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user

HANDLERS = {"graph": graph, "posts": posts, "feed": feed, "users": users, "media": media}


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
) -> tuple[int, Any]:
    """Call a function's handler with the sample event `function/event`, as `user`."""
    sample = as_user(f"{function}/{event}", user.id, user.username)
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


def run_feed_jobs(stack: Stack, deliveries: int = 1, rounds: int = 50) -> int:
    """Deliver every queued feed job to the fanout handler (each `deliveries` times) until the
    queue is empty; returns how many jobs ran. A failed record fails the test."""
    sqs = stack.client("sqs")
    queue = stack.ref("FeedJobsQueue")
    arn = stack.provisioner.resolver.get_att("FeedJobsQueue", "Arn")
    ran = 0
    for _ in range(rounds):
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return ran
        event = sqs_event([sqs_record(m, arn) for m in messages])
        for _ in range(deliveries):
            response = fanout.lambda_handler(event, FakeContext())
            assert response["batchItemFailures"] == [], response
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        ran += len(messages)
    raise AssertionError("feed jobs kept coming")


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """Every DynamoDB operation made inside the block (PynamoDB's and boto3's alike)."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield calls
