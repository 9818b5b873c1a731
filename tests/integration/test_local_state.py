"""The local cloud's state across restarts (infra/local/state.py), proven in one process.

Each test runs the embedded moto server (what `make run` serves), writes through it, saves,
empties moto the way its own reset does (`POST /moto-api/reset`), loads, and reads back
through the same running server.

This module shares its pytest worker with the rest of the integration suite, whose stack lives
in the same global moto backends (mock_aws, session-wide) as the embedded server. moto's reset
empties every backend in use and closes the buffer of every S3 object moto has made, so each
test first sets the worker's moto state aside (backends, S3's bucket namespace, moto's lists
of model instances) and puts the very same objects back after: the stack is never reset,
copied or disturbed, whichever tests share the worker and in whatever order.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto.core.base_backend import BackendDict
from moto.core.model_instances import model_data
from moto.s3.models import s3_backends

from infra.local.cloud import embedded_moto
from infra.local.state import SNAPSHOT, StateStore
from infra.local.tokens import CognitoVerifier

PASSWORD = "Correct-horse-1"
REGION = "us-east-1"


@pytest.fixture
def moto_alone() -> Iterator[str]:
    """The embedded moto server's endpoint, with this worker's other moto state set aside."""
    endpoint = embedded_moto()
    in_use: list[BackendDict[Any]] = BackendDict._instances  # type: ignore[misc]
    saved_in_use = list(in_use)
    saved_backends = [(bd, dict(bd)) for bd in saved_in_use]
    saved_buckets = dict(s3_backends.bucket_accounts)
    models: list[Any] = [model for named in model_data.values() for model in named.values()]
    saved_tracked = {model: model.instances_tracked for model in models}
    for bd, _ in saved_backends:
        bd.clear()
    in_use.clear()
    s3_backends.bucket_accounts.clear()
    for model in saved_tracked:
        model.instances_tracked = []
    try:
        yield endpoint
    finally:
        BackendDict.reset()  # this test's backends (and its S3 objects' buffers) only
        for bd, accounts in saved_backends:
            bd.clear()
            bd.update(accounts)
        in_use[:] = saved_in_use
        s3_backends.bucket_accounts.clear()
        s3_backends.bucket_accounts.update(saved_buckets)
        for model, tracked in saved_tracked.items():
            model.instances_tracked = tracked


@dataclass
class Clients:
    endpoint: str

    def __post_init__(self) -> None:
        make: Any = boto3.client  # any service, by name
        options = {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
        self.dynamodb = make("dynamodb", **options)
        self.streams = make("dynamodbstreams", **options)
        self.s3 = make("s3", **options)
        self.sqs = make("sqs", **options)
        self.cognito = make("cognito-idp", **options)
        self.secrets = make("secretsmanager", **options)

    def reset_moto(self) -> None:
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()

    def table(self, name: str) -> str:
        self.dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        return str(self.dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"])

    def shard(self, stream_arn: str) -> str:
        shards = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        return str(shards[0]["ShardId"])

    def records(self, stream_arn: str, **position: str) -> list[dict[str, Any]]:
        """Every stream record from `position` (default: the oldest) on."""
        if not position:
            position = {"ShardIteratorType": "TRIM_HORIZON"}
        iterator = self.streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=self.shard(stream_arn), **position
        )["ShardIterator"]
        found: list[dict[str, Any]] = []
        while True:
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            found += page["Records"]
            if not page["Records"]:
                return found
            iterator = page["NextShardIterator"]

    def scan(self, table: str) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])

    def object_keys(self, bucket: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def messages(self, queue_url: str) -> list[str]:
        bodies: list[str] = []
        while got := self.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages"):
            bodies += [m["Body"] for m in got]
        return bodies


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_every_service_is_back_after_a_reset_and_a_load(moto_alone: str, tmp_path: Path) -> None:
    aws = Clients(moto_alone)

    # DynamoDB: a table with a stream, items written, updated and deleted.
    table = unique("state-table")
    stream_arn = aws.table(table)
    for i in range(20):
        aws.dynamodb.put_item(
            TableName=table, Item={"pk": {"S": f"k{i:02}"}, "n": {"N": str(i)}, "b": {"B": b"\0\1"}}
        )
    aws.dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "k03"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "300"}},
    )
    aws.dynamodb.delete_item(TableName=table, Key={"pk": {"S": "k04"}})
    items = sorted(aws.scan(table), key=lambda item: item["pk"]["S"])
    records = aws.records(stream_arn)
    assert len(records) == 22
    # A poller delivered the first 10 records: it resumes after the 10th's sequence number.
    delivered = records[9]["dynamodb"]["SequenceNumber"]

    # S3: a small object, and one larger than moto's in-memory buffer (spooled to a file).
    bucket = unique("state-bucket")
    aws.s3.create_bucket(Bucket=bucket)
    small, large = os.urandom(1000), os.urandom(6 * 1024 * 1024)
    aws.s3.put_object(Bucket=bucket, Key="small.bin", Body=small, ContentType="image/jpeg")
    aws.s3.put_object(Bucket=bucket, Key="dir/large.bin", Body=large)
    namespace = s3_backends.bucket_accounts[bucket]

    # SQS: a queue with messages waiting.
    queue_name = unique("state-queue")
    queue_url = aws.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="first")
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="second")

    # Cognito: a pool, a client, a user signed up, confirmed and logged in.
    pool_id = aws.cognito.create_user_pool(PoolName=unique("state-pool"))["UserPool"]["Id"]
    client_id = aws.cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    username = unique("alice")
    aws.cognito.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    aws.cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)

    def log_in() -> dict[str, Any]:
        result: dict[str, Any] = aws.cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return result

    before = log_in()

    # Secrets Manager.
    secret_name = unique("state-secret")
    aws.secrets.create_secret(Name=secret_name, SecretString="s3cr3t")

    store = StateStore(tmp_path / "state")
    assert not store.exists()
    assert store.load() is None
    store.save({"resources": {"Table": table, "Queue": queue_url}, "delivered": delivered})
    assert store.exists()

    aws.reset_moto()
    assert table not in aws.dynamodb.list_tables()["TableNames"]
    with pytest.raises(ClientError) as gone:
        aws.s3.head_object(Bucket=bucket, Key="small.bin")
    assert error_code(gone) == "404"
    with pytest.raises(ClientError) as gone:
        aws.sqs.get_queue_url(QueueName=queue_name)
    assert "NonExistentQueue" in error_code(gone)
    with pytest.raises(ClientError) as gone:
        aws.cognito.describe_user_pool(UserPoolId=pool_id)
    assert error_code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as gone:
        aws.secrets.describe_secret(SecretId=secret_name)
    assert error_code(gone) == "ResourceNotFoundException"

    extra = store.load()
    assert extra == {"resources": {"Table": table, "Queue": queue_url}, "delivered": delivered}

    # DynamoDB: the items, and the stream's records with their original sequence numbers.
    assert sorted(aws.scan(table), key=lambda item: item["pk"]["S"]) == items
    restored = aws.records(stream_arn)
    assert [r["dynamodb"]["SequenceNumber"] for r in restored] == [
        r["dynamodb"]["SequenceNumber"] for r in records
    ]
    assert [r["eventID"] for r in restored] == [r["eventID"] for r in records]
    resumed = aws.records(
        stream_arn, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=delivered
    )
    assert [r["eventID"] for r in resumed] == [r["eventID"] for r in records[10:]]
    # New writes continue the sequence.
    aws.dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    (after,) = aws.records(
        stream_arn,
        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=records[-1]["dynamodb"]["SequenceNumber"],
    )
    assert int(after["dynamodb"]["SequenceNumber"]) == (
        int(records[-1]["dynamodb"]["SequenceNumber"]) + 1
    )
    assert after["dynamodb"]["Keys"] == {"pk": {"S": "after"}}

    # S3: the same bytes and metadata, and the bucket's name is taken.
    got = aws.s3.get_object(Bucket=bucket, Key="small.bin")
    assert got["Body"].read() == small
    assert got["ContentType"] == "image/jpeg"
    assert aws.s3.get_object(Bucket=bucket, Key="dir/large.bin")["Body"].read() == large
    assert s3_backends.bucket_accounts[bucket] == namespace  # S3's global bucket names
    aws.s3.put_object(Bucket=bucket, Key="new.bin", Body=b"new")
    assert sorted(aws.object_keys(bucket)) == ["dir/large.bin", "new.bin", "small.bin"]

    # SQS: the same queue (URL) and its messages; it still takes new ones.
    assert aws.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"] == queue_url
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="third")
    assert sorted(aws.messages(queue_url)) == ["first", "second", "third"]

    # Cognito: the user logs in; tokens from before the restart still verify and still work.
    verifier = CognitoVerifier.fetch(moto_alone, pool_id, frozenset({client_id}))
    now = log_in()
    for tokens in (before, now):
        claims = verifier.claims(f"Bearer {tokens['IdToken']}")
        assert claims["cognito:username"] == username
    assert aws.cognito.get_user(AccessToken=before["AccessToken"])["Username"] == username
    refreshed = aws.cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": before["RefreshToken"]},
    )["AuthenticationResult"]
    assert verifier.claims(f"Bearer {refreshed['IdToken']}")["cognito:username"] == username

    # Secrets Manager.
    assert aws.secrets.get_secret_value(SecretId=secret_name)["SecretString"] == "s3cr3t"


def _body(i: int) -> bytes:
    return f"object {i};".encode() * 200


def test_saves_racing_with_writes_neither_crash_nor_tear(moto_alone: str, tmp_path: Path) -> None:
    aws = Clients(moto_alone)
    table = unique("race-table")
    stream_arn = aws.table(table)
    bucket = unique("race-bucket")
    aws.s3.create_bucket(Bucket=bucket)
    queue_url = aws.sqs.create_queue(QueueName=unique("race-queue"))["QueueUrl"]

    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0, 0]

    def write(writer: int) -> None:
        mine = Clients(moto_alone)  # boto3 clients are not shared between threads
        i = 0
        while not stop.is_set():
            name = f"w{writer}-{i}"
            try:
                mine.dynamodb.put_item(TableName=table, Item={"pk": {"S": name}})
                mine.s3.put_object(Bucket=bucket, Key=name, Body=_body(i))
                mine.sqs.send_message(QueueUrl=queue_url, MessageBody=name)
            except BaseException as exc:
                errors.append(exc)
                return
            i += 1
            written[writer] = i

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    store = StateStore(tmp_path)
    saves = 0
    try:
        deadline = time.monotonic() + 30
        while saves < 6 and time.monotonic() < deadline:
            if sum(written) > 15 * (saves + 1):
                store.save({"save": saves})
                saves += 1
            else:
                time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert saves == 6

    aws.reset_moto()
    assert store.load() == {"save": 5}
    # Each DynamoDB write is in the snapshot with its stream record, or neither is.
    keys = sorted(item["pk"]["S"] for item in aws.scan(table))
    inserts = sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in aws.records(stream_arn))
    assert keys == inserts
    assert len(keys) > 15 * 6
    # Every object saved is whole.
    names = aws.object_keys(bucket)
    for name in names:
        writer, i = name[1:].split("-")
        assert int(i) < written[int(writer)]
        assert aws.s3.get_object(Bucket=bucket, Key=name)["Body"].read() == _body(int(i))
    # One cut across services: a writer's message follows its object, which follows its item.
    bodies = aws.messages(queue_url)
    assert len(set(bodies)) == len(bodies)
    assert set(bodies) <= set(names) <= set(keys)


def test_a_long_poll_waiting_does_not_hold_a_save_back(moto_alone: str, tmp_path: Path) -> None:
    aws = Clients(moto_alone)
    queue_url = aws.sqs.create_queue(QueueName=unique("poll-queue"))["QueueUrl"]
    polled: list[Any] = []
    poller = threading.Thread(
        target=lambda: polled.append(
            Clients(moto_alone).sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=15)
        )
    )
    poller.start()
    time.sleep(0.3)  # the poll is waiting inside moto
    started = time.monotonic()
    StateStore(tmp_path, grace=10).save({})  # a save waiting for the poll would take 10 s
    assert time.monotonic() - started < 3
    aws.sqs.send_message(QueueUrl=queue_url, MessageBody="wake up")
    poller.join(timeout=10)
    assert [m["Body"] for m in polled[0]["Messages"]] == ["wake up"]


def _rewrite_header(path: Path, **changes: Any) -> None:
    with path.open("rb") as file:
        header = pickle.load(file)  # noqa: S301 - the test's own snapshot
        body = file.read()
    buffer = io.BytesIO()
    pickle.dump({**header, **changes}, buffer)
    path.write_bytes(buffer.getvalue() + body)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other moto", "empty"])
def test_a_snapshot_that_cannot_be_read_is_moved_aside(
    moto_alone: str, tmp_path: Path, damage: str
) -> None:
    aws = Clients(moto_alone)
    table = unique("aside-table")
    aws.table(table)
    messages: list[str] = []
    store = StateStore(tmp_path, log=messages.append)
    store.save({"kept": True})
    snapshot = tmp_path / SNAPSHOT
    if damage == "garbage":
        snapshot.write_bytes(b"not a snapshot at all")
    elif damage == "truncated":
        snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])
    elif damage == "other moto":
        _rewrite_header(snapshot, moto="4.0.0")
    else:
        snapshot.write_bytes(b"")
    aws.dynamodb.delete_table(TableName=table)

    assert store.load() is None

    assert not snapshot.exists()
    (aside,) = tmp_path.glob(f"{SNAPSHOT}.unreadable-*")
    assert aside.stat().st_size > 0 or damage == "empty"
    (message,) = messages
    assert "cannot be restored" in message
    assert aside.name in message
    if damage == "other moto":
        assert "moto 4.0.0" in message
    # Nothing of it was restored, not even in part; the next save starts afresh.
    assert table not in aws.dynamodb.list_tables()["TableNames"]
    store.save({"fresh": True})
    assert store.load() == {"fresh": True}


def test_one_local_cloud_per_state_directory(tmp_path: Path) -> None:
    from infra.local.state import StateError

    first = StateStore(tmp_path)
    with pytest.raises(StateError, match="another local cloud"):
        StateStore(tmp_path)
    assert first.exists() is False


def test_a_snapshot_others_may_write_is_not_loaded(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    (tmp_path / SNAPSHOT).write_bytes(b"anything")
    (tmp_path / SNAPSHOT).chmod(0o666)
    assert store.load() is None
    assert not (tmp_path / SNAPSHOT).exists()  # moved aside, with a message
