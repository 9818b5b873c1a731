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
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import serialize as moto_serialize
from moto.core.utils import get_service_model

from infra.local import atomicity, dynamodb_serializer

Call = tuple[str, dict[str, Any]]
Response = tuple[str, int, bytes, tuple[Any, ...]]
HEADERS = ("content-type", "x-amzn-errortype", "x-amz-crc32")

S, N, B = "S", "N", "B"
STRINGS = ["", "plain", "é ü ß", 'quote " back\\slash', "tab\tnew\nline", "\u0000\u001f", "😀"]
NUMBERS = ["0", "-1", "3.14", "1E+2", "-0.000001", "12345678901234567890123456789012345678"]
BLOBS = [b"", b"\x00\xff", b"binary", "é".encode(), bytes(range(256))]


def _every_type(depth: int = 3) -> dict[str, Any]:
    """An item of every attribute type, nested `depth` levels."""
    item: dict[str, Any] = {
        "s": {S: "text"},
        "s_empty": {S: ""},
        "s_odd": {S: STRINGS[3] + STRINGS[4] + STRINGS[5] + STRINGS[6]},
        "n": {N: "42"},
        "n_odd": {N: NUMBERS[4]},
        "b": {B: b"\x00\x01binary\xff"},
        "b_empty": {B: b""},
        "bool_t": {"BOOL": True},
        "bool_f": {"BOOL": False},
        "null": {"NULL": True},
        "ss": {"SS": ["a", "b", "é"]},
        "ns": {"NS": ["1", "2.5", "-3"]},
        "bs": {"BS": [b"x", b"\x00", b"\xfe\xff"]},
        "l": {"L": [{S: "x"}, {N: "1"}, {B: b"y"}, {"NULL": True}, {"L": []}, {"M": {}}]},
        "l_empty": {"L": []},
        "m_empty": {"M": {}},
        "dotted.name": {S: "dots"},
        "ünï #name": {S: "unicode name"},
    }
    if depth:
        item["m"] = {"M": _every_type(depth - 1)}
        item["lm"] = {"L": [{"M": _every_type(depth - 1)}, {"L": [{"M": {"k": {N: "1"}}}]}]}
    return item


