"""Queue-polled sources: SQS event source mappings, and SNS and S3 notifications, which the
local cloud bridges through a hidden queue and delivers as Lambda's asynchronous invocation
would (one record per invocation, two retries, then dropped with a log line)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.local import activity
from infra.local.delivery import loops
from infra.local.delivery.base import ASYNC_ATTEMPTS, Worker, arn_name, enabled, log
from infra.local.delivery.filters import FilterCriteria
from infra.local.delivery.shapes import s3_event, sns_event, sqs_event, sqs_record
from infra.local.runtime import FunctionSpec
from infra.local.template import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from infra.local.delivery.core import Delivery

ToEvent = Callable[[list[dict[str, Any]]], dict[str, Any]]


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
    to_event: ToEvent
    filters: FilterCriteria = field(default_factory=lambda: FilterCriteria(None))
    attempts: int | None = None  # for async sources: give up after this many receives
    replays: list[dict[str, Any]] = field(default_factory=list)
    busy: bool = False  # a batch is in progress (received, not yet deleted or released)

    def _receive(self) -> list[dict[str, Any]]:
        sqs = self.delivery.client("sqs")
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

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        sqs = self.delivery.client("sqs")
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)

    def worker(self, name: str) -> Worker:
        """The loop that runs this poller: woken when its queue gets a message; else it looks
        again after 50 ms, backing off to `longest_wait` (a message whose visibility timeout
        ends is not announced)."""
        self.delivery.sqs_pollers.append(self)
        key = activity.queue_key(self.url)
        longest = self.delivery.options.longest_wait
        return Worker(name, self.step, 0.05, longest, lambda: activity.version(key), key)

    def step(self) -> bool:
        received = self._receive()
        if not received and not self.replays:
            return False
        self.busy = True  # before `started` moves: a drain looking meanwhile sees one or both
        self.delivery.started += 1
        try:
            self._handle(received)
        finally:
            self.busy = False
        return True

    def _handle(self, received: list[dict[str, Any]]) -> None:
        replays, self.replays = self.replays, []
        # Lambda deletes a message no filter matches, without invoking the function.
        pairs = [(m, sqs_record(m, self.arn)) for m in received]
        wanted = [self.filters.passes_sqs(r) for _m, r in pairs]
        self._delete([m for (m, _r), keep in zip(pairs, wanted, strict=True) if not keep])
        messages = [m for (m, _r), keep in zip(pairs, wanted, strict=True) if keep]
        messages, lineage = self._loop_check(messages)
        kept = {m["MessageId"] for m in messages}
        records = [r for (_m, r), keep in zip(pairs, wanted, strict=True) if keep]
        records = [r for r in records if r["messageId"] in kept]
        batch = self.delivery.chaos.shuffle(records + replays)
        event = self.to_event(batch)
        with loops.chain(lineage):
            ok, result = (
                (True, None) if not event["Records"] else self.delivery.invoke(self.spec, event)
            )
        failed: set[str] = set()
        if not ok:
            failed = {r["messageId"] for r in records}
        elif self.partial and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
            unknown = failed - {r["messageId"] for r in batch}
            if unknown:  # Lambda treats an unknown identifier as a failure of the whole batch
                failed = {r["messageId"] for r in records}
        self._delete([m for m in messages if m["MessageId"] not in failed])
        sqs = self.delivery.client("sqs")
        for message in messages:
            if message["MessageId"] not in failed:
                continue
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if self.attempts is not None and receives >= self.attempts:
                log(
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

    def _loop_check(
        self, messages: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], loops.Lineage]:
        """The messages Lambda's loop detection lets through to this function (the others to
        the queue's DLQ, or dropped), and the chain their handling continues."""
        function, setting = self.spec.logical_id, self.spec.recursive_loop
        passed, lineages = [], []
        for message in messages:
            lineage = loops.of_message(message)
            if not loops.stopped(lineage, function, setting):
                passed.append(message)
                lineages.append(lineage)
                continue
            where = self._dead_letter_url()
            log(
                f"RECURSIVE LOOP: {function} stopped at invocation "
                f"{loops.invocations(lineage, function)} of one chain ({message['MessageId']}, "
                f"RecursiveLoop={setting}); {'to its DLQ' if where else 'dropped'}"
            )
            sqs = self.delivery.client("sqs")
            if where:
                sqs.send_message(QueueUrl=where, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            self.delivery.loops_stopped.append(f"{function}: {message['MessageId']}")
        return passed, loops.joined(lineages, function)

    def _dead_letter_url(self) -> str | None:
        sqs = self.delivery.client("sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["RedrivePolicy"])
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        if not policy:
            return None
        target = arn_name(str(json.loads(policy)["deadLetterTargetArn"]))
        return str(sqs.get_queue_url(QueueName=target)["QueueUrl"])


def wire_sqs(
    delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]
) -> None:
    # ScalingConfig.MaximumConcurrency holds by construction: one poller per source runs one
    # batch at a time.
    if not enabled(props):
        return
    queue_arn = str(props["Queue"])
    url = delivery.client("sqs").get_queue_url(QueueName=arn_name(queue_arn))["QueueUrl"]
    where = f"{spec.logical_id}.{event_name}.FilterCriteria"
    poller = SqsPoller(
        delivery,
        spec,
        url,
        queue_arn,
        batch_size=int(props.get("BatchSize", 10)),
        window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        to_event=sqs_event,
        filters=FilterCriteria(props.get("FilterCriteria"), where),
    )
    delivery.add_worker(poller.worker(f"sqs:{spec.logical_id}.{event_name}"))


def _bridge_queue(delivery: Delivery, spec: FunctionSpec, event_name: str) -> tuple[str, str]:
    stack = delivery.provisioner.template.stack_name
    name = f"{stack}-{spec.logical_id}-{event_name}-bridge"[:80]
    url = delivery.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def _bridge_poller(
    delivery: Delivery, name: str, spec: FunctionSpec, url: str, arn: str, to_event: ToEvent
) -> None:
    """An asynchronous source: one record per invocation, Lambda's async retries."""
    poller = SqsPoller(
        delivery,
        spec,
        url,
        arn,
        batch_size=1,
        window=0,
        partial=False,
        to_event=to_event,
        attempts=ASYNC_ATTEMPTS,
    )
    delivery.add_worker(poller.worker(name))


def wire_sns(
    delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]
) -> None:
    url, arn = _bridge_queue(delivery, spec, event_name)
    attributes = {}
    if props.get("FilterPolicy"):
        attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
    if props.get("FilterPolicyScope"):
        attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
    sns = delivery.client("sns")
    existing = next(
        (
            sub["SubscriptionArn"]
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
                TopicArn=props["Topic"]
            )
            for sub in page["Subscriptions"]
            if sub["Endpoint"] == arn
        ),
        None,
    )
    if existing:  # a restart: the template's filter may have changed since
        for name in ("FilterPolicy", "FilterPolicyScope"):
            if name in attributes:
                sns.set_subscription_attributes(
                    SubscriptionArn=existing, AttributeName=name, AttributeValue=attributes[name]
                )
    subscription = (
        existing
        or sns.subscribe(
            TopicArn=props["Topic"],
            Protocol="sqs",
            Endpoint=arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
    )
    _bridge_poller(
        delivery,
        f"sns:{spec.logical_id}.{event_name}",
        spec,
        url,
        arn,
        lambda records: sns_event(records, subscription),
    )


def wire_s3(delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]) -> None:
    url, arn = _bridge_queue(delivery, spec, event_name)
    s3 = delivery.client("s3")
    bucket = str(props["Bucket"])
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    config.pop("ResponseMetadata", None)
    events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
    entry: dict[str, Any] = {"QueueArn": arn, "Events": events}
    rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules")
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    queues = [q for q in config.get("QueueConfigurations", []) if q.get("QueueArn") != arn]
    config["QueueConfigurations"] = [*queues, entry]  # replaced, not doubled, on a restart
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    _bridge_poller(delivery, f"s3:{spec.logical_id}.{event_name}", spec, url, arn, s3_event)
