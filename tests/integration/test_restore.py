"""The restore procedure (docs/operations.md, "Restoring a table"), rehearsed on the local
cloud: a snapshot the local cloud saved is the point in time, a table is restored from it into
a new table (as `restore-table-to-point-in-time --target-table-name` does), and the new table
holds the data as it was, while the table that had the accident is left as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.local.restore import main as restore_main
from infra.local.state import SNAPSHOT, StateStore
from infra.local.template import Resolver, Template
from tests.conftest import ROOT
from tests.integration.test_local_state import Clients, moto_alone  # noqa: F401 - fixture

SOURCE = "glimpse-PostsTable"
TARGET = "glimpse-PostsTable-restored"


def _posts_table_shape() -> dict[str, Any]:
    """The Posts table as template.yaml declares it: keys and indexes."""
    template = Template.load(ROOT / "template.yaml")
    props = Resolver(template).resolve(template.resources["PostsTable"]["Properties"])
    return {
        "TableName": SOURCE,
        "BillingMode": "PAY_PER_REQUEST",
        **{k: props[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")},
    }


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def test_a_table_restored_from_a_saved_snapshot_holds_the_data_as_it_was(
    moto_alone: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws = Clients(moto_alone)
    aws.dynamodb.create_table(**_posts_table_shape())
    for n in range(60):
        post = f"POST#{n:03d}"
        aws.dynamodb.put_item(
            TableName=SOURCE,
            Item={
                "pk": {"S": post},
                "sk": {"S": "POST"},
                "author_pk": {"S": f"USER#{n % 3}"},
                "post_sk": {"S": f"{n:03d}"},
                "caption": {"S": f"caption {n}"},
                "like_count": {"N": str(n)},
            },
        )
        aws.dynamodb.put_item(
            TableName=SOURCE,
            Item={"pk": {"S": post}, "sk": {"S": "LIKE#u1"}, "actor_pk": {"S": "USER#u1"}},
        )
    as_it_was = sorted(aws.scan(SOURCE), key=_key)
    assert len(as_it_was) == 120

    state = tmp_path / "state"
    store = StateStore(state)
    store.save({})  # what `make run` saves as it goes, and at Ctrl-C
    assert (state / SNAPSHOT).is_file()

    # The accident: items deleted and one overwritten after the snapshot.
    for n in range(10):
        aws.dynamodb.delete_item(
            TableName=SOURCE, Key={"pk": {"S": f"POST#{n:03d}"}, "sk": {"S": "POST"}}
        )
    aws.dynamodb.update_item(
        TableName=SOURCE,
        Key={"pk": {"S": "POST#050"}, "sk": {"S": "POST"}},
        UpdateExpression="SET caption = :c",
        ExpressionAttributeValues={":c": {"S": "vandalised"}},
    )
    after_the_accident = sorted(aws.scan(SOURCE), key=_key)

    # The runbook's command, against the running local cloud.
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_alone)
    assert restore_main(["--state-dir", str(state), "--table", SOURCE, "--into", TARGET]) == 0

    assert sorted(aws.scan(TARGET), key=_key) == as_it_was
    assert sorted(aws.scan(SOURCE), key=_key) == after_the_accident  # left for the switch
    restored = aws.dynamodb.describe_table(TableName=TARGET)["Table"]
    source = aws.dynamodb.describe_table(TableName=SOURCE)["Table"]
    assert restored["KeySchema"] == source["KeySchema"]
    assert {i["IndexName"] for i in restored["GlobalSecondaryIndexes"]} == {
        i["IndexName"] for i in source["GlobalSecondaryIndexes"]
    }
    # The indexes are filled: one author's posts by ByAuthor, as the API reads them.
    page = aws.dynamodb.query(
        TableName=TARGET,
        IndexName="ByAuthor",
        KeyConditionExpression="author_pk = :a",
        ExpressionAttributeValues={":a": {"S": "USER#0"}},
    )
    assert page["Count"] == 20

    # A table the snapshot does not hold, or a name already taken, is refused.
    assert restore_main(["--state-dir", str(state), "--table", "nope", "--into", "x"]) == 1
    assert (
        restore_main(["--state-dir", str(tmp_path / "empty"), "--table", SOURCE, "--into", "y"])
        == 1
    )
