"""The template's resources on moto, in-process, for the benchmarks that need AWS."""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import botocore.client

from infra.local.provision import Provisioner

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def provisioned() -> Iterator[Provisioner]:
    """moto's `mock_aws`, every resource of template.yaml, and the functions' environment."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from moto import mock_aws

    from infra.local.runtime import function_specs, merged_environment
    from infra.local.template import Template

    with mock_aws():
        template = Template.load(ROOT / "template.yaml", {"RateLimitScale": "1000"})  # bulk writes
        provisioner = Provisioner(template, endpoint=None)
        provisioner.provision()
        os.environ.update(merged_environment(function_specs(template, provisioner.resolver)))
        yield provisioner


class LambdaContext:
    """What a handler reads of Lambda's context, for a function named `name`."""

    memory_limit_in_mb = 512
    aws_request_id = "bench"

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def profiles(user_ids: list[str], *, celebrities: frozenset[str] = frozenset()) -> None:
    """A profile (username = id) and an active username claim for each id, in batches."""
    from glimpse.clock import now
    from glimpse.models.batch import write_many
    from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk

    moment = now()
    write_many(
        UserProfile,
        puts=[
            UserProfile(
                user_pk(uid),
                PROFILE,
                user_id=uid,
                username=uid,
                email=f"{uid}@example.com",
                is_celebrity=uid in celebrities,
                created_at=moment,
                updated_at=moment,
            )
            for uid in user_ids
        ],
    )
    write_many(
        UniqueClaim,
        puts=[
            UniqueClaim(
                username_pk(uid),
                CLAIM,
                state="active",
                claim_id=uid,
                user_id=uid,
                created_at=moment,
            )
            for uid in user_ids
        ],
    )


def post_item(author_id: str, **fields: Any) -> Any:
    """A post item by `author_id` (not saved), with one media id; `fields` override."""
    from glimpse.clock import new_id, now
    from glimpse.models.posts import POST, Post, author_pk, post_pk

    post_id = fields.pop("post_id", None) or new_id()
    values: dict[str, Any] = {
        "post_id": post_id,
        "author_id": author_id,
        "media_ids": [new_id()],
        "created_at": now(),
        "author_pk": author_pk(author_id),
        "post_sk": post_id,
        **fields,
    }
    return Post(post_pk(post_id), POST, **values)


@dataclass
class Meter:
    """DynamoDB requests by operation, the time spent in each, and their capacity on paper:
    1 write unit per item written or deleted (2 in a transaction); reads at 4 KB a unit,
    halved when eventually consistent (item sizes as the JSON moto answers)."""

    requests: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0

    def add(self, operation: str, params: dict[str, Any], answer: dict[str, Any]) -> None:
        if operation == "BatchWriteItem":
            self.write_units += sum(len(v) for v in params["RequestItems"].values())
        elif operation == "TransactWriteItems":
            self.write_units += 2 * len(params["TransactItems"])
        elif operation in {"PutItem", "UpdateItem", "DeleteItem"}:
            self.write_units += 1
        elif operation in {"Query", "GetItem", "BatchGetItem", "Scan"}:
            items = answer.get("Items") or [answer.get("Item")] if "Item" in answer else []
            for found in (answer.get("Responses") or {}).values():
                items = [*items, *found]
            size = len(json.dumps(items))
            consistent = bool(params.get("ConsistentRead"))
            self.read_units += max(1, math.ceil(size / 4096)) * (1 if consistent else 0.5)


@contextmanager
def observed(see: Callable[[str, dict[str, Any]], None]) -> Iterator[None]:
    """Calls `see(operation, params)` for each DynamoDB request botocore makes in the block,
    before it is sent (what the benchmarks count: requests, hot items, write units)."""
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            see(operation, params)
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield


@contextmanager
def metered() -> Iterator[Meter]:
    """Meters every DynamoDB request botocore makes in the block."""
    meter = Meter()
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        meter.requests[operation] += 1
        started = time.perf_counter()
        try:
            answer = original(client, operation, params)
        finally:
            meter.seconds[operation] += time.perf_counter() - started
        meter.add(operation, params, answer)
        return answer

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield meter


@contextmanager
def counted() -> Iterator[Counter[str]]:
    """DynamoDB requests by operation in the block (:func:`metered`'s counts alone)."""
    with metered() as meter:
        yield meter.requests
