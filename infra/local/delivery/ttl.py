"""DynamoDB TTL: moto never expires items, so a sweeper deletes expired ones, and marks
them so their stream REMOVE records carry the TTL service identity, as in AWS."""

from __future__ import annotations

import json
import threading
import time
from typing import Any


class TtlSweeper:
    def __init__(self, client: Any, tables: list[tuple[str, str]]) -> None:
        """`tables`: (table name, TTL attribute) of every table with TTL enabled."""
        self.client = client
        self.tables = tables
        self._deleted: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def sweep(self) -> int:
        """Delete every item whose TTL attribute is in the past; returns how many."""
        deleted = 0
        now = {":now": {"N": str(int(time.time()))}}
        for table, attribute in self.tables:
            description = self.client.describe_table(TableName=table)["Table"]
            key_names = [k["AttributeName"] for k in description["KeySchema"]]
            expired = {
                "FilterExpression": "#ttl <= :now",
                "ExpressionAttributeNames": {"#ttl": attribute},
                "ExpressionAttributeValues": now,
            }
            # Local only: AWS's TTL process scans in the background too.
            for page in self.client.get_paginator("scan").paginate(TableName=table, **expired):
                for item in page.get("Items", []):
                    key = {name: item[name] for name in key_names}
                    marker = (table, json.dumps(key, sort_keys=True))
                    with self._lock:
                        self._deleted.add(marker)
                    try:
                        self.client.delete_item(
                            TableName=table,
                            Key=key,
                            ConditionExpression=expired["FilterExpression"],
                            ExpressionAttributeNames=expired["ExpressionAttributeNames"],
                            ExpressionAttributeValues=now,
                        )
                        deleted += 1
                    except self.client.exceptions.ConditionalCheckFailedException:
                        with self._lock:
                            self._deleted.discard(marker)
        return deleted

    def deleted_by_ttl(self, table: str, keys: dict[str, Any]) -> bool:
        marker = (table, json.dumps(keys, sort_keys=True))
        with self._lock:
            if marker in self._deleted:
                self._deleted.discard(marker)
                return True
        return False
