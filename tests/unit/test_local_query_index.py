"""The local cloud's query index (infra/local/dynamodb_index.py) answers every Query exactly as
moto's own scan does.

One suite of Query calls (every key condition operator, filters with `Limit`, paging with
`ExclusiveStartKey` to the end, both directions, projections, `Select`, consumed capacity,
GSIs and LSIs, sparse indexes, errors) runs against plain moto and against the index; every
page's response body (bytes), or error, must be the same. It runs on the data as seeded, and
(with one value per operator instead of three: ~230 requests, not ~420) after each kind of
write (puts, updates that move items between index partitions, deletes, batch writes,
transactions, cancelled ones included) and after a snapshot is saved and loaded.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from infra.local import atomicity, dynamodb_index
from infra.local.state import StateStore

Request = dict[str, Any]
Page = tuple[Any, ...]

S, N = "S", "N"
SORT_KEYS = ["a", "ab", "abc", "b", "b#1", "b#10", "b#2", "ba", "c", "c#x", "z", "é", "éa", "ü"]
NUMBERS = ["-10", "-1.5", "0", "0.5", "1", "2", "2.50", "10", "100", "1000"]


def _attr(name: str, kind: str) -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": kind}


def _key(*parts: tuple[str, str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "KeyType": kind} for name, kind in parts]


def _create_tables(client: Any) -> None:
    client.create_table(
        TableName="Posts",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            _attr("pk", S),
            _attr("sk", S),
            _attr("author", S),
            _attr("created", S),
            _attr("tag", S),
            _attr("score", N),
            _attr("kind", S),
        ],
        KeySchema=_key(("pk", "HASH"), ("sk", "RANGE")),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByAuthor",
                "KeySchema": _key(("author", "HASH"), ("created", "RANGE")),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "Sparse",
                "KeySchema": _key(("tag", "HASH"), ("score", "RANGE")),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "ByKind",
                "KeySchema": _key(("kind", "HASH")),
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "ByScore",
                "KeySchema": _key(("pk", "HASH"), ("score", "RANGE")),
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.create_table(
        TableName="Numbers",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[_attr("h", N), _attr("r", N), _attr("grp", S), _attr("v", N)],
        KeySchema=_key(("h", "HASH"), ("r", "RANGE")),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByGroup",
                "KeySchema": _key(("grp", "HASH"), ("v", "RANGE")),
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.create_table(
        TableName="Users",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[_attr("id", S), _attr("email", S), _attr("team", S), _attr("at", N)],
        KeySchema=_key(("id", "HASH")),
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByEmail",
                "KeySchema": _key(("email", "HASH")),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "ByTeam",
                "KeySchema": _key(("team", "HASH"), ("at", "RANGE")),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )


def _post(rng: random.Random, pk: str, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {S: pk},
        "sk": {S: sk},
        "title": {S: f"{pk}/{sk}"},
        "n": {N: str(rng.randint(0, 9))},
        "body": {S: "x" * rng.randint(0, 300)},
        "kind": {S: rng.choice(["k0", "k1"])},
    }
    if rng.random() < 0.8:  # ByAuthor is sparse too: some posts have no author
        item["author"] = {S: f"a{rng.randint(0, 3)}"}
    if rng.random() < 0.9:  # ties: several posts share a `created`
        item["created"] = {S: f"2024-01-{rng.randint(1, 9):02d}"}
    if rng.random() < 0.4:
        item["tag"] = {S: rng.choice(["t0", "t1"])}
    if rng.random() < 0.85:
        item["score"] = {N: rng.choice(NUMBERS)}
    return item


def _number(rng: random.Random, h: str, r: str) -> dict[str, Any]:
    item: dict[str, Any] = {"h": {N: h}, "r": {N: r}, "n": {N: str(rng.randint(0, 9))}}
    if rng.random() < 0.7:
        item["grp"] = {S: rng.choice(["g0", "g1"])}
        item["v"] = {N: rng.choice(NUMBERS)}
    return item


def _user(rng: random.Random, uid: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": {S: uid}, "n": {N: str(rng.randint(0, 9))}}
    if rng.random() < 0.5:
        item["email"] = {S: f"{uid}@example.com"}
    if rng.random() < 0.8:
        item["team"] = {S: rng.choice(["t0", "t1"])}
        item["at"] = {N: str(rng.randint(0, 5))}
    return item


def _seed(client: Any, rng: random.Random) -> None:
    for pk in ["p0", "p1", "p2", "p3"]:
        for sk in SORT_KEYS:
            if rng.random() < 0.85:
                client.put_item(TableName="Posts", Item=_post(rng, pk, sk))
    for h in ["1", "2", "-3.5"]:
        for r in NUMBERS:
            if rng.random() < 0.8:
                client.put_item(TableName="Numbers", Item=_number(rng, h, r))
    for index in range(20):
        client.put_item(TableName="Users", Item=_user(rng, f"u{index:02d}"))


# ------------------------------------------------------------------------------ the suite
def _values(kind: str) -> list[dict[str, str]]:
    if kind == S:
        return [{S: v} for v in ["a", "ab", "b", "b#", "b#2", "bb", "c#x", "y", "é", "ü"]]
    return [{N: v} for v in ["-10", "-2", "0", "0.5", "1.0", "2.5", "3", "100", "5000"]]


def _conditions(
    name: str, kind: str, rng: random.Random, per_operator: int
) -> list[tuple[str, dict[str, Any]]]:
    """Sort key conditions: (expression, values) with ':a', ':b'."""
    values = _values(kind)
    found: list[tuple[str, dict[str, Any]]] = [("", {})]
    for operator in ["=", "<", "<=", ">", ">="]:
        for value in rng.sample(values, per_operator):
            found.append((f"#r {operator} :a", {":a": value}))
    for low, high in [(values[1], values[5]), (values[3], values[3]), (values[6], values[2])]:
        found.append(("#r BETWEEN :a AND :b", {":a": low, ":b": high}))
    if kind == S:
        for prefix in ["", "a", "b#", "b#1", "é", "zz"]:
            if prefix:
                found.append(("begins_with(#r, :a)", {":a": {S: prefix}}))
    return [(expression.replace("#r", f"#{name}"), vals) for expression, vals in found]


VIEWS: list[tuple[str, str | None, str, str, str | None, str | None, list[dict[str, str]]]] = [
    # table, index, hash attribute, its type, sort attribute, its type, partitions queried
    ("Posts", None, "pk", S, "sk", S, [{S: "p0"}, {S: "p1"}, {S: "p3"}, {S: "nope"}]),
    ("Posts", "ByAuthor", "author", S, "created", S, [{S: "a0"}, {S: "a2"}, {S: "a9"}]),
    ("Posts", "Sparse", "tag", S, "score", N, [{S: "t0"}, {S: "t1"}]),
    ("Posts", "ByKind", "kind", S, None, None, [{S: "k0"}, {S: "k1"}]),
    ("Posts", "ByScore", "pk", S, "score", N, [{S: "p0"}, {S: "p2"}]),
    ("Numbers", None, "h", N, "r", N, [{N: "1"}, {N: "2.0"}, {N: "-3.5"}, {N: "9"}]),
    ("Numbers", "ByGroup", "grp", S, "v", N, [{S: "g0"}, {S: "g1"}]),
    ("Users", None, "id", S, None, None, [{S: "u01"}, {S: "u05"}, {S: "zz"}]),
    ("Users", "ByEmail", "email", S, None, None, [{S: "u01@example.com"}, {S: "u02@example.com"}]),
    ("Users", "ByTeam", "team", S, "at", N, [{S: "t0"}, {S: "t1"}]),
]


def suite(seed: int = 1, per_operator: int = 3) -> list[Request]:
    """Queries of every view and partition: each comparison operator with `per_operator` values
    (the suite after writes takes one: what it checks is that the index follows the data)."""
    rng = random.Random(seed)
    requests: list[Request] = []
    for table, index, hash_name, _hash_kind, range_name, range_kind, partitions in VIEWS:
        conditions = (
            _conditions(range_name, range_kind, rng, per_operator) if range_name else [("", {})]
        )
        for partition in partitions:
            for condition, values in conditions:
                expression = f"#{hash_name} = :h" + (f" AND {condition}" if condition else "")
                names = {f"#{hash_name}": hash_name}
                if range_name and condition:
                    names[f"#{range_name}"] = range_name
                request: Request = {
                    "TableName": table,
                    "KeyConditionExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {":h": partition, **values},
                    "ScanIndexForward": rng.random() < 0.5,
                }
                if index:
                    request["IndexName"] = index
                limit = rng.choice([None, 1, 2, 3, 5, 8])
                if limit:
                    request["Limit"] = limit
                extra = rng.random()
                if extra < 0.25:  # a filter that drops some items (Limit applies before it)
                    request["FilterExpression"] = "#n > :n"
                    request["ExpressionAttributeNames"]["#n"] = "n"
                    request["ExpressionAttributeValues"][":n"] = {N: "4"}
                elif extra < 0.35:
                    request["ProjectionExpression"] = f"#{hash_name}, #title, #n"
                    request["ExpressionAttributeNames"].update({"#title": "title", "#n": "n"})
                elif extra < 0.45:
                    request["Select"] = "COUNT"
                elif extra < 0.55 and index:
                    request["Select"] = "ALL_PROJECTED_ATTRIBUTES"
                if rng.random() < 0.3:
                    request["ReturnConsumedCapacity"] = rng.choice(["TOTAL", "INDEXES"])
                requests.append(request)
    requests.extend(_odd_requests())
    return requests


def _odd_requests() -> list[Request]:
    """Start keys of other partitions or of no item, legacy KeyConditions, and errors."""
    posts_p0 = {
        "TableName": "Posts",
        "KeyConditionExpression": "pk = :h",
        "ExpressionAttributeValues": {":h": {S: "p0"}},
    }
    by_author = {
        "TableName": "Posts",
        "IndexName": "ByAuthor",
        "KeyConditionExpression": "author = :h",
        "ExpressionAttributeValues": {":h": {S: "a1"}},
    }
    return [
        {**posts_p0, "ExclusiveStartKey": {"pk": {S: "p0"}, "sk": {S: "b#15"}}},
        {**posts_p0, "ExclusiveStartKey": {"pk": {S: "p0"}, "sk": {S: "b#15"}}, "Limit": 2},
        {
            **posts_p0,
            "ExclusiveStartKey": {"pk": {S: "p0"}, "sk": {S: "c"}},
            "ScanIndexForward": False,
        },
        {**posts_p0, "ExclusiveStartKey": {"pk": {S: "p1"}, "sk": {S: "a"}}},
        {**posts_p0, "ExclusiveStartKey": {"pk": {S: "o"}, "sk": {S: "zz"}}},
        {
            **by_author,
            "ExclusiveStartKey": {
                "pk": {S: "p1"},
                "sk": {S: "b"},
                "author": {S: "a1"},
                "created": {S: "2024-01-05"},
            },
        },
        {
            **by_author,
            "ExclusiveStartKey": {
                "pk": {S: "p1"},
                "sk": {S: "b"},
                "author": {S: "a1"},
                "created": {S: "2024-01-05"},
            },
            "ScanIndexForward": False,
            "Limit": 3,
        },
        {
            "TableName": "Posts",
            "KeyConditions": {
                "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{S: "p2"}]},
                "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{S: "b"}]},
            },
            "Limit": 2,
        },
        {
            "TableName": "Numbers",
            "KeyConditions": {
                "h": {"ComparisonOperator": "EQ", "AttributeValueList": [{N: "1"}]},
                "r": {
                    "ComparisonOperator": "BETWEEN",
                    "AttributeValueList": [{N: "-2"}, {N: "10"}],
                },
            },
        },
        {
            "TableName": "Posts",
            "KeyConditions": {
                "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{S: "p1"}]},
            },
            "QueryFilter": {
                "n": {"ComparisonOperator": "GT", "AttributeValueList": [{N: "3"}]},
            },
        },
        # errors
        {**by_author, "IndexName": "Nope"},
        {**by_author, "ConsistentRead": True},
        {
            "TableName": "Posts",
            "IndexName": "ByKind",
            "KeyConditionExpression": "kind = :h AND pk = :r",
            "ExpressionAttributeValues": {":h": {S: "k0"}, ":r": {S: "p0"}},
        },
        {**posts_p0, "KeyConditionExpression": "pk = :h AND sk < :r"},
        {
            **posts_p0,
            "KeyConditionExpression": "pk = :h AND sk < :r",
            "ExpressionAttributeValues": {":h": {S: "p0"}, ":r": {N: "3"}},
        },
        {
            "TableName": "Numbers",
            "KeyConditionExpression": "h = :h AND begins_with(r, :r)",
            "ExpressionAttributeValues": {":h": {N: "1"}, ":r": {N: "1"}},
        },
        {**posts_p0, "Select": "ALL_PROJECTED_ATTRIBUTES"},
        {**posts_p0, "ReturnConsumedCapacity": "SOME"},
    ]


# ------------------------------------------------------------------------------ running
class Recorder:
    """Each response's status and body, as moto sent them."""

    def __init__(self, client: Any) -> None:
        self.last: tuple[int, bytes] | None = None
        client.meta.events.register("response-received.dynamodb.Query", self._received)

    def _received(self, response_dict: dict[str, Any] | None = None, **_: Any) -> None:
        if response_dict is not None:
            self.last = (response_dict["status_code"], response_dict["body"])


