"""The local cloud's journal file: records read back in order, a torn or damaged record ends
its segment's replay with a message and never a crash, segments a snapshot covers go; a
DynamoDB write is in the journal before anyone can read it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from infra.local import atomicity, journal
from infra.local.journal import Journal


def written(directory: Path, *records: list[tuple[str, ...]]) -> tuple[Journal, list[str]]:
    messages: list[str] = []
    journal = Journal(directory, log=messages.append)
    journal._open(1)  # a segment, without hooking moto (start() does)
    for record in records:
        journal.append(record)
    journal.close()
    return journal, messages


def test_records_come_back_in_order(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("a",)], [("b",), ("c",)])
    assert list(journal.records(since=1)) == [[("a",)], [("b",), ("c",)]]
    assert list(journal.records(since=2)) == []
    assert messages == []


def test_a_torn_last_record_is_skipped_with_a_message(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("kept",)], [("torn",) * 50])
    path = tmp_path / "journal-00000001.log"
    path.write_bytes(path.read_bytes()[:-7])  # the power went mid-write
    assert list(journal.records(since=1)) == [[("kept",)]]
    assert len(messages) == 1
    assert "torn record" in messages[0]


def test_a_damaged_record_ends_its_segment_not_the_replay(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("first",)], [("damaged",)])
    path = tmp_path / "journal-00000001.log"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    later = Journal(tmp_path, log=messages.append)
    later._open(2)
    later.append([("next segment",)])
    later.close()
    assert list(journal.records(since=1)) == [[("first",)], [("next segment",)]]
    assert any("damaged record" in message for message in messages)


def test_segments_a_snapshot_covers_are_deleted(tmp_path: Path) -> None:
    journal, _ = written(tmp_path, [("a",)])
    journal._open(2)
    journal.append([("b",)])
    journal.close()
    journal.discard_before(2)
    assert [number for number, _path in journal.segments()] == [2]


@contextmanager
def in_a_request() -> Iterator[None]:
    """As a request to the embedded moto server is: touches wait for its end (`request_done`)."""
    journal._in_request.depth += 1
    try:
        yield
    finally:
        journal._in_request.depth -= 1
    journal.request_done()


def test_a_dynamodb_write_is_journaled_before_anyone_can_read_it(tmp_path: Path) -> None:
    """Journaled at the request's end, a comment could be read from its stream record and
    counted (the counters' write journaled) before its own record, and a kill in between kept
    a count of a comment it lost. The record is appended under DynamoDB's operation lock,
    which every read takes (atomicity.py), before the write returns."""
    appended: list[tuple[list[Any], bool]] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        client.create_table(
            TableName="t",
            KeySchema=keys,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        recording = Journal(tmp_path)
        append = recording.append

        def watched(record: list[Any]) -> None:
            appended.append((record, atomicity._lock._is_owned()))  # type: ignore[attr-defined]
            append(record)

        recording.append = watched  # type: ignore[method-assign]
        recording.start()
        try:
            with in_a_request():
                client.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
                assert [held for _record, held in appended] == [True]
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
                        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "a"}}}},
                    ]
                )
                assert [held for _record, held in appended] == [True, True]
        finally:
            recording.close()
    assert len(appended) == 2  # nothing again at the request's end
    records = list(recording.records(since=recording.generation))
    images = [[(entry[3], entry[5]) for entry in record] for record in records]
    assert images == [
        [("t", {"pk": {"S": "a"}, "n": {"N": "1"}})],
        [("t", {"pk": {"S": "b"}}), ("t", None)],  # a transaction: one record
    ]


def test_a_transaction_refused_half_way_leaves_nothing_and_its_journal_says_so(
    tmp_path: Path,
) -> None:
    """moto writes a transaction's first items before it finds one it refuses (a key named
    twice: a ValidationException); DynamoDB writes none. The local cloud puts them back, and
    what the journal holds of them is that state."""
    atomicity.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        recording = Journal(tmp_path)
        recording.start()
        try:
            refused = False
            try:
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
                        {
                            "Update": {
                                "TableName": "t",
                                "Key": {"pk": {"S": "b"}},
                                "UpdateExpression": "SET n = :n",
                                "ExpressionAttributeValues": {":n": {"N": "1"}},
                            }
                        },
                    ]
                )
            except client.exceptions.ClientError:
                refused = True
            assert refused
            assert client.scan(TableName="t")["Items"] == []
        finally:
            recording.close()
    records = list(recording.records(since=recording.generation))
    assert all(entry[5] is None for record in records for entry in record)  # b: absent
