"""The local cloud's DynamoDB serializer (infra/local/dynamodb_serializer.py) writes every
response exactly as moto's own serializer does.

A broad set of calls (every attribute type, nested and empty values, projections, consumed
capacity, paging, UnprocessedKeys, returned values, transactions, PartiQL, streams, errors)
runs twice on the same data, with moto's serializer and with the fast one; the raw HTTP
responses (status, body bytes, content type, error type, CRC) must be the same. Values the fast
pass does not take (odd Python types, `None`s, empty names) are checked on the serializer itself.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import serialize as moto_serialize
from moto.core.utils import get_service_model

from infra.local import atomicity, dynamodb_serializer
from tests.unit.dynamodb_cases import (
    B,
    Call,
    S,
    create_tables,
    errors,
    every_type,
    reads,
    seed,
    streams_client,
    things,
    writes,
)

Response = tuple[str, int, bytes, tuple[Any, ...]]
HEADERS = ("content-type", "x-amzn-errortype", "x-amz-crc32")


# ------------------------------------------------------------------------------ running
class Recorder:
    """Each response as moto sent it."""

    def __init__(self, *clients: Any) -> None:
        self.responses: list[Response] = []
        for client in clients:
            client.meta.events.register("response-received", self._received)

    def _received(self, response_dict: dict[str, Any] | None = None, **kw: Any) -> None:
        if response_dict is not None:
            headers = {name.lower(): value for name, value in response_dict["headers"].items()}
            self.responses.append(
                (
                    kw["event_name"],
                    response_dict["status_code"],
                    response_dict["body"],
                    tuple(headers.get(name) for name in HEADERS),
                )
            )


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _run(client: Any, recorder: Recorder, case: list[Call]) -> list[Response]:
    recorder.responses = []
    for operation, arguments in case:
        with contextlib.suppress(ClientError):
            getattr(client, _snake(operation))(**arguments)
    return recorder.responses


def both_ways(run: Callable[[], list[Response]]) -> tuple[list[Response], list[Response]]:
    with dynamodb_serializer.disabled():
        plain = run()
    return plain, run()


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Recorder]]:
    with mock_aws():
        atomicity.install()  # and the serializer
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        seed(client)
        yield client, Recorder(client)


def test_every_response_is_the_same_bytes_as_moto_s(dynamodb: tuple[Any, Recorder]) -> None:
    client, recorder = dynamodb
    cases = reads() + writes() + errors()
    before = dynamodb_serializer.counts()
    compared = 0
    for case in cases:
        plain, fast = both_ways(lambda case=case: _run(client, recorder, case))  # type: ignore[misc]
        assert len(plain) == len(case), case
        assert plain == fast, f"{case}\n{plain}\n{fast}"
        compared += len(plain)
    assert compared > 100
    assert dynamodb_serializer.counts()["fast"] - before["fast"] > 80  # it did answer
    bodies = b"".join(body for _, _, body, _ in recorder.responses)
    assert bodies  # the last case's


def test_unprocessed_keys_and_pages_to_the_end(dynamodb: tuple[Any, Recorder]) -> None:
    """BatchGetItem over 16 MB leaves keys (binary ones) unprocessed; Scan pages of 1 MB."""
    client, recorder = dynamodb
    big = "x" * 390_000
    keys = [{"id": {B: bytes([i, 0, 255])}} for i in range(45)]
    for key in keys:
        client.put_item(
            TableName="Blobs", Item={**key, "big": {S: big}, "m": {"M": {"b": key["id"]}}}
        )

    def run() -> list[Response]:
        recorder.responses = []
        client.batch_get_item(
            RequestItems={
                "Blobs": {"Keys": keys},
                "Things": {"Keys": [things("p0", 1)], "ProjectionExpression": "s, b"},
            },
            ReturnConsumedCapacity="TOTAL",
        )
        request: dict[str, Any] = {"TableName": "Blobs", "ProjectionExpression": "id, m"}
        while True:
            page = client.scan(**request)
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return recorder.responses

    plain, fast = both_ways(run)
    assert plain == fast
    assert b'"UnprocessedKeys": {"Blobs": {"Keys": [{"id": {"B": "' in plain[0][2]


def test_stream_records_are_the_same_bytes() -> None:
    with mock_aws():
        atomicity.install()
        client = boto3.client("dynamodb", region_name="us-east-1")
        streams = streams_client()
        recorder = Recorder(streams)
        create_tables(client)
        for case in writes():
            _run(client, Recorder(), case)
        arn = client.describe_table(TableName="Things")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]

        def run() -> list[Response]:
            recorder.responses = []
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            streams.get_records(ShardIterator=iterator)
            return recorder.responses[1:]

        def _iterators_out(responses: list[Response]) -> list[Response]:
            """The next iterator is new each time (random), and so is the body's CRC."""
            return [
                (event, status, re.sub(rb'"NextShardIterator": "[^"]*"', b"", body), headers[:2])
                for event, status, body, headers in responses
            ]

        plain, fast = both_ways(run)
        assert _iterators_out(plain) == _iterators_out(fast)
        assert b'"NewImage": {' in plain[0][2]
        assert b'"OldImage": {' in plain[0][2]


