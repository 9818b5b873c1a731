"""The event catalogue: code, subscriptions in template.yaml and docs/events.md agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from glimpse import events
from glimpse.counters import service as counters
from glimpse.feed import fanout
from infra.local.template import Template
from tests.conftest import ROOT


def sample(cls: type[events.Event]) -> Any:
    """An instance of each event type, with placeholder ids."""
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if name in {"event_id", "occurred_at", "type"}:
            continue
        if name == "status":
            values[name] = "following"
        elif name == "fields":
            values[name] = ["bio"]
        elif name == "by_block":
            values[name] = False
        elif name == "audience":
            values[name] = "close_friends"
        elif name in {"liked_at", "since"}:
            values[name] = datetime(2026, 11, 21, 9, 30, 0, 123000, tzinfo=UTC)
        else:
            assert field.annotation is str, (cls, name)
            values[name] = f"{name}-1"
    return cls(**values)


SAMPLES = [sample(cls) for cls in events.Event.__subclasses__()]


def subscriptions() -> dict[str, set[str]]:
    """Each queue subscribed to the social-events topic, with its filter policy's types."""
    template = Template.load(ROOT / "template.yaml")
    found = {}
    for spec in template.of_type("AWS::SNS::Subscription").values():
        props = spec["Properties"]
        assert props["TopicArn"] == {"Ref": "SocialEventsTopic"}
        queue = props["Endpoint"]["Fn::GetAtt"][0]
        found[queue] = set(props["FilterPolicy"]["type"])
    return found


def test_every_event_type_is_in_the_union_once() -> None:
    union_members = get_args(get_args(events.DomainEvent.__value__)[0])
    assert {cls.model_fields["type"].default for cls in union_members} == set(events.EVENT_TYPES)
    assert len(set(events.EVENT_TYPES)) == len(events.EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_each_event_survives_json(event: events.Event) -> None:
    assert events.parse(event.model_dump_json()) == event
    assert events.parse_obj(event.model_dump(mode="json")) == event


def test_unknown_or_incomplete_events_are_refused() -> None:
    with pytest.raises(ValidationError):
        events.parse('{"type": "post_exploded", "event_id": "x"}')
    with pytest.raises(ValidationError):
        events.parse('{"type": "post_liked", "post_id": "p"}')
    with pytest.raises(ValidationError):  # no field beyond the type's own
        events.parse_obj({**SAMPLES[0].model_dump(mode="json"), "extra": 1})


def test_filter_policies_name_real_events_and_every_event_a_consumer_acts_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each queue gets exactly the events its consumer does something with."""
    queues = subscriptions()
    assert set(queues) == {"FeedJobsQueue", "CountersQueue", "NotifierQueue"}
    for types in queues.values():
        assert types <= set(events.EVENT_TYPES)
    assert {e.type for e in SAMPLES if counters.deltas(e)} == queues["CountersQueue"]

    acted_on: set[str] = set()
    current: list[str] = []
    steps = ("_fanout", "_cleanup", "followed", "prune", "_celebrity", "_approve_pending")
    for step in (*steps, "_story_fanout"):
        monkeypatch.setattr(
            fanout, step, lambda *_a, **_k: acted_on.add(current[0]) or fanout.Stats()
        )
    for step in ("backfill_tray", "prune_tray"):  # these answer how many markers they wrote
        monkeypatch.setattr(fanout, step, lambda *_a, **_k: acted_on.add(current[0]) or 0)
    monkeypatch.setattr(fanout, "get_or_none", lambda *_a, **_k: _story_sample())
    for event in SAMPLES:
        current[:] = [event.type]
        fanout.on_event(event, send=lambda jobs: None)
    assert acted_on == queues["FeedJobsQueue"]
    assert _notified_types() == queues["NotifierQueue"]


def _notified_types() -> set[str]:
    """The event types the notifier makes a notification change of, when what they are
    about still exists (every read finds something, with a mention in it)."""
    from types import SimpleNamespace

    from glimpse.notifications import notifier

    found = SimpleNamespace(
        created_at=datetime(2026, 11, 21, tzinfo=UTC), text="hi @someone", mentions=["someone"]
    )
    facts: Any = SimpleNamespace(get=lambda *_a: found)
    acting = set()
    for event in SAMPLES:
        for status in ("following", "requested") if hasattr(event, "status") else (None,):
            update: dict[str, Any] = {"status": status} if status else {}
            if hasattr(event, "post_id"):  # the windows of a post's likes count from its id
                update["post_id"] = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"
            variant = event.model_copy(update=update)
            intents, mentioned = notifier._intents([("m", variant)], facts)
            if intents or mentioned:
                acting.add(event.type)
    return acting


def _story_sample() -> Any:
    """What the fan-out reads before a story's: the story item (the sample's)."""
    from datetime import UTC, datetime

    from glimpse.models.stories import Story

    return Story(audience="followers", expires_at=datetime.now(UTC))


def test_docs_list_every_event_with_its_consumers() -> None:
    text = (ROOT / "docs" / "events.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]+ \| ([^|]+) \|$", text, re.M))
    assert set(rows) == set(events.EVENT_TYPES)
    for queue, consumer in (("FeedJobsQueue", "fanout"), ("CountersQueue", "counters")):
        documented = {t for t, consumers in rows.items() if consumer in consumers}
        assert documented == subscriptions()[queue], queue
