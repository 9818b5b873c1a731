"""Lambda's FilterCriteria, checked against the examples of AWS's "Filter rule syntax" table
(Lambda developer guide, event filtering) and its DynamoDB and SQS filtering pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local.delivery import FilterCriteria, FilterError
from infra.local.delivery.filters import matches


def criteria(*patterns: Any) -> FilterCriteria:
    return FilterCriteria({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]})


# (rule, records that match, records that don't): AWS's table, row by row.
DOCUMENTED = [
    ("Null", {"UserID": [None]}, [{"UserID": None}], [{"UserID": "x"}, {}]),
    ("Empty", {"LastName": [""]}, [{"LastName": ""}], [{"LastName": "x"}, {}]),
    ("Equals", {"Name": ["Alice"]}, [{"Name": "Alice"}], [{"Name": "alice"}, {"Name": "Bob"}]),
    (
        "Equals (ignore case)",
        {"Name": [{"equals-ignore-case": "alice"}]},
        [{"Name": "Alice"}, {"Name": "ALICE"}],
        [{"Name": "Alicia"}],
    ),
    (
        "And",
        {"Location": ["New York"], "Day": ["Monday"]},
        [{"Location": "New York", "Day": "Monday"}],
        [{"Location": "New York", "Day": "Tuesday"}, {"Day": "Monday"}],
    ),
    (
        "Or",
        {"PaymentType": ["Credit", "Debit"]},
        [{"PaymentType": "Credit"}, {"PaymentType": "Debit"}],
        [{"PaymentType": "Cash"}],
    ),
    (
        "Or (multiple fields)",
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        [{"Location": "New York", "Day": "Friday"}, {"Location": "Paris", "Day": "Monday"}],
        [{"Location": "Paris", "Day": "Friday"}],
    ),
    (
        "Not",
        {"Weather": [{"anything-but": ["Raining"]}]},
        [{"Weather": "Sunny"}],
        [{"Weather": "Raining"}, {}],
    ),
    (
        "Numeric (equals)",
        {"Price": [{"numeric": ["=", 100]}]},
        [{"Price": 100}, {"Price": 100.0}],
        [{"Price": 101}, {"Price": "abc"}],
    ),
    (
        "Numeric (range)",
        {"Price": [{"numeric": [">", 10, "<=", 20]}]},
        [{"Price": 11}, {"Price": 20}],
        [{"Price": 10}, {"Price": 21}],
    ),
    ("Exists", {"ProductName": [{"exists": True}]}, [{"ProductName": "x"}], [{}]),
    (
        "Does not exist",
        {"ProductName": [{"exists": False}]},
        [{}, {"Other": 1}],
        [{"ProductName": "x"}],
    ),
    (
        "Begins with",
        {"Region": [{"prefix": "us-"}]},
        [{"Region": "us-east-1"}],
        [{"Region": "eu-west-1"}],
    ),
    (
        "Ends with",
        {"FileName": [{"suffix": ".png"}]},
        [{"FileName": "photo.png"}],
        [{"FileName": "photo.jpg"}],
    ),
]


@pytest.mark.parametrize(
    ("name", "pattern", "yes", "no"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED]
)
def test_documented_comparison_operators(
    name: str, pattern: dict[str, Any], yes: list[dict[str, Any]], no: list[dict[str, Any]]
) -> None:
    filters = criteria(pattern)
    for record in yes:
        assert filters.passes(record), f"{name}: {record} should match {pattern}"
    for record in no:
        assert not filters.passes(record), f"{name}: {record} should not match {pattern}"


# The DynamoDB page's record and its examples: keys, new image attributes, and a boolean.
DYNAMODB_RECORD = {
    "eventID": "1",
    "eventName": "INSERT",
    "eventVersion": "1.0",
    "dynamodb": {
        "ApproximateCreationDateTime": "1678831218.0",
        "Keys": {"CustomerName": {"S": "AnyCompany Industries"}},
        "NewImage": {
            "AccountManager": {"S": "Pat Candella"},
            "PaymentTerms": {"S": "60 days"},
            "CustomerName": {"S": "AnyCompany Industries"},
            "Archived": {"BOOL": False},
            "Balance": {"N": "1250"},
        },
        "SequenceNumber": "111",
        "SizeBytes": 26,
        "StreamViewType": "NEW_IMAGE",
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"dynamodb": {"Keys": {"CustomerName": {"S": ["AnyCompany Industries"]}}}}, True),
        ({"dynamodb": {"NewImage": {"AccountManager": {"S": ["Pat Candella"]}}}}, True),
        ({"dynamodb": {"NewImage": {"AccountManager": {"S": ["Someone Else"]}}}}, False),
        ({"dynamodb": {"NewImage": {"Archived": {"BOOL": [False]}}}}, True),
        ({"dynamodb": {"NewImage": {"Archived": {"BOOL": [True]}}}}, False),
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["REMOVE"]}, False),
        ({"dynamodb": {"NewImage": {"Balance": {"N": [{"numeric": [">", 1000]}]}}}}, True),
        ({"dynamodb": {"OldImage": {"AccountManager": {"S": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"Missing": {"S": [{"exists": True}]}}}}, False),
    ],
)
def test_dynamodb_records(pattern: dict[str, Any], expected: bool) -> None:
    assert criteria(pattern).passes(DYNAMODB_RECORD) is expected


def sqs(body: str) -> dict[str, Any]:
    return {"messageId": "m", "body": body, "attributes": {}, "eventSource": "aws:sqs"}


def test_sqs_bodies_match_as_json_or_as_plain_strings() -> None:
    by_json = criteria({"body": {"RequestCode": ["BBBB"]}})
    assert by_json.passes_sqs(sqs(json.dumps({"RequestCode": "BBBB"})))
    assert not by_json.passes_sqs(sqs(json.dumps({"RequestCode": "AAAA"})))
    assert not by_json.passes_sqs(sqs("RequestCode BBBB"))  # not JSON: no field to match
    plain = criteria({"body": ["Plain string"]})
    assert plain.passes_sqs(sqs("Plain string"))
    assert not plain.passes_sqs(sqs("Other string"))


def test_filters_are_ored_and_no_filters_pass_everything() -> None:
    either = criteria({"kind": ["a"]}, {"kind": ["b"]})
    assert either.passes({"kind": "a"})
    assert either.passes({"kind": "b"})
    assert not either.passes({"kind": "c"})
    assert FilterCriteria(None).passes({"anything": 1})
    assert not FilterCriteria(None)


def test_a_list_field_matches_when_any_element_does() -> None:
    assert matches({"tags": ["b"]}, {"tags": ["a", "b"]})
    assert not matches({"tags": ["c"]}, {"tags": ["a", "b"]})


def test_arrays_of_objects_match_when_one_object_does() -> None:
    """An S3 notification in an SQS body: `Records` is a list of objects."""
    pattern = {"body": {"Records": {"s3": {"object": {"key": [{"prefix": "uploads/"}]}}}}}
    body = {
        "Records": [
            {"s3": {"object": {"key": "other/a"}}},
            {"s3": {"object": {"key": "uploads/b"}}},
        ]
    }
    assert matches(pattern, {"body": body})
    assert not matches(pattern, {"body": {"Records": [{"s3": {"object": {"key": "x"}}}]}})


def test_exists_is_about_leaf_values() -> None:
    assert not matches({"a": [{"exists": True}]}, {"a": {"b": 1}})
    assert matches({"a": [{"exists": True}]}, {"a": 1})


def test_values_match_by_type() -> None:
    assert not matches({"n": ["1"]}, {"n": 1})
    assert not matches({"n": [1]}, {"n": "1"})
    assert not matches({"b": [True]}, {"b": 1})


@pytest.mark.parametrize(
    "pattern",
    [
        "not json",
        "[]",
        "{}",
        '{"a": "x"}',  # rules are lists
        '{"a": []}',
        '{"a": [{"wildcard-ish": "x"}]}',
        '{"a": [{"numeric": [">"]}]}',
        '{"a": [{"numeric": ["~", 1]}]}',
        '{"a": [{"exists": "yes"}]}',
        '{"$or": [{"a": ["x"]}]}',
        '{"a": [{"anything-but": {"exists": true}}]}',
    ],
)
def test_patterns_aws_would_refuse_stop_the_start(pattern: str) -> None:
    with pytest.raises(FilterError):
        FilterCriteria({"Filters": [{"Pattern": pattern}]}, "Fn.Event.FilterCriteria")