# ------------------------------------------------------------------------------ the fallback
def _serializers(operation: str) -> tuple[Any, Any]:
    model = get_service_model("dynamodb").operation_model(operation)
    picker = moto_serialize.XFormedAttributePicker(response_transformers={})
    return (
        moto_serialize.JSONSerializer(operation_model=model, value_picker=picker),
        dynamodb_serializer.DynamoDBSerializer(operation_model=model, value_picker=picker),
    )


ODD_ITEMS: list[Any] = [
    {"a": None},  # moto leaves the attribute out
    {"a": {"S": 5}},  # str()
    {"a": {"N": 5}},
    {"a": {"S": None, "N": "1"}},  # two members: moto writes those it finds, in its order
    {"a": {"s": "lower"}},  # moto's aliases
    {"a": {"StringSetAttributeValue": ["x"]}},
    {"a": {"X": "unknown"}},
    {"a": {}},
    {"": {"S": "empty name"}},  # moto writes the members into the item itself
    {"a": {"B": bytearray(b"x")}},
    {"a": {"BS": ["as text", b"bytes"]}},
    {"a": {"SS": ["x", None]}},
    {"a": {"SS": ("x", "y")}},
    {"a": {"L": [None, {"S": "x"}]}},
    {"a": {"M": {"b": None, "c": {"N": "1"}}}},
    {"a": {"BOOL": "yes"}},
    {"a": {"NULL": None}},
    {1: {"S": "number as name"}},
]


@pytest.mark.parametrize("item", ODD_ITEMS, ids=repr)
def test_values_it_does_not_take_are_moto_s(item: Any) -> None:
    moto_writes, fast_writes = _serializers("GetItem")
    try:
        want: Any = moto_writes.serialize({"Item": item})
    except Exception as error:  # moto failing: the same way
        want = type(error)
    try:
        got: Any = fast_writes.serialize({"Item": item})
    except Exception as error:
        got = type(error)
    assert got == want


def test_lists_and_maps_of_items_that_are_not_dicts_and_lists() -> None:
    moto_writes, fast_writes = _serializers("BatchGetItem")
    for result in [
        {"Responses": {"T": ({"a": {"S": "x"}},)}},
        {"Responses": {"T": [{"a": {"S": "x"}}, None]}},
        {"Responses": {"": [{"a": {"S": "x"}}]}},
        {"UnprocessedKeys": {"T": {"Keys": [{"k": {"B": b"\x00"}}], "ConsistentRead": True}}},
    ]:
        try:
            want: Any = moto_writes.serialize(result)
        except Exception as error:
            want = type(error)
        try:
            got: Any = fast_writes.serialize(result)
        except Exception as error:
            got = type(error)
        assert got == want, result


def test_the_check_compares_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    _, fast_writes = _serializers("GetItem")
    monkeypatch.setattr(dynamodb_serializer.SWITCH, "enabled", True)
    monkeypatch.setattr(dynamodb_serializer.SWITCH, "checking", True)
    fast_writes.serialize({"Item": every_type()})  # the same: no complaint
    monkeypatch.setattr(dynamodb_serializer, "_blob", lambda value: "wrong")
    with pytest.raises(AssertionError, match="the fast DynamoDB serializer"):
        fast_writes.serialize({"Item": {"b": {"B": b"x"}}})
