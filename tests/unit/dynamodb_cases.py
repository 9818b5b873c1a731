"""DynamoDB calls and data for the local cloud's fast-path equivalence tests (the serializer
on moto's side, the parser on the SDK's): every attribute type, nested and empty values,
projections, consumed capacity, paging, returned values, transactions, PartiQL and errors."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

Call = tuple[str, dict[str, Any]]

S, N, B = "S", "N", "B"
STRINGS = ["", "plain", "é ü ß", 'quote " back\\slash', "tab\tnew\nline", "\u0000\u001f", "😀"]
NUMBERS = ["0", "-1", "3.14", "1E+2", "-0.000001", "12345678901234567890123456789012345678"]
BLOBS = [b"", b"\x00\xff", b"binary", "é".encode(), bytes(range(256))]


def every_type(depth: int = 3) -> dict[str, Any]:
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
        item["m"] = {"M": every_type(depth - 1)}
        item["lm"] = {"L": [{"M": every_type(depth - 1)}, {"L": [{"M": {"k": {N: "1"}}}]}]}
    return item


def create_tables(client: Any) -> None:
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


def seed(client: Any) -> None:
    for pk in ("p0", "p1", "é"):
        for sk in range(8):
            item = every_type(depth=sk % 3)
            item.update(pk={S: pk}, sk={N: str(sk)})
            if sk % 2:
                item["g"] = {S: f"g{sk % 3}"}
            client.put_item(TableName="Things", Item=item)
    for blob in BLOBS[1:]:
        client.put_item(TableName="Blobs", Item={"id": {B: blob}, "v": {"BS": [blob, b"z"]}})


def things(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {S: pk}, "sk": {N: str(sk)}}


def reads() -> list[list[Call]]:
    """Calls that change nothing (or put back what they change): each is a case."""
    key = things("p0", 3)
    names = {"#m": "m", "#l": "l", "#d": "dotted.name", "#u": "ünï #name"}
    cases: list[list[Call]] = []
    for capacity in (None, "NONE", "TOTAL", "INDEXES"):
        extra = {"ReturnConsumedCapacity": capacity} if capacity else {}
        cases += [
            [("GetItem", {"TableName": "Things", "Key": key, **extra})],
            [("GetItem", {"TableName": "Things", "Key": things("p9", 1), **extra})],
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
                            "Things": {"Keys": [key, things("p1", 0), things("zz", 0)]},
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
                [("Query", {**query, "ExclusiveStartKey": things("é", 4)})],
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
        [("Scan", {"TableName": "Things", "ExclusiveStartKey": things("p1", 2), "Limit": 4})],
        [("Scan", {"TableName": "Blobs", "ProjectionExpression": "v"})],
        [
            (
                "TransactGetItems",
                {
                    "TransactItems": [
                        {"Get": {"TableName": "Things", "Key": key}},
                        {"Get": {"TableName": "Things", "Key": things("none", 1)}},
                        {
                            "Get": {
                                "TableName": "Things",
                                "Key": things("p1", 2),
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


def writes() -> list[list[Call]]:
    """Writes returning values; each case leaves the data as it found it."""
    key = things("w", 1)
    item = {**every_type(), **key}
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
                            {"DeleteRequest": {"Key": things("w", 2)}},
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
                        {"Delete": {"TableName": "Things", "Key": things("w", 9)}},
                    ]
                },
            ),
        ],
    ]
    return cases


def errors() -> list[list[Call]]:
    key = things("p0", 1)
    condition = {
        "TableName": "Things",
        "Item": {**every_type(1), **key},
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
                                "Item": {**things("p0", 2), "s": {S: "x"}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        },
                        {
                            "Put": {
                                "TableName": "Things",
                                "Item": {**things("new", 1), "s": {S: "x"}},
                            }
                        },
                    ]
                },
            )
        ],
        [("PutItem", {"TableName": "Things", "Item": {**key, "ss": {"SS": []}}})],
        [("PutItem", {"TableName": "Things", "Item": {**key, "s": {S: "x"}}, "ReturnValues": "X"})],
    ]


def streams_client() -> Any:
    """A DynamoDB Streams client mock_aws routes (it does not route account-based endpoints)."""
    return boto3.client(
        "dynamodbstreams",
        region_name="us-east-1",
        config=Config(account_id_endpoint_mode="disabled"),
    )
