"""DynamoDB stream event source mappings: batches per shard in order, `FilterCriteria`,
partial batch responses, `BisectBatchOnFunctionError`, `MaximumRetryAttempts` and the
`OnFailure` destination; TTL deletions carry the DynamoDB service identity."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infra.local import activity
from infra.local.delivery.base import (
    DEFAULT_STREAM_RETRIES,
    TTL_PRINCIPAL,
    Worker,
    arn_name,
    enabled,
    log,
)
from infra.local.delivery.filters import FilterCriteria
from infra.local.delivery.shapes import stream_record
from infra.local.runtime import FunctionSpec

if TYPE_CHECKING:
    from infra.local.delivery.core import Delivery


@dataclass
class Pending:
    shard: str
    record: dict[str, Any]
    wanted: bool  # False: no filter matches; consumed without an invocation

    @property
    def sequence(self) -> str:
        return str(self.record["dynamodb"].get("SequenceNumber"))


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
    filters: FilterCriteria = field(default_factory=lambda: FilterCriteria(None))
    bisect: bool = False
    # shard → the last sequence number consumed (handled, filtered out or given up on);
    # a poller given these resumes after them (the local cloud's state across restarts).
    checkpoints: dict[str, str] = field(default_factory=dict)
    iterators: dict[str, str | None] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    attempts: int = 0
    limit: int = 0  # the batch size now: halved by bisection, back to batch_size on success
    replays: list[dict[str, Any]] = field(default_factory=list)
    # The stream's version (infra/local/activity.py) when the last finished fetch began.
    fetched: int = -1
    busy: bool = False  # a batch of replays is in progress
    # The stream's table and shards, described once: a stream ARN names one table's stream,
    # and moto gives it one shard for its life (described again should it have none open).
    described: tuple[str, list[str]] | None = None

    def caught_up(self) -> bool:
        """Nothing to deliver: every record up to the stream's end fetched and consumed."""
        pending, replays = self.pending, self.replays
        idle = not pending and not replays and not self.busy
        return idle and self.fetched == activity.version(self.key)

    @property
    def key(self) -> str:
        return activity.stream_key(self.stream_arn)

    def worker(self, name: str) -> Worker:
        """The loop that runs this poller: woken when its table's stream gets a record (every
        record is announced: it looks anyway once a minute when nothing came)."""
        key = self.key
        interval = self.delivery.options.stream_interval
        return Worker(
            name, self.step, interval, max(60.0, interval), lambda: activity.version(key), key
        )

    def _iterator(self, shard_id: str) -> str:
        streams = self.delivery.client("dynamodbstreams")
        args: dict[str, Any] = {"ShardIteratorType": self.starting_position}
        if shard_id in self.checkpoints:
            args = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": self.checkpoints[shard_id],
            }
        return str(
            streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **args)[
                "ShardIterator"
            ]
        )

    def _described(self) -> tuple[str, list[str]]:
        """The stream's table and shard ids: DescribeStream once, not before every GetRecords
        (it was half of each fetch's cost)."""
        open_shard = self.described and any(
            self.iterators.get(shard, "") is not None for shard in self.described[1]
        )
        if self.described is None or not open_shard:
            streams = self.delivery.client("dynamodbstreams")
            description = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
            shards = [str(shard["ShardId"]) for shard in description["Shards"]]
            self.described = str(description["TableName"]), shards
        return self.described

    def _fetch(self) -> None:
        streams = self.delivery.client("dynamodbstreams")
        table, shards = self._described()
        for shard_id in shards:
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self._iterator(shard_id)
            iterator = self.iterators[shard_id]
            if iterator is None:
                continue
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            self.iterators[shard_id] = page.get("NextShardIterator")
            for raw in page.get("Records", []):
                record = stream_record(raw, self.stream_arn)
                change = record["dynamodb"]
                if record.get("eventName") == "REMOVE" and self.delivery.deleted_by_ttl(
                    table, change.get("Keys", {})
                ):
                    record["userIdentity"] = dict(TTL_PRINCIPAL)
                self.pending.append(Pending(shard_id, record, self.filters.passes(record)))

    def _consume(self, count: int) -> None:
        for entry in self.pending[:count]:
            self.checkpoints[entry.shard] = entry.sequence
        self.pending = self.pending[count:]

    def step(self) -> bool:
        self.limit = self.limit or self.batch_size
        if len(self.pending) < self.limit:
            version, before = activity.version(self.key), len(self.pending)
            self._fetch()
            if len(self.pending) > before:
                self.delivery.started += 1  # before `fetched` moves (see Delivery.settled)
            self.fetched = version
        if self.replays:
            self.busy = True  # before `started` moves and the replays leave the list
            self.delivery.started += 1
        try:
            return self._deliver()
        finally:
            self.busy = False

    def _deliver(self) -> bool:
        replays, self.replays = self.replays, []
        if not self.pending and not replays:
            return False
        batch = self.pending[: self.limit]
        wanted = [entry.record for entry in batch if entry.wanted]
        if not wanted and not replays:
            self._consume(len(batch))
            return True
        delivered = self.delivery.chaos.shuffle(wanted + replays) if replays else wanted
        ok, result = self.delivery.invoke(self.spec, {"Records": delivered})
        first_failed: int | None = None
        if not ok:
            first_failed = 0
        elif self.partial and isinstance(result, dict) and result.get("batchItemFailures"):
            failed_ids = {f.get("itemIdentifier") for f in result["batchItemFailures"]}
            positions = [i for i, entry in enumerate(batch) if entry.sequence in failed_ids]
            first_failed = min(positions) if positions else 0
        if first_failed is None:
            self._consume(len(batch))
            self.attempts = 0
            self.limit = self.batch_size
            self.replays = self.delivery.chaos.replay(wanted)
            return True
        # Records before the first failure are checkpointed; the rest are retried.
        self._consume(first_failed)
        if not ok and self.bisect and len(batch) > 1:
            # A function error splits the batch in two; a split is not a retry.
            self.limit = max(1, len(batch) // 2)
            time.sleep(self.delivery.options.retry_delay)
            return True
        self.attempts += 1
        if self.attempts > self.max_retries:
            dropped = [entry.record for entry in self.pending[: len(batch) - first_failed]]
            self._consume(len(dropped))
            self.attempts = 0
            self.limit = self.batch_size
            self._send_to_failure_destination(dropped)
            return True
        time.sleep(self.delivery.options.retry_delay)
        return True

    def _send_to_failure_destination(self, records: list[dict[str, Any]]) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        log(
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
        sqs = self.delivery.client("sqs")
        url = sqs.get_queue_url(QueueName=arn_name(self.on_failure))["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(info))


def _resumed(saved: dict[str, Any] | None, stream_arn: str) -> dict[str, str]:
    """Where an earlier run stopped on this stream, if it was this stream: a table made again
    (or a source pointed at another one) has a new stream ARN, and starts as configured."""
    if not saved or saved.get("stream") != stream_arn:
        return {}
    return {str(shard): str(sequence) for shard, sequence in saved["shards"].items()}


def wire_stream(
    delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]
) -> None:
    if not enabled(props):
        return
    retries = int(props.get("MaximumRetryAttempts", -1))
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    source = f"{spec.logical_id}.{event_name}"
    poller = StreamPoller(
        delivery,
        spec,
        str(props["Stream"]),
        batch_size=int(props.get("BatchSize", 100)),
        starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        max_retries=DEFAULT_STREAM_RETRIES if retries < 0 else retries,
        on_failure=str(destination) if destination else None,
        filters=FilterCriteria(props.get("FilterCriteria"), f"{source}.FilterCriteria"),
        bisect=str(props.get("BisectBatchOnFunctionError", False)).lower() == "true",
        checkpoints=_resumed(delivery.resume.get(source), str(props["Stream"])),
    )
    delivery.stream_pollers[source] = poller
    delivery.add_worker(poller.worker(f"stream:{source}"))
