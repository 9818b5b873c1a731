"""DynamoDB TTL: moto never expires items, so a sweeper deletes expired ones, and marks
them so their stream REMOVE records carry the TTL service identity, as in AWS."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from infra.local import activity, atomicity
from infra.local.template import ACCOUNT_ID, REGION


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
        deleted, next_due = 0, math.inf
        expired = {
            "ConditionExpression": "#ttl <= :now",
            "ExpressionAttributeNames": {"#ttl": attribute},
            "ExpressionAttributeValues": {":now": {"N": str(now)}},
        }
        for key, expiry in _expiries(table, attribute):
            if expiry > now:
                next_due = min(next_due, expiry)
            elif self._expire(table, key, expired):
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


def _expiries(table_name: str, attribute: str) -> list[tuple[dict[str, Any], float]]:
    """(key, expiry) of every item of the table with a numeric TTL attribute, read from the
    embedded moto's table in this process (local only: AWS's TTL process scans in the
    background too). A paginated Scan through the SDK did the same at some 50 times the cost,
    and the e2e suites' clouds sweep every half second: it was a tenth of the local cloud's
    CPU in `make demo`. The expired ones are deleted through the API (`_expire`), so their
    stream records and the journal are as before."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[ACCOUNT_ID][REGION]
    found: list[tuple[dict[str, Any], float]] = []
    with atomicity.reading():
        table = backend.tables.get(table_name)
        if table is None:
            return found
        names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
        partitions: list[Any] = list(table.items.values())
        for held in partitions:
            for item in held.values() if table.range_key_attr else (held,):
                value = item.attrs.get(attribute)
                if value is None or value.type != "N":  # no TTL (or not a number): kept
                    continue
                try:
                    expiry = float(value.value)
                except (TypeError, ValueError):
                    continue
                found.append(({name: item.attrs[name].to_json() for name in names}, expiry))
    return found
