"""A saved local table whose template adds a global secondary index gets it in place, as
CloudFormation adds one (infra/local/provision.py), with the items it held already indexed: a
saved local state keeps working after an upgrade that adds an index (ByExpiry did). A new view
type of its stream is a new stream, which the functions read (the Posts table's went from keys
only to new images, which likes are counted from). Any other change keeps the table as saved,
and the start report says so."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from infra.local.provision import Provisioner
from infra.local.template import Template
from tests.integration.conftest import Stack
from tests.unit.dynamodb_cases import streams_client

BY_COLOUR = {
    "IndexName": "ByColour",
    "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}


def template(
    stack_name: str, indexed: bool, billing: str = "PAY_PER_REQUEST", view: str | None = None
) -> Template:
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    props: dict[str, Any] = {
        "BillingMode": billing,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": attributes,
    }
    if indexed:
        attributes.append({"AttributeName": "colour", "AttributeType": "S"})
        props["GlobalSecondaryIndexes"] = [BY_COLOUR]
    if view:
        props["StreamSpecification"] = {"StreamViewType": view}
    body = {"Resources": {"Things": {"Type": "AWS::DynamoDB::Table", "Properties": props}}}
    return Template(Path("template.yaml"), body, {}, stack_name)


def saved_table(stack: Stack, view: str | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """A table provisioned from the template without the index, holding a red thing."""
    stack_name = f"s{uuid.uuid4().hex[:8]}"
    old = Provisioner(template(stack_name, indexed=False, view=view), None)
    saved = {lid: item.saved() for lid, item in old.provision().items()}
    item = {"pk": {"S": "thing-1"}, "colour": {"S": "red"}}
    stack.client("dynamodb").put_item(TableName=saved["Things"]["ref"], Item=item)
    return stack_name, saved


def test_a_saved_table_gets_the_templates_new_index_over_what_it_holds(stack: Stack) -> None:
    stack_name, saved = saved_table(stack)
    new = Provisioner(template(stack_name, indexed=True), None)
    new.provision(saved=saved)
    assert new.report.kept_as_saved == []
    name = new.resources["Things"].ref
    assert name == saved["Things"]["ref"]  # the same table, with its items
    red = stack.client("dynamodb").query(
        TableName=name,
        IndexName="ByColour",
        KeyConditionExpression="colour = :c",
        ExpressionAttributeValues={":c": {"S": "red"}},
    )
    assert [item["pk"]["S"] for item in red["Items"]] == ["thing-1"]
    again = Provisioner(template(stack_name, indexed=True), None)
    again.provision(saved={lid: item.saved() for lid, item in new.resources.items()})
    assert again.report.kept_as_saved == []  # its fingerprint is the template's now


def test_a_table_changed_in_another_way_too_is_kept_as_saved(stack: Stack) -> None:
    stack_name, saved = saved_table(stack)
    new = Provisioner(template(stack_name, indexed=True, billing="PROVISIONED"), None)
    new.provision(saved=saved)
    assert new.report.kept_as_saved == ["Things"]
    described = stack.client("dynamodb").describe_table(TableName=saved["Things"]["ref"])
    assert not described["Table"].get("GlobalSecondaryIndexes")


def test_a_saved_tables_stream_of_another_view_type_is_a_new_stream(stack: Stack) -> None:
    stack_name, saved = saved_table(stack, view="KEYS_ONLY")
    new = Provisioner(template(stack_name, indexed=True, view="NEW_IMAGE"), None)
    new.provision(saved=saved)
    assert new.report.kept_as_saved == []
    name, stream_arn = new.resources["Things"].ref, new.resources["Things"].attributes["StreamArn"]
    assert name == saved["Things"]["ref"]
    assert stream_arn != saved["Things"]["attributes"]["StreamArn"]
    dynamodb = stack.client("dynamodb")
    described = dynamodb.describe_table(TableName=name)["Table"]
    assert (described["StreamSpecification"]["StreamViewType"], described["LatestStreamArn"]) == (
        "NEW_IMAGE",
        stream_arn,
    )
    assert dynamodb.get_item(TableName=name, Key={"pk": {"S": "thing-1"}}).get("Item")
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "thing-2"}, "colour": {"S": "blue"}})
    streams = streams_client()
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["NewImage"]["colour"]["S"] for r in records] == ["blue"]
    again = Provisioner(template(stack_name, indexed=True, view="NEW_IMAGE"), None)
    again.provision(saved={lid: item.saved() for lid, item in new.resources.items()})
    assert again.report.kept_as_saved == []
    assert again.resources["Things"].attributes["StreamArn"] == stream_arn


def test_a_stream_changed_with_another_property_is_kept_as_saved(stack: Stack) -> None:
    stack_name, saved = saved_table(stack, view="KEYS_ONLY")
    changed = template(stack_name, indexed=False, billing="PROVISIONED", view="NEW_IMAGE")
    new = Provisioner(changed, None)
    new.provision(saved=saved)
    assert new.report.kept_as_saved == ["Things"]
    assert new.resources["Things"].attributes == saved["Things"]["attributes"]
    described = stack.client("dynamodb").describe_table(TableName=saved["Things"]["ref"])
    assert described["Table"]["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
