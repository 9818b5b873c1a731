"""A DynamoDB stream reader never sees a transaction in flight (infra/local/atomicity.py).

moto appends a transaction's stream records as it applies each write, and the local cloud
cuts them from the shard when the transaction is cancelled. A reader that ran in between
would publish a record of a write that never happened and then, reading on from its iterator,
skip the real record that took the cut one's place. Here a cancelled transaction is held after
its first write while a reader asks for records: the reader waits for the transaction, gets
nothing of it, and then gets the next real write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from infra.local import atomicity
from tests.unit.dynamodb_cases import streams_client

TABLE = "Streamed"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any, str]]:
    with mock_aws():
        atomicity.install()
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        streams = streams_client()
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        yield dynamodb, streams, iterator


def _keys(page: dict[str, Any]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in page["Records"]]


def test_a_reader_waits_out_a_transaction_and_misses_no_record_after_it(
    clients: tuple[Any, Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb, streams, iterator = clients
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}})
    first = streams.get_records(ShardIterator=iterator)
    assert _keys(first) == ["a"]

    inside, release = threading.Event(), threading.Event()
    put_item = DynamoDBBackend.put_item

    def held_put(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = put_item(self, *args, **kwargs)
        inside.set()
        assert release.wait(10), "the test never released the transaction"
        return result

    monkeypatch.setattr(DynamoDBBackend, "put_item", held_put)

    def cancelled_transaction() -> None:
        with pytest.raises(ClientError, match="TransactionCanceled"):
            dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "phantom"}}}},
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {"pk": {"S": "a"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )

    read: dict[str, Any] = {}
    writer = threading.Thread(target=cancelled_transaction)
    reader = threading.Thread(
        target=lambda: read.update(streams.get_records(ShardIterator=first["NextShardIterator"]))
    )
    writer.start()
    assert inside.wait(10)  # the phantom's record is in the shard now
    reader.start()
    reader.join(0.5)
    assert reader.is_alive()  # it waits for the transaction to end
    release.set()
    writer.join(10)
    reader.join(10)
    assert not writer.is_alive()
    assert not reader.is_alive()
    assert _keys(read) == []  # nothing of the cancelled transaction

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item)
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "b"}})
    after = streams.get_records(ShardIterator=read["NextShardIterator"])
    assert _keys(after) == ["b"]  # the next real record, where the phantom's was
