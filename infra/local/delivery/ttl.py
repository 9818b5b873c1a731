"""DynamoDB TTL: moto never expires items, so a sweeper deletes expired ones, and marks
them so their stream REMOVE records carry the TTL service identity, as in AWS."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from infra.local import activity


class TtlSweeper:
    def __init__(self, client: Any, tables: list[tuple[str, str]]) -> None:
        """`tables`: (table name, TTL attribute) of every table with TTL enabled."""
        self.client = client
        self.tables = tables
        self._deleted: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        # Per table: its version (infra/local/activity.py) when last swept, and the earliest
        # expiry it then held: until either moves, a sweep would find nothing.
        self._swept: dict[str, tuple[int, float]] = {}

    def sweep(self) -> int:
        """Delete every item whose TTL attribute is in the past; returns how many."""
        deleted = 0
        now = int(time.time())
        for table, attribute in self.tables:
            version = activity.version(f"table:{table}")
            swept = self._swept.get(table)
            if swept is not None and swept[0] == version and now < swept[1]:
                continue  # not written since, and nothing due yet
            found, next_due = self._sweep(table, attribute, now)
            deleted += found
            self._swept[table] = (version, next_due)
        return deleted

    def _sweep(self, table: str, attribute: str, now: int) -> tuple[int, float]:
        """(items deleted, the earliest expiry still ahead) of one table."""
        description = self.client.describe_table(TableName=table)["Table"]
        key_names = [k["AttributeName"] for k in description["KeySchema"]]
        names = {f"#a{i}": name for i, name in enumerate([*key_names, attribute])}
        deleted, next_due = 0, math.inf
        expired = {
            "ConditionExpression": "#ttl <= :now",
            "ExpressionAttributeNames": {"#ttl": attribute},
            "ExpressionAttributeValues": {":now": {"N": str(now)}},
        }
        # Local only: AWS's TTL process scans in the background too.
        pages = self.client.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names
        )
        for page in pages:
            for item in page.get("Items", []):
                try:
                    expiry = float(item[attribute]["N"])
                except (KeyError, TypeError, ValueError):  # no TTL (or not a number): kept
                    continue
                if expiry > now:
                    next_due = min(next_due, expiry)
                elif self._expire(table, {name: item[name] for name in key_names}, expired):
                    deleted += 1
        return deleted, next_due

    def _expire(self, table: str, key: dict[str, Any], expired: dict[str, Any]) -> bool:
        marker = (table, json.dumps(key, sort_keys=True))
        with self._lock:
            self._deleted.add(marker)
        try:
            self.client.delete_item(TableName=table, Key=key, **expired)
        except self.client.exceptions.ConditionalCheckFailedException:
            with self._lock:
                self._deleted.discard(marker)
            return False
        return True

    def deleted_by_ttl(self, table: str, keys: dict[str, Any]) -> bool:
        marker = (table, json.dumps(keys, sort_keys=True))
        with self._lock:
            if marker in self._deleted:
                self._deleted.discard(marker)
                return True
        return False
