"""The local cloud's clients reach its embedded moto server in the process (transport.py) and
get what they would get over HTTP.

Each call runs twice against the same running server: over HTTP (the transport switched off)
and in the process. What botocore returns must be equal, apart from what differs on every
request (request ids, dates); every protocol the handlers use is here (DynamoDB and SQS: JSON;
SNS: query; S3 path-style: REST-XML with binary bodies and escaped keys; Lambda: REST-JSON),
errors included. A request for another address is sent over the network as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.dynamodb.models import DynamoDBBackend

from infra.local import transport
from infra.local.cloud import embedded_moto

VOLATILE = {"ResponseMetadata", "LastModified", "Date", "MessageId", "ReceiptHandle"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if hasattr(value, "read"):  # a streaming body
        return value.read()
    return value


@pytest.fixture(scope="module")
def client() -> Callable[..., Any]:
    endpoint = embedded_moto()

    def make(service: str, **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
        )

    return make


def both_ways(call: Callable[[], Any]) -> tuple[Any, Any]:
    """(over HTTP, in the process): each the result or the error's code and status."""

    def outcome() -> Any:
        try:
            return _stable(call())
        except ClientError as error:
            return ("error", error.response["Error"].get("Code"), _status(error))

    before = transport.counts()["in_process"]
    with transport.disabled():
        over_http = outcome()
    assert transport.counts()["in_process"] == before
    in_process = outcome()
    assert transport.counts()["in_process"] > before
    return over_http, in_process


def _status(error: ClientError) -> int:
    return int(error.response["ResponseMetadata"]["HTTPStatusCode"])


def test_dynamodb_calls_and_errors(client: Callable[..., Any]) -> None:
    dynamodb = client("dynamodb")
    table = f"transport-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    item = {"pk": {"S": "é 1"}, "b": {"B": bytes(range(256))}, "m": {"M": {"n": {"N": "1"}}}}
    dynamodb.put_item(TableName=table, Item=item)
    calls: list[Callable[[], Any]] = [
        lambda: dynamodb.get_item(TableName=table, Key={"pk": {"S": "é 1"}}),
        lambda: dynamodb.batch_get_item(RequestItems={table: {"Keys": [{"pk": {"S": "é 1"}}]}}),
        lambda: dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "é 1"}},
        ),
        lambda: dynamodb.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}}),
        lambda: dynamodb.put_item(
            TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)"
        ),
    ]
    for call in calls:
        over_http, in_process = both_ways(call)
        assert over_http == in_process
    assert both_ways(calls[3])[1][:2] == ("error", "ResourceNotFoundException")


def test_sqs_and_sns(client: Callable[..., Any]) -> None:
    sqs, sns = client("sqs"), client("sns")
    queue = sqs.create_queue(QueueName=f"transport-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    topic = sns.create_topic(Name=f"transport-{uuid.uuid4().hex[:8]}")["TopicArn"]

    def send_and_receive() -> Any:
        sqs.send_message(
            QueueUrl=queue,
            MessageBody='{"text": "héllo & <bye>"}',
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "a=b&c"}},
        )
        return sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])

    over_http, in_process = both_ways(send_and_receive)
    assert over_http == in_process
    assert in_process["Messages"][0]["Body"] == '{"text": "héllo & <bye>"}'
    over_http, in_process = both_ways(
        lambda: sns.publish(TopicArn=topic, Message="a=b&c d+e", Subject="é")
    )
    assert over_http == in_process
    assert both_ways(lambda: sns.get_topic_attributes(TopicArn=topic + "-gone")) == (
        ("error", "NotFound", 404),
        ("error", "NotFound", 404),
    )


def test_s3_bytes_and_escaped_keys(client: Callable[..., Any]) -> None:
    s3 = client("s3")
    bucket = f"transport-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    body = bytes(range(256)) * 64
    for key in ("plain.jpg", "dir/with space/é+%2F.bin"):

        def put_and_get(key: str = key) -> Any:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="image/jpeg")
            return s3.get_object(Bucket=bucket, Key=key)

        over_http, in_process = both_ways(put_and_get)
        assert over_http == in_process
        assert in_process["Body"] == body
    over_http, in_process = both_ways(
        lambda: s3.list_objects_v2(Bucket=bucket, Prefix="dir/with space/")
    )
    assert over_http == in_process
    assert [entry["Key"] for entry in in_process["Contents"]] == ["dir/with space/é+%2F.bin"]
    assert both_ways(lambda: s3.get_object(Bucket=bucket, Key="missing"))[1] == (
        "error",
        "NoSuchKey",
        404,
    )


def test_lambda_rest_json(client: Callable[..., Any]) -> None:
    lambda_ = client("lambda")
    over_http, in_process = both_ways(lambda: lambda_.get_function(FunctionName="nope"))
    assert over_http == in_process == ("error", "ResourceNotFoundException", 404)


def test_a_failure_inside_moto_is_a_500(
    client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("moto broke")

    monkeypatch.setattr(DynamoDBBackend, "list_tables", broken)
    over_http, in_process = both_ways(lambda: client("dynamodb").list_tables())
    assert over_http[0] == in_process[0] == "error"
    assert over_http[2] == in_process[2] == 500


def test_other_addresses_go_over_the_network() -> None:
    before = transport.counts()["in_process"]
    elsewhere = boto3.client(
        "dynamodb",
        endpoint_url="http://127.0.0.1:9",  # discard: nothing listens
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(EndpointConnectionError):
        elsewhere.list_tables()
    assert transport.counts()["in_process"] == before
