"""Notifications of a viral post: N distinct users like one post.

In process on moto (every resource from template.yaml). Each like goes through the service the
request calls (`posts.service.like`); the events then flow as in AWS: the outbox stream → the
publisher → SNS → the notifier's queue → the notifier function, in batches of 100, polled every
100 likes (Lambda's pollers run all along).

It prints, per like: the notifier's DynamoDB writes to the Notifications table (items written,
each item of a transaction counted) and an estimate of their write units (1 per KB, doubled in
a transaction); the notifier's DynamoDB requests; then the time from the last like until the
grouped notification is exact (`actor_count` = N), and whether it is. The baseline, measured in
the same run, is a notification written per like: a member item per liker and an `ADD` to the
notification, in one transaction per like (what grouping replaces).

    python -m benchmarks.notifications [--likes 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import botocore.client

from benchmarks import smoke
from benchmarks.hot_items import POLL_EVERY, Pipeline
from benchmarks.moto_stack import post_item, profiles, provisioned


@dataclass
class Writes:
    requests: int = 0  # DynamoDB requests of any kind
    items: int = 0  # items written to the table watched
    units: float = 0.0  # their write units (estimated from the items' sizes)


def _units(body: dict[str, Any], transactional: bool) -> float:
    size_kb = len(json.dumps(body)) / 1024
    return max(1, math.ceil(size_kb)) * (2 if transactional else 1)


@contextmanager
def counting(table: str, writes: Writes) -> Iterator[Writes]:
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            writes.requests += 1
            if operation == "TransactWriteItems":
                for entry in params["TransactItems"]:
                    ((kind, body),) = entry.items()
                    if body.get("TableName") == table and kind != "ConditionCheck":
                        writes.items += 1
                        writes.units += _units(body.get("Item") or body.get("Key"), True)
            elif operation in {"PutItem", "UpdateItem", "DeleteItem"}:
                if params.get("TableName") == table:
                    writes.items += 1
                    writes.units += _units(params.get("Item") or params["Key"], False)
            elif operation == "BatchWriteItem":
                for request in params["RequestItems"].get(table, []):
                    writes.items += 1
                    writes.units += _units(request, False)
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield writes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--likes", type=int, default=10_000)
    args = smoke.parse(parser, {"likes": 100})
    count = args.likes

    with provisioned() as provisioner:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the template's INFO: one line a batch
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        from functions.notifier import app as notifier
        from glimpse.clock import now
        from glimpse.config import get_settings
        from glimpse.models.notifications import (
            GroupSlice,
            Notification,
            notification_sk,
            recipient_pk,
        )
        from glimpse.models.transactions import transaction
        from glimpse.notifications import kinds
        from glimpse.posts import service as posts
        from infra.local import atomicity

        atomicity.install()
        table = get_settings().require("notifications_table")
        fans = [f"fan-{i:05d}" for i in range(count)]
        profiles(["author", *fans])
        post = post_item("author")
        post.save()
        pipeline = Pipeline(provisioner, "NotifierQueue", notifier.lambda_handler)

        def grouped() -> int:
            key = kinds.like_key(str(post.post_id), now())
            item = Notification.get(
                recipient_pk("author"), notification_sk(key), consistent_read=True
            )
            return int(item.actor_count)

        # ---------------------------------------------------------------- Glimpse
        consumer = Writes()
        started = time.perf_counter()
        for start in range(0, count, POLL_EVERY):
            for fan in fans[start : start + POLL_EVERY]:
                posts.like(fan, str(post.post_id))
            if start + POLL_EVERY < count:
                with counting(table, consumer):
                    pipeline.run()
        last_like = time.perf_counter()
        with counting(table, consumer):
            while True:
                pipeline.run()
                exact = grouped() == count
                if exact or time.perf_counter() - last_like > 300:
                    break
        settle = time.perf_counter() - last_like
        total = time.perf_counter() - started

        # ---------------------------------------------------------------- baseline
        baseline = Writes()
        root = Notification(recipient_pk("author"), notification_sk("baseline"))
        base_started = time.perf_counter()
        with counting(table, baseline):
            for fan in fans:
                with transaction() as tx:
                    member = GroupSlice("GROUP#author#baseline", fan, version=1, expires_at=now())
                    tx.save(member, condition=GroupSlice.pk.does_not_exist())
                    tx.update(root, actions=[Notification.actor_count.add(1)])
        base_time = time.perf_counter() - base_started

    print(f"{count:,} distinct users like one post, in process on moto")
    header = (
        f"{'design':<44} {'writes/like':>11} {'WCU/like':>9} {'requests/like':>13} "
        f"{'exact after':>11} {'exact':>6}"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{'baseline: a member + ADD per like':<44} {baseline.items / count:>11.3f} "
        f"{baseline.units / count:>9.3f} {baseline.requests / count:>13.3f} "
        f"{'-':>11} {'-':>6}"
    )
    print(
        f"{'Glimpse: grouped per batch (notifier)':<44} {consumer.items / count:>11.3f} "
        f"{consumer.units / count:>9.3f} {consumer.requests / count:>13.3f} "
        f"{settle:>10.2f}s {'yes' if exact else 'NO':>6}"
    )
    print(
        f"writes per like against the baseline: {consumer.items / baseline.items:.3f}x "
        f"(target: <= 1 write per like); the whole run took {total:.0f} s "
        f"(the baseline's writes alone {base_time:.0f} s)"
    )


if __name__ == "__main__":
    main()
