"""The local cloud's DynamoDB parser (infra/local/dynamodb_parser.py) reads every response
exactly as botocore's own JSON parser does.

The equivalence cases of the serializer's test (every attribute type, nested and empty values,
projections, consumed capacity, paging, returned values, transactions, PartiQL, errors) and a
stream's records run once against moto; each raw response is then parsed by botocore's
parser and by the fast one, which must give equal results. Bodies the fast pass does not take
(nulls, unknown types, values of the wrong JSON type, bad base64) are parsed both ways too.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import parsers
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import atomicity, dynamodb_parser
from tests.unit.dynamodb_cases import (
    Call,
    create_tables,
    errors,
    every_type,
    reads,
    seed,
    streams_client,
    writes,
)

Raw = tuple[str, str, dict[str, Any]]  # service, operation, response dict
SESSION = botocore.session.get_session()


class Recorder:
    """Each raw response the client received."""

    def __init__(self, client: Any, service: str) -> None:
        self.responses: list[Raw] = []
        self.service = service
        client.meta.events.register("response-received", self._received)

    def _received(self, response_dict: dict[str, Any] | None = None, **kw: Any) -> None:
        if response_dict is not None:
            operation = kw["event_name"].rsplit(".", 1)[-1]
            self.responses.append((self.service, operation, dict(response_dict)))


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _run(client: Any, cases: list[list[Call]]) -> None:
    for case in cases:
        for operation, arguments in case:
            with contextlib.suppress(ClientError):
                getattr(client, _snake(operation))(**arguments)


def _parse_both(service: str, operation: str, response: dict[str, Any]) -> tuple[Any, Any]:
    model = SESSION.get_service_model(service).operation_model(operation)
    shape = model.output_shape
    if response["status_code"] >= 300:  # a modeled error: its own shape
        error = json.loads(response["body"]).get("__type", "").rsplit("#", 1)[-1]
        shape = next((s for s in model.error_shapes if s.name == error), None)
    plain = parsers.JSONParser().parse(response, shape)
    fast = dynamodb_parser.DynamoDBJSONParser().parse(response, shape)
    return plain, fast


@pytest.fixture
def recorded() -> Iterator[list[Raw]]:
    with mock_aws():
        atomicity.install()
        client = boto3.client("dynamodb", region_name="us-east-1")
        streams = streams_client()
        create_tables(client)
        seed(client)
        recorder, stream_recorder = (
            Recorder(client, "dynamodb"),
            Recorder(streams, "dynamodbstreams"),
        )
        _run(client, reads() + writes() + errors())
        arn = client.describe_table(TableName="Things")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        streams.get_records(ShardIterator=iterator)
        yield recorder.responses + stream_recorder.responses


def test_every_response_parses_as_botocore_s(recorded: list[Raw]) -> None:
    before = dynamodb_parser.counts()["fast"]
    items = 0
    for service, operation, response in recorded:
        plain, fast = _parse_both(service, operation, response)
        assert plain == fast, f"{service}.{operation}: {response['body'][:300]!r}"
        items += response["body"].count(b'"S": ')
    assert len(recorded) > 100
    assert items > 1000  # the cases did carry items
    assert dynamodb_parser.counts()["fast"] - before > 100  # and the fast pass read them
    assert any(
        b'"B": ' in response["body"] and b'"NewImage"' in response["body"]
        for _, _, response in recorded
    )  # binary values in a stream's images


def _item_response(item: Any) -> dict[str, Any]:
    body = json.dumps({"Item": item}).encode()
    return {"status_code": 200, "headers": {}, "body": body}


@pytest.mark.parametrize(
    "item",
    [
        {"a": {"S": None}},
        {"a": {"S": "x", "N": "1"}},
        {"a": {"X": "unknown type"}},
        {"a": {"S": 5}, "b": {"BOOL": "yes"}, "c": {"NULL": False}},
        {"a": {"SS": None}},
        {"a": {"SS": ["x", None]}},
        {"a": {"SS": "not a list"}},
        {"a": {"BS": [base64.b64encode(b"x").decode(), None]}},
        {"a": {"L": [{"S": "x"}, None]}},
        {"a": {"M": {"k": None}}},
        {"a": {"M": {"": {"S": "empty name"}}}},
        {"a": {"L": [{"M": {"deep": {"B": base64.b64encode(b"\x00").decode()}}}, {}]}},
        {"a": {}},
        {},
    ],
)
def test_bodies_it_does_not_take_are_botocore_s(item: Any) -> None:
    response = _item_response(item)
    try:
        plain, fast = _parse_both("dynamodb", "GetItem", response)
    except Exception as error:  # botocore fails on it: so must the fast parser, the same way
        with pytest.raises(type(error)):
            dynamodb_parser.DynamoDBJSONParser().parse(
                response,
                SESSION.get_service_model("dynamodb").operation_model("GetItem").output_shape,
            )
        return
    assert plain == fast


def test_bad_base64_fails_as_in_botocore() -> None:
    response = _item_response({"a": {"B": "not base64!"}})
    shape = SESSION.get_service_model("dynamodb").operation_model("GetItem").output_shape
    with pytest.raises(binascii.Error):
        parsers.JSONParser().parse(response, shape)
    with pytest.raises(binascii.Error):
        dynamodb_parser.DynamoDBJSONParser().parse(response, shape)


def test_the_check_compares_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    shape = SESSION.get_service_model("dynamodb").operation_model("GetItem").output_shape
    response = _item_response({"s": {"S": "x"}, "b": {"B": base64.b64encode(b"y").decode()}})
    dynamodb_parser.set_checking(True)
    try:
        dynamodb_parser.DynamoDBJSONParser().parse(response, shape)  # the same: no complaint
        monkeypatch.setattr(dynamodb_parser, "_blob", lambda value: b"wrong")
        with pytest.raises(AssertionError, match="the fast DynamoDB parser read"):
            dynamodb_parser.DynamoDBJSONParser().parse(response, shape)
    finally:
        dynamodb_parser.set_checking(False)


def test_installed_it_parses_every_json_response_of_the_process() -> None:
    dynamodb_parser.install()
    assert parsers.PROTOCOL_PARSERS["json"] is dynamodb_parser.DynamoDBJSONParser
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        client.put_item(
            TableName="Things", Item={**every_type(), "pk": {"S": "p"}, "sk": {"N": "1"}}
        )
        before = dynamodb_parser.counts()["fast"]
        got = client.get_item(TableName="Things", Key={"pk": {"S": "p"}, "sk": {"N": "1"}})
        assert got["Item"]["b"] == {"B": b"\x00\x01binary\xff"}
        assert got["Item"]["m"]["M"]["bs"] == {"BS": [b"x", b"\x00", b"\xfe\xff"]}
        assert dynamodb_parser.counts()["fast"] > before
        with dynamodb_parser.disabled():
            assert (
                client.get_item(TableName="Things", Key={"pk": {"S": "p"}, "sk": {"N": "1"}})[
                    "Item"
                ]
                == got["Item"]
            )
