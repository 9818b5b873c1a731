"""Restore one table of a local cloud snapshot into a new table: the local rehearsal of a
DynamoDB point-in-time restore (docs/operations.md, "Restoring a table").

In AWS, `aws dynamodb restore-table-to-point-in-time --source-table-name T
--target-table-name T-restored --restore-date-time ...` makes a new table with T's keys,
indexes and items as they were then; T itself is untouched. Locally the saved state
(`infra/local/state.py`, the snapshot `make run` writes) is the point in time:

    .venv/bin/python -m infra.local.restore --state-dir .local-cloud \\
        --table glimpse-PostsTable --into glimpse-PostsTable-restored

run while the local cloud is up (its AWS endpoint in AWS_ENDPOINT_URL). Like AWS's restore, the
new table has the keys, indexes and items, and neither streams, TTL nor point-in-time recovery
(set those again, as the runbook says); unlike it, the snapshot is the only point in time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3

from infra.local.state import SNAPSHOT, StateError, StateStore

_INDEX_KEYS = ("IndexName", "KeySchema", "Projection")


def table_shape(description: dict[str, Any], name: str) -> dict[str, Any]:
    """CreateTable's arguments for a new table shaped like `description` (on demand)."""
    shape: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": description["AttributeDefinitions"],
        "KeySchema": description["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = description.get(kind) or []
        if indexes:
            shape[kind] = [{k: index[k] for k in _INDEX_KEYS} for index in indexes]
    return shape


def restore_table(store: StateStore, source: str, target: str, dynamodb: Any) -> int:
    """Create `target` shaped like `source` in the snapshot, with its items; how many."""
    description, items = store.table(source)
    dynamodb.create_table(**table_shape(description, target))
    dynamodb.get_waiter("table_exists").wait(TableName=target)
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        pending: dict[str, Any] = {target: batch}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.restore", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(".local-cloud"))
    parser.add_argument("--table", required=True, help="the table's name in the snapshot")
    parser.add_argument("--into", required=True, help="the new table's name")
    args = parser.parse_args(argv)
    if not os.environ.get("AWS_ENDPOINT_URL"):
        print("set AWS_ENDPOINT_URL to the local cloud's AWS endpoint", file=sys.stderr)
        return 1
    snapshot = args.state_dir / SNAPSHOT
    if not snapshot.is_file():
        print(f"no snapshot in {args.state_dir}", file=sys.stderr)
        return 1
    try:
        # The running cloud owns its directory (one StateStore each): read a private copy.
        with tempfile.TemporaryDirectory() as copy:
            shutil.copyfile(snapshot, Path(copy) / SNAPSHOT)
            (Path(copy) / SNAPSHOT).chmod(0o600)
            store = StateStore(Path(copy))
            count = restore_table(store, args.table, args.into, boto3.client("dynamodb"))
    except StateError as error:
        print(f"cannot restore: {error}", file=sys.stderr)
        return 1
    print(f"restored {count} items of {args.table} into {args.into}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
