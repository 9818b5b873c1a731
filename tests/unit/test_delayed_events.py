"""Delayed events (glimpse.models.outbox): a `LATER#` outbox item is published when DynamoDB's
TTL removes it, and only then. The publisher's code and its event source's FilterCriteria in
template.yaml (as the local cloud reads and applies them) agree on which records those are."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from functions.publisher import app as publisher
from infra.local.delivery.filters import matches
from infra.local.template import Template
from tests.conftest import FakeContext, load_event

ROOT = Path(__file__).resolve().parents[2]


def filters() -> list[dict[str, Any]]:
    publisher = Template.load(ROOT / "template.yaml").function_properties("PublisherFunction")
    source = publisher["Events"]["PublisherOutboxSource"]["Properties"]
    return [json.loads(f["Pattern"]) for f in source["FilterCriteria"]["Filters"]]


def due() -> dict[str, Any]:
    return dict(load_event("publisher/delayed_due"))


def called_off() -> dict[str, Any]:
    """The same REMOVE made by a request (a restore deleting the delayed item)."""
    event = copy.deepcopy(due())
    del event["Records"][0]["userIdentity"]
    return event


def outbox_expired() -> dict[str, Any]:
    """An ordinary outbox item's TTL expiry (published long before, when it was written)."""
    event = copy.deepcopy(due())
    record = event["Records"][0]["dynamodb"]
    for image in (record["Keys"], record["OldImage"]):
        image["pk"]["S"] = image["pk"]["S"].replace("LATER#", "EVENT#")
    return event


def published(event: dict[str, Any]) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []

    def publish(items: list[tuple[str, str]]) -> set[int]:
        sent.extend(items)
        return set()

    with mock.patch.object(publisher, "publish_events", publish):
        assert publisher.handle(event, FakeContext()) == {"batchItemFailures": []}
    return sent


def test_a_due_delayed_event_is_published_as_it_was_written() -> None:
    ((kind, body),) = published(due())
    assert kind == "account_erased"
    assert json.loads(body)["user_id"] == "5f0c1e52-0a51-4c1e-9d7e-2a1b0c9d8e7f"


@pytest.mark.parametrize("event", [called_off(), outbox_expired()], ids=["called off", "expired"])
def test_a_removal_that_is_not_a_due_delayed_event_publishes_nothing(event: dict[str, Any]) -> None:
    assert published(event) == []


def test_the_event_source_passes_exactly_the_records_the_publisher_publishes() -> None:
    patterns = filters()
    insert = load_event("publisher/outbox_insert")["Records"][0]
    for event, wanted in ((due(), True), (called_off(), False), (outbox_expired(), False)):
        (record,) = event["Records"]
        assert any(matches(p, record) for p in patterns) is wanted
    assert any(matches(p, insert) for p in patterns)
