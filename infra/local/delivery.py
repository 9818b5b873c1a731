"""Event delivery: every trigger type the template uses, delivered to the same handlers.

- SQS event sources: batches (BatchSize, MaximumBatchingWindowInSeconds), partial batch
  failures (`ReportBatchItemFailures`), failed messages retried after `retry_delay` and moved
  to the DLQ by the queue's own redrive policy once `maxReceiveCount` is reached.
- SNS and S3 event sources: bridged through a hidden SQS queue subscribed to the topic (or
  notified by the bucket) and delivered as the SNS/S3 event Lambda would receive; failures are
  retried twice (Lambda's asynchronous invocation), then dropped with a log line.
- DynamoDB streams: batches per shard in order, `itemIdentifier` = sequence number, a failed
  batch retried from the first failed record up to `MaximumRetryAttempts`, then handed to the
  `OnFailure` destination.
- Schedules (`rate()` / `cron()`), and DynamoDB TTL: moto never expires items, so a sweeper
  deletes expired ones; their stream REMOVE records carry the TTL service identity as in AWS.
- Chaos (`chaos` > 0): every batch is shuffled and that share of successfully handled records
  is delivered once more in a later batch, to prove consumers idempotent.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.local.provision import Provisioner
from infra.local.runtime import FunctionRuntime, FunctionSpec, InvocationError
from infra.local.schedule import Schedule
from infra.local.template import ACCOUNT_ID, REGION

TTL_PRINCIPAL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries
DEFAULT_STREAM_RETRIES = 10  # AWS's default (-1) retries until the record expires; not locally


@dataclass
class DeliveryOptions:
    retry_delay: float = 1.0  # seconds before a failed SQS message is visible again
    poll_wait: int = 1  # SQS long-poll seconds
    stream_interval: float = 0.2
    ttl_interval: float = 5.0
    chaos: float = 0.0
    chaos_conflicts: float = 0.0  # share of DynamoDB transactions cancelled (atomicity.py)
    seed: int | None = None


def _log(text: str) -> None:
    sys.stderr.write(f"[events] {text}\n")


def _arn_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


@dataclass
class Worker:
    """One background loop; `step` returns True when it did work (then it loops at once)."""

    name: str
    step: Callable[[], bool]
    idle: float
    thread: threading.Thread | None = None


class ChaosMonkey:
    def __init__(self, share: float, seed: int | None) -> None:
        self.share = share
        self.random = random.Random(seed)

    @property
    def on(self) -> bool:
        return self.share > 0

    def shuffle(self, items: list[Any]) -> list[Any]:
        if self.on:
            items = list(items)
            self.random.shuffle(items)
        return items

    def replay(self, items: list[Any]) -> list[Any]:
        return [item for item in items if self.on and self.random.random() < self.share]


class Delivery:
    """Builds and runs the pollers for every event source of every function."""

    def __init__(
        self,
        provisioner: Provisioner,
        runtime: FunctionRuntime,
        options: DeliveryOptions,
    ) -> None:
        self.provisioner = provisioner
        self.runtime = runtime
        self.options = options
        self.chaos = ChaosMonkey(options.chaos, options.seed)
        self.workers: list[Worker] = []
        self.schedules: dict[tuple[str, str], dict[str, Any]] = {}
        self.ttl_tables: list[tuple[str, str]] = []  # (table name, TTL attribute)
        self.ttl_deleted: set[tuple[str, str]] = set()
        self._ttl_lock = threading.Lock()
        self._stop = threading.Event()
        self.unsupported: list[str] = []

    # ------------------------------------------------------------------ wiring
    def wire(self) -> None:
        resolver = self.provisioner.resolver
        for spec in self.runtime.specs.values():
            for event_name, event in spec.events.items():
                kind = event.get("Type")
                props = resolver.resolve(event.get("Properties", {}) or {})
                if kind == "SQS":
                    self._sqs_source(spec, event_name, props)
                elif kind == "DynamoDB":
                    self._stream_source(spec, event_name, props)
                elif kind == "SNS":
                    self._sns_source(spec, event_name, props)
                elif kind == "S3":
                    self._s3_source(spec, event_name, props)
                elif kind in {"Schedule", "ScheduleV2"}:
                    self._schedule_source(spec, event_name, props)
                elif kind in {"Api", "Cognito"}:
                    continue  # the gateway and the Cognito triggers own these
                else:
                    self.unsupported.append(f"{spec.logical_id}.{event_name} ({kind})")
        self._ttl_sweeper()

    def start(self) -> None:
        for worker in self.workers:
            worker.thread = threading.Thread(
                target=self._loop, args=(worker,), name=worker.name, daemon=True
            )
            worker.thread.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self.workers:
            if worker.thread:
                worker.thread.join(timeout=5)

    def _loop(self, worker: Worker) -> None:
        while not self._stop.is_set():
            try:
                busy = worker.step()
            except Exception as exc:  # a poller never dies; it says why and goes on
                _log(f"{worker.name}: {type(exc).__name__}: {exc}")
                busy = False
            if not busy:
                self._stop.wait(worker.idle)

    def _invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> tuple[bool, Any]:
        try:
            return True, self.runtime.invoke(spec.logical_id, event)
        except InvocationError:
            return False, None

    # ------------------------------------------------------------------ SQS
    def _sqs_source(self, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        if str(props.get("Enabled", True)).lower() == "false":
            return
        queue_arn = str(props["Queue"])
        sqs = self.provisioner.client("sqs")
        url = sqs.get_queue_url(QueueName=_arn_name(queue_arn))["QueueUrl"]
        poller = SqsPoller(
            self,
            spec,
            url,
            queue_arn,
            batch_size=int(props.get("BatchSize", 10)),
            window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            to_event=sqs_event,
        )
        self.workers.append(Worker(f"sqs:{spec.logical_id}.{event_name}", poller.step, 0.05))

    def _bridge_queue(self, spec: FunctionSpec, event_name: str) -> tuple[str, str]:
        name = f"{self.provisioner.template.stack_name}-{spec.logical_id}-{event_name}-bridge"[:80]
        sqs = self.provisioner.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"

    def _sns_source(self, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        url, arn = self._bridge_queue(spec, event_name)
        attributes = {}
        if props.get("FilterPolicy"):
            attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
        if props.get("FilterPolicyScope"):
            attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
        subscription = self.provisioner.client("sns").subscribe(
            TopicArn=props["Topic"],
            Protocol="sqs",
            Endpoint=arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        self._bridge_poller(
            f"sns:{spec.logical_id}.{event_name}",
            spec,
            url,
            arn,
            lambda records: sns_event(records, subscription),
        )

    def _s3_source(self, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        url, arn = self._bridge_queue(spec, event_name)
        s3 = self.provisioner.client("s3")
        bucket = str(props["Bucket"])
        config = s3.get_bucket_notification_configuration(Bucket=bucket)
        config.pop("ResponseMetadata", None)
        events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
        entry: dict[str, Any] = {"QueueArn": arn, "Events": events}
        rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        config.setdefault("QueueConfigurations", []).append(entry)
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
        self._bridge_poller(f"s3:{spec.logical_id}.{event_name}", spec, url, arn, s3_event)

    def _bridge_poller(
        self,
        name: str,
        spec: FunctionSpec,
        url: str,
        arn: str,
        to_event: Callable[[list[dict[str, Any]]], dict[str, Any]],
    ) -> None:
        """An asynchronous source: one record per invocation, Lambda's async retries."""
        poller = SqsPoller(
            self,
            spec,
            url,
            arn,
            batch_size=1,
            window=0,
            partial=False,
            to_event=to_event,
            attempts=ASYNC_ATTEMPTS,
        )
        self.workers.append(Worker(name, poller.step, 0.05))

    # ------------------------------------------------------------------ streams
    def _stream_source(self, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        if str(props.get("Enabled", True)).lower() == "false":
            return
        retries = int(props.get("MaximumRetryAttempts", -1))
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        poller = StreamPoller(
            self,
            spec,
            str(props["Stream"]),
            batch_size=int(props.get("BatchSize", 100)),
            starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
            partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            max_retries=DEFAULT_STREAM_RETRIES if retries < 0 else retries,
            on_failure=str(destination) if destination else None,
        )
        self.workers.append(
            Worker(
                f"stream:{spec.logical_id}.{event_name}", poller.step, self.options.stream_interval
            )
        )

    # ------------------------------------------------------------------ schedules
    def _schedule_source(self, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
        expression = str(props.get("Schedule") or props.get("ScheduleExpression"))
        enabled = (
            str(props.get("Enabled", True)).lower() != "false"
            and str(props.get("State", "ENABLED")).upper() != "DISABLED"
        )
        schedule = Schedule(expression)
        entry: dict[str, Any] = {
            "spec": spec,
            "schedule": schedule,
            "input": props.get("Input"),
            "rule": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{spec.name}-{event_name}",
            "next": schedule.next_after(datetime.now(UTC)),
        }
        self.schedules[(spec.logical_id, event_name)] = entry
        if not enabled:
            return

        def step() -> bool:
            moment = datetime.now(UTC)
            if moment < entry["next"]:
                return False
            entry["next"] = schedule.next_after(moment)
            self.fire_schedule(spec.logical_id, event_name)
            return False

        self.workers.append(Worker(f"schedule:{spec.logical_id}.{event_name}", step, 0.5))

    def fire_schedule(self, function: str, event_name: str) -> bool:
        """Deliver one scheduled event now (what the timer does; also for tests and tools)."""
        entry = self.schedules[(function, event_name)]
        event = scheduled_event(entry["rule"])
        if entry["input"]:
            raw = entry["input"]
            event = json.loads(raw) if isinstance(raw, str) else raw
        for _attempt in range(ASYNC_ATTEMPTS):
            ok, _ = self._invoke(entry["spec"], event)
            if ok:
                return True
        _log(f"schedule {function}.{event_name}: dropped after {ASYNC_ATTEMPTS} attempts")
        return False

    # ------------------------------------------------------------------ TTL
    def _ttl_sweeper(self) -> None:
        tables = []
        for logical_id, spec in self.provisioner.template.of_type("AWS::DynamoDB::Table").items():
            ttl = (spec.get("Properties") or {}).get("TimeToLiveSpecification") or {}
            if str(self.provisioner.resolver.resolve(ttl.get("Enabled"))).lower() == "true":
                name = self.provisioner.resources[logical_id].ref
                tables.append((name, str(ttl["AttributeName"])))
        if not tables:
            return
        self.ttl_tables = tables

        def step() -> bool:
            self.sweep_ttl()
            return False

        self.workers.append(Worker("ttl", step, self.options.ttl_interval))

    def sweep_ttl(self) -> int:
        """Delete every item whose TTL attribute is in the past; returns how many."""
        dynamodb = self.provisioner.client("dynamodb")
        deleted = 0
        now = int(time.time())
        for table, attribute in self.ttl_tables:
            description = dynamodb.describe_table(TableName=table)["Table"]
            key_names = [k["AttributeName"] for k in description["KeySchema"]]
            paginator = dynamodb.get_paginator("scan")  # local only: AWS's TTL scans too
            for page in paginator.paginate(
                TableName=table,
                FilterExpression="#ttl <= :now",
                ExpressionAttributeNames={"#ttl": attribute},
                ExpressionAttributeValues={":now": {"N": str(now)}},
            ):
                for item in page.get("Items", []):
                    key = {name: item[name] for name in key_names}
                    with self._ttl_lock:
                        self.ttl_deleted.add((table, json.dumps(key, sort_keys=True)))
                    try:
                        dynamodb.delete_item(
                            TableName=table,
                            Key=key,
                            ConditionExpression="#ttl <= :now",
                            ExpressionAttributeNames={"#ttl": attribute},
                            ExpressionAttributeValues={":now": {"N": str(now)}},
                        )
                        deleted += 1
                    except dynamodb.exceptions.ConditionalCheckFailedException:
                        with self._ttl_lock:
                            self.ttl_deleted.discard((table, json.dumps(key, sort_keys=True)))
        return deleted

    def deleted_by_ttl(self, table: str, keys: dict[str, Any]) -> bool:
        marker = (table, json.dumps(keys, sort_keys=True))
        with self._ttl_lock:
            if marker in self.ttl_deleted:
                self.ttl_deleted.discard(marker)
                return True
        return False


@dataclass
class SqsPoller:
    """Lambda's SQS event source mapping for one queue."""

    delivery: Delivery
    spec: FunctionSpec
    url: str
    arn: str
    batch_size: int
    window: float
    partial: bool
    to_event: Callable[[list[dict[str, Any]]], dict[str, Any]]
    attempts: int | None = None  # for async sources: give up after this many receives
    replays: list[dict[str, Any]] = field(default_factory=list)

    def _receive(self) -> list[dict[str, Any]]:
        sqs = self.delivery.provisioner.client("sqs")
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size:
            wait = self.delivery.options.poll_wait if not messages else 0
            got = sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(got)
            if not got or time.monotonic() >= deadline:
                break
        return messages

    def step(self) -> bool:
        messages = self._receive()
        replays, self.replays = self.replays, []
        if not messages and not replays:
            return False
        records = [sqs_record(m, self.arn) for m in messages]
        batch = self.delivery.chaos.shuffle(records + replays)
        sqs = self.delivery.provisioner.client("sqs")
        event = self.to_event(batch)
        ok, result = (
            (True, None) if not event["Records"] else self.delivery._invoke(self.spec, event)
        )
        failed: set[str] = set()
        if not ok:
            failed = {r["messageId"] for r in records}
        elif self.partial and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
            unknown = failed - {r["messageId"] for r in batch}
            if unknown:  # Lambda treats an unknown identifier as a failure of the whole batch
                failed = {r["messageId"] for r in records}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
        for message in messages:
            if message["MessageId"] not in failed:
                continue
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if self.attempts is not None and receives >= self.attempts:
                _log(
                    f"{self.spec.logical_id}: gave up on {message['MessageId']} "
                    f"after {receives} attempts"
                )
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                continue
            sqs.change_message_visibility(
                QueueUrl=self.url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=max(0, round(self.delivery.options.retry_delay)),
            )
        self.replays = self.delivery.chaos.replay(
            [r for r in records if r["messageId"] not in failed]
        )
        return True


@dataclass
class StreamPoller:
    """Lambda's DynamoDB stream event source mapping for one table stream."""

    delivery: Delivery
    spec: FunctionSpec
    stream_arn: str
    batch_size: int
    starting_position: str
    partial: bool
    max_retries: int
    on_failure: str | None
    iterators: dict[str, str | None] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    replays: list[dict[str, Any]] = field(default_factory=list)

    def _fetch(self) -> None:
        streams = self.delivery.provisioner.client("dynamodbstreams")
        description = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        table = description["TableName"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType=self.starting_position,
                )["ShardIterator"]
            iterator = self.iterators[shard_id]
            if iterator is None:
                continue
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            self.iterators[shard_id] = page.get("NextShardIterator")
            for raw in page.get("Records", []):
                record = stream_record(raw, self.stream_arn)
                dynamodb = record["dynamodb"]
                if record.get("eventName") == "REMOVE" and self.delivery.deleted_by_ttl(
                    table, dynamodb.get("Keys", {})
                ):
                    record["userIdentity"] = dict(TTL_PRINCIPAL)
                self.pending.append(record)

    def step(self) -> bool:
        if len(self.pending) < self.batch_size:
            self._fetch()
        replays, self.replays = self.replays, []
        if not self.pending and not replays:
            return False
        batch = self.pending[: self.batch_size]
        delivered = self.delivery.chaos.shuffle(batch + replays) if replays else batch
        ok, result = self.delivery._invoke(self.spec, {"Records": delivered})
        first_failed: int | None = None
        if not ok:
            first_failed = 0
        elif self.partial and isinstance(result, dict) and result.get("batchItemFailures"):
            failed_ids = {f.get("itemIdentifier") for f in result["batchItemFailures"]}
            positions = [
                i for i, r in enumerate(batch) if r["dynamodb"].get("SequenceNumber") in failed_ids
            ]
            first_failed = min(positions) if positions else 0
        if first_failed is None:
            self.pending = self.pending[len(batch) :]
            self.attempts = 0
            self.replays = self.delivery.chaos.replay(batch)
            return True
        # Records before the first failure are checkpointed; the rest are retried.
        self.pending = self.pending[first_failed:]
        self.attempts += 1
        if self.attempts > self.max_retries:
            dropped = self.pending[: len(batch) - first_failed]
            self.pending = self.pending[len(dropped) :]
            self.attempts = 0
            self._send_to_failure_destination(dropped)
            return True
        time.sleep(self.delivery.options.retry_delay)
        return True

    def _send_to_failure_destination(self, records: list[dict[str, Any]]) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        _log(
            f"{self.spec.logical_id}: {len(records)} stream record(s) failed "
            f"{self.max_retries + 1} times; sent to {self.on_failure or 'nowhere'}"
        )
        if not self.on_failure:
            return
        info = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.spec.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.max_retries + 1,
            },
            "DDBStreamBatchInfo": {
                "shardId": next(iter(self.iterators), ""),
                "startSequenceNumber": first.get("SequenceNumber"),
                "endSequenceNumber": last.get("SequenceNumber"),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        sqs = self.delivery.provisioner.client("sqs")
        url = sqs.get_queue_url(QueueName=_arn_name(self.on_failure))["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(info))


# ---------------------------------------------------------------------- event shapes
def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    message_attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        message_attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", ACCOUNT_ID),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB stream record as boto3 reads it → as Lambda delivers it (epoch seconds, the
    stream's ARN)."""
    change = dict(record.get("dynamodb", {}))
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


def sqs_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


def sns_event(records: list[dict[str, Any]], subscription_arn: str) -> dict[str, Any]:
    out = []
    for record in records:
        envelope = json.loads(record["body"])
        attributes = {
            name: {"Type": value.get("Type"), "Value": value.get("Value")}
            for name, value in (envelope.get("MessageAttributes") or {}).items()
        }
        out.append(
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": envelope.get("SignatureVersion", "1"),
                    "Timestamp": envelope.get("Timestamp"),
                    "Signature": envelope.get("Signature", "local"),
                    "SigningCertUrl": envelope.get("SigningCertURL", ""),
                    "MessageId": envelope.get("MessageId"),
                    "Message": envelope.get("Message"),
                    "MessageAttributes": attributes,
                    "Type": envelope.get("Type", "Notification"),
                    "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                    "TopicArn": envelope.get("TopicArn"),
                    "Subject": envelope.get("Subject"),
                },
            }
        )
    return {"Records": out}


def s3_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for record in records:
        body = json.loads(record["body"])
        if body.get("Event") == "s3:TestEvent":
            continue
        out.extend(body.get("Records", []))
    return {"Records": out}


def scheduled_event(rule_arn: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    }