def pages(client: Any, recorder: Recorder, request: Request) -> list[Page]:
    """Every page of the request, to the end (or its error)."""
    found: list[Page] = []
    request = dict(request)
    for _ in range(60):
        recorder.last = None
        try:
            response = client.query(**request)
        except ClientError as error:
            found.append(("error", recorder.last, error.response["Error"]))
            return found
        except Exception as error:  # moto failing: the same way both times
            found.append(("raised", type(error).__name__, str(error)))
            return found
        found.append(("page", recorder.last))
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    raise AssertionError(f"more than 60 pages: {request}")


def compare(client: Any, recorder: Recorder, requests: list[Request]) -> int:
    """Run every request plain and indexed; returns how many pages were compared."""
    with dynamodb_index.disabled():
        plain = [pages(client, recorder, request) for request in requests]
    before = dynamodb_index.counts()
    indexed = [pages(client, recorder, request) for request in requests]
    after = dynamodb_index.counts()
    differing = [
        (request, want, got)
        for request, want, got in zip(requests, plain, indexed, strict=True)
        if want != got
    ]
    assert not differing, f"{len(differing)} differ, the first: {differing[0]}"
    # The index did answer (from a window of candidates, most of the time).
    assert after["window"] - before["window"] > len(requests) // 2
    return sum(len(found) for found in plain)


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Recorder]]:
    with mock_aws():
        atomicity.install()  # and the index
        # Unsigned: moto does not check signatures, and signing is a tenth of each call here.
        client = boto3.client(
            "dynamodb", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
        )
        _create_tables(client)
        _seed(client, random.Random(7))
        yield client, Recorder(client)


