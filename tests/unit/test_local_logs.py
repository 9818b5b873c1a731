"""The local cloud's CloudWatch Logs subscription filters (infra/local/delivery/logs.py): the
filter patterns it reads, the lines it hears, the delivery it makes (AWS's shape, which
Powertools' data class reads), retries and the dead-letter queue."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent

from infra.local.delivery.base import ASYNC_ATTEMPTS, ChaosMonkey, DeliveryOptions
from infra.local.delivery.logs import JsonPattern, LogSubscription
from infra.local.runtime import FunctionSpec, PrefixedStream, _current, listen_to_logs

SERVED = json.dumps({"message": "served", "served": {"viewer": "u1", "posts": ["p1"]}})


@pytest.mark.parametrize(
    ("pattern", "line", "matches"),
    [
        ('{ $.message = "served" }', SERVED, True),
        ('{ $.message = "served" }', json.dumps({"message": "other"}), False),
        ('{ $.message = "serv*" }', SERVED, True),
        ('{ $.message != "served" }', SERVED, False),
        ('{ $.served.viewer = "u1" }', SERVED, True),
        ('{ $.served.viewer = "u2" }', SERVED, False),
        ("{ $.level = 5 }", json.dumps({"level": 5}), True),
        ("{ $.level = 5 }", json.dumps({"level": "5"}), False),
        ('{ $.message = "served" }', "served, but not JSON", False),
        ("", "anything", True),
    ],
)
def test_json_filter_patterns(pattern: str, line: str, matches: bool) -> None:
    parsed = JsonPattern.parse(pattern)
    assert parsed is not None
    assert parsed.matches(line) is matches


@pytest.mark.parametrize("pattern", ["ERROR", '{ $.a = "x" && $.b = "y" }', "[ip, user]"])
def test_patterns_it_cannot_read_are_said_so(pattern: str) -> None:
    assert JsonPattern.parse(pattern) is None


class FakeDelivery:
    """What a subscription uses of the delivery service: invoke, options, chaos, SQS."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[dict[str, Any]] = []
        self.failures = failures
        self.options = DeliveryOptions(retry_delay=0)
        self.chaos = ChaosMonkey(0, None)
        self.sent: list[str] = []

    def invoke(self, _spec: FunctionSpec, event: dict[str, Any]) -> tuple[bool, Any]:
        self.events.append(event)
        if self.failures:
            self.failures -= 1
            return False, None
        return True, None

    def client(self, _service: str) -> Any:
        return SimpleNamespace(
            get_queue_url=lambda QueueName: {"QueueUrl": f"url/{QueueName}"},  # noqa: N803
            send_message=lambda QueueUrl, MessageBody: self.sent.append(MessageBody),  # noqa: N803
        )


def subscription(delivery: FakeDelivery, dead: str | None = None) -> LogSubscription:
    destination = FunctionSpec("Impressions", "stack-Impressions", "m", "h", 60, 128, {})
    return LogSubscription(
        delivery,  # type: ignore[arg-type]
        destination,
        "stack-Feed",
        "/aws/lambda/stack-Feed",
        "stack-ImpressionsFeedServed",
        JsonPattern.parse('{ $.message = "served" }') or JsonPattern(None),
        dead_letters=dead,
    )


def test_a_function_s_matching_lines_are_delivered_as_aws_delivers_them() -> None:
    delivery = FakeDelivery()
    sub = subscription(delivery)
    stop = listen_to_logs(sub.hear)
    stream = PrefixedStream(io.StringIO())
    try:
        _current.function = "stack-Feed"
        stream.write(f"{SERVED}\n{json.dumps({'message': 'other'})}\n{SERVED}\n")
        _current.function = "stack-Posts"  # another function's log group
        stream.write(f"{SERVED}\n")
    finally:
        _current.function = None
        stop()
    assert sub.step() is True
    assert sub.step() is False
    (event,) = delivery.events
    data = CloudWatchLogsEvent(event).parse_logs_data()
    assert (data.message_type, data.log_group) == ("DATA_MESSAGE", "/aws/lambda/stack-Feed")
    assert data.subscription_filters == ["stack-ImpressionsFeedServed"]
    assert [e.message for e in data.log_events] == [SERVED, SERVED]
    ids = [e.get_id for e in data.log_events]
    assert len(set(ids)) == 2
    assert all(i.isdigit() and len(i) == 56 for i in ids)


def test_a_failed_delivery_is_tried_three_times_then_dead_lettered() -> None:
    delivery = FakeDelivery(failures=ASYNC_ATTEMPTS)
    sub = subscription(delivery, dead="arn:aws:sqs:us-east-1:123456789012:dlq")
    sub.hear("stack-Feed", SERVED)
    sub.step()
    assert len(delivery.events) == ASYNC_ATTEMPTS
    assert [json.loads(body) for body in delivery.sent] == [delivery.events[0]]


def test_a_delivery_that_succeeds_on_a_retry_is_not_dead_lettered() -> None:
    delivery = FakeDelivery(failures=1)
    sub = subscription(delivery, dead="arn:aws:sqs:us-east-1:123456789012:dlq")
    sub.hear("stack-Feed", SERVED)
    sub.step()
    assert len(delivery.events) == 2
    assert delivery.sent == []
