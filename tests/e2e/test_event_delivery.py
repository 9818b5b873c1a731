"""The local cloud's event delivery, on a small fixture template with every trigger type."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import pytest

from infra.local.cloud import ROOT, LocalCloud
from infra.local.delivery import TTL_PRINCIPAL, DeliveryOptions
from tests.e2e.waiting import until
from tests.fixtures.functions.recorder.store import recorded

TEMPLATE = ROOT / "tests/fixtures/events-template.yaml"


def start(stack: str, chaos: float = 0.0) -> LocalCloud:
    return LocalCloud(
        template_path=TEMPLATE,
        port=0,
        stack_name=stack,
        parameters={"Prefix": stack},
        options=DeliveryOptions(
            retry_delay=0.1, ttl_interval=0.3, stream_interval=0.05, chaos=chaos, seed=7
        ),
    ).start()


@pytest.fixture(scope="module")
def fixture_cloud() -> Iterator[LocalCloud]:
    cloud = start(f"fx{uuid.uuid4().hex[:6]}")
    yield cloud
    cloud.stop()


def records_from(source_arn: str) -> list[dict[str, Any]]:
    return [
        record
        for event in recorded()
        for record in event.get("Records", [])
        if record.get("eventSourceARN") == source_arn
        or record.get("EventSubscriptionArn", "").startswith(source_arn)
    ]


def queue_bodies(cloud: LocalCloud, logical_id: str) -> list[str]:
    sqs = cloud.provisioner.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=cloud.ref(logical_id), MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages", [])
    return [m["Body"] for m in messages]


def test_unsupported_resource_types_are_reported_by_name(fixture_cloud: LocalCloud) -> None:
    assert "NOT PROVISIONED (unsupported type): Unknown (AWS::Glue::Database)" in (
        fixture_cloud.report_lines
    )


def test_sqs_partial_failures_retry_then_dead_letter(fixture_cloud: LocalCloud) -> None:
    sqs = fixture_cloud.provisioner.client("sqs")
    url, arn = fixture_cloud.ref("WorkQueue"), fixture_cloud.get_att("WorkQueue", "Arn")
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    dead = until(lambda: queue_bodies(fixture_cloud, "WorkDlq"), what="a message in WorkDlq")
    assert dead == ["fail"]
    # "ok-2" may come in a later batch than "fail" went to the DLQ: wait for both "ok"s
    bodies = until(
        lambda: [r["body"] for r in records_from(arn)],
        lambda found: {"ok-1", "ok-2"} <= set(found),
        what="both good messages delivered",
    )
    assert bodies.count("ok-1") == 1
    assert bodies.count("ok-2") == 1
    assert bodies.count("fail") == 3  # maxReceiveCount deliveries, then the DLQ
    record = records_from(arn)[0]
    assert {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    } <= set(record)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_a_raising_handler_is_retried_and_never_loops(fixture_cloud: LocalCloud) -> None:
    sqs = fixture_cloud.provisioner.client("sqs")
    sqs.send_message(QueueUrl=fixture_cloud.ref("WorkQueue"), MessageBody="boom")
    until(
        lambda: queue_bodies(fixture_cloud, "WorkDlq"),
        lambda bodies: "boom" in bodies,
        what="boom in WorkDlq",
    )


def test_stream_records_in_order_and_failures_to_destination(fixture_cloud: LocalCloud) -> None:
    dynamodb = fixture_cloud.provisioner.client("dynamodb")
    table = fixture_cloud.ref("ItemsTable")
    stream_arn = fixture_cloud.get_att("ItemsTable", "StreamArn")
    ids = [f"item-{i}" for i in range(3)]
    for item_id in ids:
        dynamodb.put_item(TableName=table, Item={"id": {"S": item_id}})
    inserted = until(
        lambda: (
            [
                r
                for r in records_from(stream_arn)
                if r["eventName"] == "INSERT" and r["dynamodb"]["Keys"]["id"]["S"] in ids
            ]
            if len([r for r in records_from(stream_arn) if r["eventName"] == "INSERT"]) >= 3
            else None
        ),
        what="3 INSERT records",
    )
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in inserted] == ids
    assert all(r["dynamodb"]["SequenceNumber"] for r in inserted)

    dynamodb.put_item(TableName=table, Item={"id": {"S": "poison"}, "fail": {"S": "yes"}})
    failure = until(lambda: queue_bodies(fixture_cloud, "StreamFailures"), what="a failure record")
    info = json.loads(failure[0])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["streamArn"] == stream_arn
    poison = [r for r in records_from(stream_arn) if r["dynamodb"]["Keys"]["id"]["S"] == "poison"]
    assert len(poison) == 3  # the first try and MaximumRetryAttempts (2) retries


def test_ttl_expiry_deletes_items_and_emits_service_removes(fixture_cloud: LocalCloud) -> None:
    dynamodb = fixture_cloud.provisioner.client("dynamodb")
    table = fixture_cloud.ref("ItemsTable")
    stream_arn = fixture_cloud.get_att("ItemsTable", "StreamArn")
    past, future = int(time.time()) - 5, int(time.time()) + 3600
    dynamodb.put_item(TableName=table, Item={"id": {"S": "old"}, "expires_at": {"N": str(past)}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "new"}, "expires_at": {"N": str(future)}})
    removed = until(
        lambda: [
            r
            for r in records_from(stream_arn)
            if r["eventName"] == "REMOVE" and r["dynamodb"]["Keys"]["id"]["S"] == "old"
        ],
        what="the REMOVE of old",
    )
    assert removed[0]["userIdentity"] == TTL_PRINCIPAL
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "old"}})
    assert "Item" in dynamodb.get_item(TableName=table, Key={"id": {"S": "new"}})


def test_schedules_sns_and_s3_notifications(fixture_cloud: LocalCloud) -> None:
    assert fixture_cloud.delivery.fire_schedule("Recorder", "Ticks")
    scheduled = [e for e in recorded() if e.get("detail-type") == "Scheduled Event"]
    assert scheduled
    assert scheduled[-1]["source"] == "aws.events"

    topic = fixture_cloud.ref("Topic")
    fixture_cloud.provisioner.client("sns").publish(TopicArn=topic, Message="hello", Subject="s")
    sns = until(
        lambda: [
            r
            for e in recorded()
            for r in e.get("Records", [])
            if r.get("EventSource") == "aws:sns" and r["Sns"]["TopicArn"] == topic
        ],
        what="the SNS record",
    )
    assert sns[0]["Sns"]["Message"] == "hello"

    s3 = fixture_cloud.provisioner.client("s3")
    bucket = fixture_cloud.ref("Uploads")
    s3.put_object(Bucket=bucket, Key="elsewhere/ignored.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="incoming/photo.jpg", Body=b"jpeg")
    uploads_arn = fixture_cloud.get_att("UploadsQueue", "Arn")
    notified = until(
        lambda: [
            json.loads(r["body"])
            for r in records_from(uploads_arn)
            if "Records" in json.loads(r["body"])
        ],
        what="the S3 notification",
    )
    keys = [rec["s3"]["object"]["key"] for body in notified for rec in body["Records"]]
    assert [unquote_plus(key) for key in keys] == ["incoming/photo.jpg"]  # URL-encoded, as AWS


def test_chaos_redelivers_handled_messages() -> None:
    cloud = start(f"cx{uuid.uuid4().hex[:6]}", chaos=1.0)
    try:
        sqs = cloud.provisioner.client("sqs")
        arn = cloud.get_att("WorkQueue", "Arn")
        for i in range(4):
            sqs.send_message(QueueUrl=cloud.ref("WorkQueue"), MessageBody=f"twice-{i}")
        until(lambda: records_from(arn), lambda found: len(found) >= 8, what="8 deliveries")
        bodies = sorted(r["body"] for r in records_from(arn))
        assert bodies == sorted([f"twice-{i}" for i in range(4)] * 2)
    finally:
        cloud.stop()


def test_properties_the_local_cloud_does_not_honour_are_reported(
    fixture_cloud: LocalCloud,
) -> None:
    lines = [line for line in fixture_cloud.report_lines if line.startswith("NOT EMULATED")]
    assert sorted(lines) == [
        "NOT EMULATED: Recorder.Kept.MaximumRecordAgeInSeconds",
        "NOT EMULATED: Recorder.Kept.ParallelizationFactor",
    ]


def test_sqs_filter_criteria_deliver_matches_and_delete_the_rest(
    fixture_cloud: LocalCloud,
) -> None:
    sqs = fixture_cloud.provisioner.client("sqs")
    url, arn = fixture_cloud.ref("FilteredQueue"), fixture_cloud.get_att("FilteredQueue", "Arn")
    bodies = [
        json.dumps({"kind": "keep", "size": 11}),
        json.dumps({"kind": "keep", "size": 10}),  # the numeric rule fails
        json.dumps({"kind": "drop", "size": 50}),
        "plain keep",
        "plain drop",
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def settled() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"] == "0"
            and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        )

    until(settled, what="FilteredQueue is empty")
    delivered = sorted(r["body"] for r in records_from(arn))
    assert delivered == sorted([bodies[0], "plain keep"])


def test_stream_filter_criteria_skip_what_no_filter_matches(fixture_cloud: LocalCloud) -> None:
    dynamodb = fixture_cloud.provisioner.client("dynamodb")
    table = fixture_cloud.ref("FilteredTable")
    stream_arn = fixture_cloud.get_att("FilteredTable", "StreamArn")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}, "kind": {"S": "drop"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "b"}, "kind": {"S": "keep"}})
    dynamodb.put_item(
        TableName=table, Item={"id": {"S": "b"}, "kind": {"S": "keep"}, "v": {"N": "2"}}
    )
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "b"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "c"}, "kind": {"S": "keep"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "d"}, "kind": {"S": "keep"}})

    def delivered() -> list[tuple[str, str]]:
        return [
            (r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records_from(stream_arn)
        ]

    # records come in order: anything c let through wrongly would have come before d
    found = until(delivered, lambda pairs: ("INSERT", "d") in pairs, what="d's INSERT")
    assert found == [("INSERT", "b"), ("INSERT", "c"), ("INSERT", "d")]


def _pages(chain: str) -> list[int]:
    return sorted(e["page"] for e in recorded() if e.get("looped") == chain)


def test_lambda_stops_a_chain_through_one_queue_at_16_unless_allowed(
    fixture_cloud: LocalCloud,
) -> None:
    """As Lambda's recursive-loop detection: 20 pages, each sent by the one before to the
    queue it came from. `Looper` (RecursiveLoop: Allow, its hop counted in each page by
    glimpse.jobs) gets all 20; `Terminated` (Lambda's default) runs 16, and the 17th message
    goes to its queue's DLQ."""
    sqs = fixture_cloud.provisioner.client("sqs")
    allowed, terminated = f"a{uuid.uuid4().hex[:8]}", f"t{uuid.uuid4().hex[:8]}"
    for queue, chain in (("LoopQueue", allowed), ("TerminatedQueue", terminated)):
        body = {"type": "count", "event_id": chain, "to": 20}
        sqs.send_message(QueueUrl=fixture_cloud.ref(queue), MessageBody=json.dumps(body))
    until(lambda: len(_pages(allowed)) == 20 or None, what="20 pages of the allowed chain")
    assert _pages(allowed) == list(range(20))
    hops = sorted(e["hop"] for e in recorded() if e.get("looped") == allowed)
    assert hops == list(range(20))  # the guard's count, carried by each continuation
    dead = until(lambda: queue_bodies(fixture_cloud, "TerminatedDlq"), what="the 17th page")
    assert [json.loads(b)["after"] for b in dead] == ["16"]
    assert _pages(terminated) == list(range(16))
    stopped = fixture_cloud.delivery.loops_stopped
    assert len([s for s in stopped if s.startswith("Terminated:")]) == 1
    assert not [s for s in stopped if s.startswith("Looper:")]