def test_the_index_answers_as_moto_does(dynamodb: tuple[Any, Recorder]) -> None:
    client, recorder = dynamodb
    requests = suite()
    assert len(requests) > 300
    compared = compare(client, recorder, requests)
    assert compared > len(requests) * 3 // 2  # paged


def _writes(client: Any, rng: random.Random) -> list[Callable[[], None]]:
    """Writes of every kind, each one a step."""

    def puts() -> None:
        for sk in ["aa", "b#3", "zz", "a", "c"]:  # new items and overwrites
            client.put_item(TableName="Posts", Item=_post(rng, "p0", sk))
        client.put_item(TableName="Numbers", Item=_number(rng, "1", "7"))
        client.put_item(TableName="Numbers", Item=_number(rng, "1.0", "2.0"))  # overwrites 1/2
        client.put_item(TableName="Users", Item=_user(rng, "u05"))

    def updates() -> None:
        key = {"pk": {S: "p1"}, "sk": {S: "b"}}
        client.update_item(  # moves it to another ByAuthor partition, another score
            TableName="Posts",
            Key=key,
            UpdateExpression="SET author = :a, created = :c, score = :s, tag = :t",
            ExpressionAttributeValues={
                ":a": {S: "a3"},
                ":c": {S: "2024-01-01"},
                ":s": {N: "-1.5"},
                ":t": {S: "t1"},
            },
        )
        client.update_item(  # leaves the sparse indexes
            TableName="Posts",
            Key={"pk": {S: "p0"}, "sk": {S: "ab"}},
            UpdateExpression="REMOVE tag, author, score",
        )
        client.update_item(  # a new item, through an update
            TableName="Posts",
            Key={"pk": {S: "p2"}, "sk": {S: "new"}},
            UpdateExpression="SET author = :a, created = :c, kind = :k, n = :n",
            ExpressionAttributeValues={
                ":a": {S: "a0"},
                ":c": {S: "2024-01-03"},
                ":k": {S: "k1"},
                ":n": {N: "8"},
            },
        )
        client.update_item(
            TableName="Users",
            Key={"id": {S: "u01"}},
            UpdateExpression="SET email = :e, team = :t, #at = :at",
            ExpressionAttributeNames={"#at": "at"},
            ExpressionAttributeValues={
                ":e": {S: "u02@example.com"},
                ":t": {S: "t0"},
                ":at": {N: "3"},
            },
        )
        client.update_item(
            TableName="Numbers",
            Key={"h": {N: "2"}, "r": {N: "0"}},
            UpdateExpression="SET grp = :g, v = :v",
            ExpressionAttributeValues={":g": {S: "g1"}, ":v": {N: "0.5"}},
        )
        with pytest.raises(ClientError):  # a failed condition changes nothing
            client.update_item(
                TableName="Posts",
                Key={"pk": {S: "p3"}, "sk": {S: "a"}},
                UpdateExpression="SET author = :a",
                ConditionExpression="attribute_not_exists(pk)",
                ExpressionAttributeValues={":a": {S: "a2"}},
            )

    def deletes() -> None:
        for sk in SORT_KEYS[::3]:
            client.delete_item(TableName="Posts", Key={"pk": {S: "p3"}, "sk": {S: sk}})
        client.delete_item(TableName="Numbers", Key={"h": {N: "-3.5"}, "r": {N: "1"}})
        client.delete_item(TableName="Users", Key={"id": {S: "u02"}})

    def batch() -> None:
        client.batch_write_item(
            RequestItems={
                "Posts": [
                    *({"PutRequest": {"Item": _post(rng, "p1", sk)}} for sk in SORT_KEYS[:6]),
                    {"DeleteRequest": {"Key": {"pk": {S: "p0"}, "sk": {S: "z"}}}},
                ],
                "Users": [{"PutRequest": {"Item": _user(rng, f"u{i}")}} for i in range(30, 36)],
            }
        )

    def transactions() -> None:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "Posts", "Item": _post(rng, "p2", "b#2")}},
                {
                    "Update": {
                        "TableName": "Posts",
                        "Key": {"pk": {S: "p0"}, "sk": {S: "b"}},
                        "UpdateExpression": "SET author = :a, created = :c",
                        "ExpressionAttributeValues": {":a": {S: "a2"}, ":c": {S: "2024-01-09"}},
                    }
                },
                {"Delete": {"TableName": "Numbers", "Key": {"h": {N: "2"}, "r": {N: "10"}}}},
            ]
        )
        with pytest.raises(ClientError):  # cancelled: atomicity.py puts the items back
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "Posts", "Item": _post(rng, "p2", "zzz")}},
                    {
                        "Update": {
                            "TableName": "Posts",
                            "Key": {"pk": {S: "p1"}, "sk": {S: "a"}},
                            "UpdateExpression": "SET author = :a",
                            "ExpressionAttributeValues": {":a": {S: "a9"}},
                        }
                    },
                    {"Delete": {"TableName": "Users", "Key": {"id": {S: "u03"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "Users",
                            "Key": {"id": {S: "u04"}},
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                ]
            )

    return [puts, updates, deletes, batch, transactions]


def test_the_index_follows_every_kind_of_write(dynamodb: tuple[Any, Recorder]) -> None:
    client, recorder = dynamodb
    requests = suite(seed=2, per_operator=1)
    compare(client, recorder, requests)  # builds the index
    for write in _writes(client, random.Random(3)):
        write()
        compare(client, recorder, requests)


def test_the_index_is_rebuilt_after_a_snapshot_is_loaded(
    dynamodb: tuple[Any, Recorder], tmp_path: Path
) -> None:
    client, recorder = dynamodb
    requests = suite(seed=3, per_operator=1)
    compare(client, recorder, requests)
    store = StateStore(tmp_path)
    store.save({})
    for write in _writes(client, random.Random(4)):  # the index follows these...
        write()
    compare(client, recorder, requests)
    store.load()  # ...and the snapshot's tables are other objects, indexed afresh
    compare(client, recorder, requests)
    for write in _writes(client, random.Random(5)):
        write()
    compare(client, recorder, requests)


def test_an_item_added_or_removed_behind_its_back_rebuilds_the_index(
    dynamodb: tuple[Any, Recorder],
) -> None:
    """None is known, but a Query of the table's key notices (partition sizes differ)."""
    client, recorder = dynamodb
    requests = [
        r
        for r in suite(seed=4, per_operator=1)
        if r["TableName"] == "Posts" and "IndexName" not in r
    ]
    compare(client, recorder, requests)
    table = dynamodb_backends["123456789012"]["us-east-1"].tables["Posts"]
    partition = table.items[DynamoType({S: "p0"})]
    del partition[DynamoType({S: "a"})]
    compare(client, recorder, requests)
    partition[DynamoType({S: "aaa"})] = Item(
        DynamoType({S: "p0"}), DynamoType({S: "aaa"}), {"pk": {S: "p0"}, "sk": {S: "aaa"}}
    )
    compare(client, recorder, requests)


def test_numbers_sort_as_numbers() -> None:
    assert sorted(Decimal(n) for n in NUMBERS) == [Decimal(n) for n in NUMBERS]
