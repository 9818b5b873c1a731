"""infra/local/moto_costs.py answers as moto does: a receive returns the messages within the
queue's retention period and drops the others, moto's clock reads the same time, and every
action is still found."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import responses, utils
from moto.sqs import models as sqs_models

from infra.local import moto_costs


@pytest.fixture
def sqs() -> Iterator[Any]:
    """The patches for the test only: later tests of the worker get moto as it is."""
    with mock_aws():
        moto_costs.install()
        try:
            yield boto3.client("sqs", region_name="us-east-1")
        finally:
            moto_costs.uninstall()


def test_a_receive_keeps_the_retention_period(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="kept", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    for body in ("old", "new"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    backend = sqs_models.sqs_backends["123456789012"]["us-east-1"]
    assert backend.is_message_valid_based_on_retention_period.__func__ is moto_costs._retained  # type: ignore[attr-defined]
    queue = backend.get_queue("kept")
    old, new = sorted(queue._messages, key=lambda m: m.body != "old")
    old.sent_timestamp = int((time.time() - 61) * 1000)  # type: ignore[assignment]
    assert not backend.is_message_valid_based_on_retention_period("kept", old)
    assert backend.is_message_valid_based_on_retention_period("kept", new)

    queue._messages.remove(old)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert [m["Body"] for m in got["Messages"]] == ["new"]


def test_the_clock_and_the_action_lookup_are_moto_s(sqs: Any) -> None:
    patched_sqs: Any = sqs_models  # moto's modules, as the patch left them
    patched_responses: Any = responses
    assert patched_sqs.unix_time is moto_costs.unix_time
    assert abs(patched_sqs.unix_time() - utils.unix_time()) < 0.01
    assert abs(patched_sqs.unix_time_millis() - utils.unix_time_millis()) < 10
    assert patched_sqs.unix_time(utils.utcfromtimestamp(86400)) == 86400.0
    for handler in (responses.BaseResponse, sqs_models.SQSBackend):
        names = patched_responses.method_names_from_class(handler)
        assert names == utils.method_names_from_class(handler)


def test_uninstall_puts_moto_back() -> None:
    before = (sqs_models.unix_time, responses.method_names_from_class)  # type: ignore[attr-defined]
    moto_costs.install()
    moto_costs.uninstall()
    assert (sqs_models.unix_time, responses.method_names_from_class) == before  # type: ignore[attr-defined]
    assert responses.method_names_from_class is utils.method_names_from_class  # type: ignore[attr-defined]


def test_a_method_added_after_the_first_lookup_is_found(sqs: Any) -> None:
    """cognito.install adds actions to moto's response classes; a test may patch one in."""

    class Response(responses.BaseResponse):
        def first(self) -> None: ...

    lookup: Any = responses.method_names_from_class
    assert "first" in lookup(Response)
    assert "later" not in lookup(Response)
    Response.later = lambda self: None  # type: ignore[attr-defined]
    assert "later" in lookup(Response)