def _create_tables(client: Any) -> None:
    client.create_table(
        TableName="Things",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": S},
            {"AttributeName": "sk", "AttributeType": N},
            {"AttributeName": "g", "AttributeType": S},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["s", "m"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "ByG2",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "g", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.create_table(
        TableName="Blobs",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": B}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def _seed(client: Any) -> None:
    for pk in ("p0", "p1", "é"):
        for sk in range(8):
            item = _every_type(depth=sk % 3)
            item.update(pk={S: pk}, sk={N: str(sk)})
            if sk % 2:
                item["g"] = {S: f"g{sk % 3}"}
            client.put_item(TableName="Things", Item=item)
    for blob in BLOBS[1:]:
        client.put_item(TableName="Blobs", Item={"id": {B: blob}, "v": {"BS": [blob, b"z"]}})


def _things(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {S: pk}, "sk": {N: str(sk)}}


def _reads() -> list[list[Call]]:
    """Calls that change nothing (or put back what they change): each is a case."""
    key = _things("p0", 3)
    names = {"#m": "m", "#l": "l", "#d": "dotted.name", "#u": "ünï #name"}
    cases: list[list[Call]] = []
    for capacity in (None, "NONE", "TOTAL", "INDEXES"):
        extra = {"ReturnConsumedCapacity": capacity} if capacity else {}
        cases += [
            [("GetItem", {"TableName": "Things", "Key": key, **extra})],
            [("GetItem", {"TableName": "Things", "Key": _things("p9", 1), **extra})],
            [
                (
                    "Query",
                    {
                        "TableName": "Things",
                        "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": {S: "p1"}},
                        **extra,
                    },
                )
            ],
            [
                (
                    "Query",
                    {
                        "TableName": "Things",
                        "IndexName": "ByG",
                        "KeyConditionExpression": "g = :g",
                        "ExpressionAttributeValues": {":g": {S: "g1"}},
                        **extra,
                    },
                )
            ],
            [("Scan", {"TableName": "Blobs", **extra})],
            [
                (
                    "BatchGetItem",
                    {
                        "RequestItems": {
                            "Things": {"Keys": [key, _things("p1", 0), _things("zz", 0)]},
                            "Blobs": {"Keys": [{"id": {B: b"binary"}}, {"id": {B: b"no"}}]},
                        },
                        **extra,
                    },
                )
            ],
            [
                (
                    "TransactGetItems",
                    {"TransactItems": [{"Get": {"TableName": "Things", "Key": key}}]},
                )
            ],
        ]
    cases += [
        [("GetItem", {"TableName": "Things", "Key": key, "ConsistentRead": True})],
        [
            (
                "GetItem",
                {
                    "TableName": "Things",
                    "Key": key,
                    "ProjectionExpression": "#m.s, #m.lm[0].n, #l[2], #d, #u, ss, missing",
                    "ExpressionAttributeNames": names,
                },
            )
        ],
        [("GetItem", {"TableName": "Things", "Key": key, "AttributesToGet": ["s", "bs", "l"]})],
        [("GetItem", {"TableName": "Blobs", "Key": {"id": {B: bytes(range(256))}}})],
    ]
    for forward in (True, False):
        for limit in (None, 1, 3):
            query: dict[str, Any] = {
                "TableName": "Things",
                "KeyConditionExpression": "pk = :p AND sk > :s",
                "ExpressionAttributeValues": {":p": {S: "é"}, ":s": {N: "1"}},
                "ScanIndexForward": forward,
            }
            if limit:
                query["Limit"] = limit
            cases += [
                [("Query", query)],
                [("Query", {**query, "ExclusiveStartKey": _things("é", 4)})],
                [("Query", {**query, "Select": "COUNT"})],
                [
                    (
                        "Query",
                        {
                            **query,
                            "FilterExpression": "attribute_exists(#m)",
                            "ProjectionExpression": "pk, #m.b, #l",
                            "ExpressionAttributeNames": {"#m": "m", "#l": "l"},
                        },
                    )
                ],
                [("Scan", {"TableName": "Things", **({"Limit": limit} if limit else {})})],
            ]
    cases += [
        [
            (
                "Query",
                {
                    "TableName": "Things",
                    "IndexName": "ByG2",
                    "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": {S: "p0"}},
                    "Limit": 2,
                    "ReturnConsumedCapacity": "INDEXES",
                },
            )
        ],
        [
            (
                "Query",
                {
                    "TableName": "Things",
                    "IndexName": "ByG",
                    "KeyConditionExpression": "g = :g",
                    "ExpressionAttributeValues": {":g": {S: "g0"}},
                    "Select": "ALL_PROJECTED_ATTRIBUTES",
                },
            )
        ],
        [("Scan", {"TableName": "Things", "IndexName": "ByG"})],
        [("Scan", {"TableName": "Things", "Segment": 1, "TotalSegments": 3})],
        [
            (
                "Scan",
                {
                    "TableName": "Things",
                    "FilterExpression": "sk >= :n AND contains(ss, :s)",
                    "ExpressionAttributeValues": {":n": {N: "5"}, ":s": {S: "é"}},
                    "Select": "COUNT",
                },
            )
        ],
        [("Scan", {"TableName": "Things", "ExclusiveStartKey": _things("p1", 2), "Limit": 4})],
        [("Scan", {"TableName": "Blobs", "ProjectionExpression": "v"})],
        [
            (
                "TransactGetItems",
                {
                    "TransactItems": [
                        {"Get": {"TableName": "Things", "Key": key}},
                        {"Get": {"TableName": "Things", "Key": _things("none", 1)}},
                        {
                            "Get": {
                                "TableName": "Things",
                                "Key": _things("p1", 2),
                                "ProjectionExpression": "#m.m, ns",
                                "ExpressionAttributeNames": {"#m": "m"},
                            }
                        },
                        {"Get": {"TableName": "Blobs", "Key": {"id": {B: b"\x00\xff"}}}},
                    ],
                    "ReturnConsumedCapacity": "TOTAL",
                },
            )
        ],
        [("ExecuteStatement", {"Statement": "SELECT * FROM Things WHERE pk = 'p1'"})],
        [("ExecuteStatement", {"Statement": "SELECT s, m FROM Things WHERE pk = 'p0' AND sk = 2"})],
        [("DescribeTable", {"TableName": "Things"})],
        [("ListTables", {})],
    ]
    return cases


def _writes() -> list[list[Call]]:
    """Writes returning values; each case leaves the data as it found it."""
    key = _things("w", 1)
    item = {**_every_type(), **key}
    put = ("PutItem", {"TableName": "Things", "Item": item})
    cases: list[list[Call]] = [
        [put, ("PutItem", {"TableName": "Things", "Item": item, "ReturnValues": "ALL_OLD"})],
        [
            put,
            (
                "PutItem",
                {
                    "TableName": "Things",
                    "Item": item,
                    "ReturnValues": "ALL_OLD",
                    "ReturnConsumedCapacity": "TOTAL",
                },
            ),
        ],
        [put, ("DeleteItem", {"TableName": "Things", "Key": key, "ReturnValues": "ALL_OLD"})],
        [("DeleteItem", {"TableName": "Things", "Key": key, "ReturnValues": "ALL_OLD"})],
    ]
    update = {
        "TableName": "Things",
        "Key": key,
        "UpdateExpression": "SET #m.s = :s, l[1] = :n, extra = :x REMOVE bool_t",
        "ExpressionAttributeNames": {"#m": "m"},
        "ExpressionAttributeValues": {
            ":s": {S: "changed"},
            ":n": {N: "7"},
            ":x": {"M": {"a": {"L": [{B: b"\x01"}, {"SS": ["q"]}]}}},
        },
    }
    for returned in ("NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"):
        cases.append([put, ("UpdateItem", {**update, "ReturnValues": returned})])
    cases += [
        [
            put,
            (
                "UpdateItem",
                {
                    "TableName": "Things",
                    "Key": key,
                    "UpdateExpression": "ADD ns :ns, n :one DELETE ss :ss",
                    "ExpressionAttributeValues": {
                        ":ns": {"NS": ["9"]},
                        ":one": {N: "1"},
                        ":ss": {"SS": ["a"]},
                    },
                    "ReturnValues": "ALL_NEW",
                    "ReturnConsumedCapacity": "INDEXES",
                },
            ),
        ],
        [
            put,
            (
                "BatchWriteItem",
                {
                    "RequestItems": {
                        "Things": [
                            {"PutRequest": {"Item": {**item, "sk": {N: "2"}}}},
                            {"DeleteRequest": {"Key": _things("w", 2)}},
                        ]
                    },
                    "ReturnConsumedCapacity": "TOTAL",
                },
            ),
        ],
        [
            put,
            (
                "TransactWriteItems",
                {
                    "TransactItems": [
                        {"Put": {"TableName": "Things", "Item": {**item, "n": {N: "1"}}}},
                        {"Delete": {"TableName": "Things", "Key": _things("w", 9)}},
                    ]
                },
            ),
        ],
    ]
    return cases


def _errors() -> list[list[Call]]:
    key = _things("p0", 1)
    condition = {
        "TableName": "Things",
        "Item": {**_every_type(1), **key},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    return [
        [("GetItem", {"TableName": "Nope", "Key": key})],
        [("GetItem", {"TableName": "Things", "Key": {"pk": {S: "p0"}}})],
        [("Query", {"TableName": "Things", "KeyConditionExpression": "sk = :s"})],
        [("Query", {"TableName": "Things", "KeyConditions": {}, "Select": "NOPE"})],
        [("Scan", {"TableName": "Things", "ReturnConsumedCapacity": "SOME"})],
        [("BatchGetItem", {"RequestItems": {"Things": {"Keys": [key, key]}}})],
        [("PutItem", condition)],
        [("PutItem", {**condition, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})],
        [
            (
                "UpdateItem",
                {
                    "TableName": "Things",
                    "Key": key,
                    "UpdateExpression": "SET s = :s",
                    "ConditionExpression": "n = :zero",
                    "ExpressionAttributeValues": {":s": {S: "x"}, ":zero": {N: "0"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                },
            )
        ],
        [
            (
                "TransactWriteItems",
                {
                    "TransactItems": [
                        {
                            "ConditionCheck": {
                                "TableName": "Things",
                                "Key": key,
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        },
                        {
                            "Put": {
                                "TableName": "Things",
                                "Item": {**_things("p0", 2), "s": {S: "x"}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        },
                        {
                            "Put": {
                                "TableName": "Things",
                                "Item": {**_things("new", 1), "s": {S: "x"}},
                            }
                        },
                    ]
                },
            )
        ],
        [("PutItem", {"TableName": "Things", "Item": {**key, "ss": {"SS": []}}})],
        [("PutItem", {"TableName": "Things", "Item": {**key, "s": {S: "x"}}, "ReturnValues": "X"})],
    ]


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
        _create_tables(client)
        _seed(client)
        yield client, Recorder(client)


def test_every_response_is_the_same_bytes_as_moto_s(dynamodb: tuple[Any, Recorder]) -> None:
    client, recorder = dynamodb
    cases = _reads() + _writes() + _errors()
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
                "Things": {"Keys": [_things("p0", 1)], "ProjectionExpression": "s, b"},
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
        streams = boto3.client(  # account-based endpoints are not routed by mock_aws
            "dynamodbstreams",
            region_name="us-east-1",
            config=Config(account_id_endpoint_mode="disabled"),
        )
        recorder = Recorder(streams)
        _create_tables(client)
        for case in _writes():
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
    fast_writes.serialize({"Item": _every_type()})  # the same: no complaint
    monkeypatch.setattr(dynamodb_serializer, "_blob", lambda value: "wrong")
    with pytest.raises(AssertionError, match="the fast DynamoDB serializer"):
        fast_writes.serialize({"Item": {"b": {"B": b"x"}}})
