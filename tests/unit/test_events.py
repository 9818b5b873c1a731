"""The event catalogue: code, subscriptions in template.yaml and docs/events.md agree."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from glimpse import events
from glimpse.consumers import erasure, feed_jobs
from glimpse.counters import reactions as counter_rows
from glimpse.counters import service as counters
from glimpse.jobs import Job, Stats
from glimpse.reactions import Router, Table
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
        elif name in {"by_block", "withdrawn", "followers_withdrawn", "following_withdrawn"}:
            values[name] = False
        elif name == "edges_counted":
            values[name] = False  # an earlier release's event: the counters count it
        elif name in {"liked", "commented", "following", "followers", "media_ids"}:
            values[name] = [f"{name}-1", f"{name}-2"]
        elif name == "mentions_added":  # a name the notifier's stand-in post still mentions
            values[name] = ["someone"]
        elif name == "comment_id":  # a comment's likes are grouped by windows from its time
            values[name] = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1E"
        elif name in {"replied", "comment_liked"}:  # comment_ref: post/comment, post/thread/reply
            values[name] = ["post-1/comment-1", "post-1/thread-1/reply-1"]
        elif name == "audience":
            values[name] = "close_friends"
        elif name == "mentioned":  # accounts a story's mention stickers tell
            values[name] = ["mentioned-1"]
        elif name == "option":  # a poll's vote (a slider's `value` left out)
            values[name] = 1
        elif name == "value":
            continue
        elif name == "target_type":
            values[name] = "comment"
        elif name == "reason" and cls is events.ContentReported:
            values[name] = "spam"
        elif name in {"liked_at", "since"}:
            values[name] = datetime(2026, 11, 21, 9, 30, 0, 123000, tzinfo=UTC)
        elif name == "labels":
            values[name] = [events.AutoLabel(label="nudity", score=0.72)]
        elif name == "reason":
            values[name] = "labels"
        else:
            assert field.annotation in (str, str | None), (cls, name)
            values[name] = f"{name}-1"
    return cls(**values)


SAMPLES = [sample(cls) for cls in events.Event.__subclasses__()]


def subscriptions() -> dict[str, set[str]]:
    """Each queue subscribed to the social-events topic, with its filter policy's types."""
    template = Template.load(ROOT / "template.yaml")
    found = {}
    for spec in template.of_type("AWS::SNS::Subscription").values():
        props = spec["Properties"]
        if props["TopicArn"] != {"Ref": "SocialEventsTopic"}:
            continue  # the alarm topic's email subscription
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


def test_filter_policies_are_the_reaction_tables() -> None:
    """Each queue gets exactly the events its consumer's tables have rows for."""
    queues = subscriptions()
    assert set(queues) == {
        "FeedJobsQueue", "CountersQueue", "NotifierQueue", "ErasureQueue", "ExportsQueue"
    }  # fmt: skip
    for types in queues.values():
        assert types <= set(events.EVENT_TYPES)
    assert feed_jobs.ROUTER.event_types() == queues["FeedJobsQueue"]
    leaving = {"account_deleted", "account_restored", "account_erased"}
    leaving |= {"account_suspended", "account_unsuspended"}  # hidden as a deleted account
    assert erasure.ROUTER.event_types() == queues["ErasureQueue"] == leaving
    assert counter_rows.event_types() == queues["CountersQueue"]
    assert {e.type for e in SAMPLES if counters.deltas(e)} == queues["CountersQueue"]
    assert _notified_types() == queues["NotifierQueue"]
    assert queues["ExportsQueue"] == {events.type_of(events.ExportRequested)}  # the exporter's


def test_every_row_of_the_feed_jobs_tables_acts_on_its_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sample of each event runs exactly its rows' reactions, every table's, in order."""
    calls: list[str] = []
    tables = []
    for table in feed_jobs.ROUTER.tables:
        rows = {
            cls: tuple(_recorder(calls, f"{table.owner}.{r.__name__}") for r in row)
            for cls, row in table.reactions.items()
        }
        tables.append(Table(table.owner, rows, table.jobs))
    router = Router(tuple(tables))
    for event in SAMPLES:
        calls.clear()
        stats = router.on_event(event, lambda jobs: None)
        expected = [
            f"{table.owner}.{r.__name__}"
            for table in feed_jobs.ROUTER.tables
            for cls, row in table.reactions.items()
            if type(event) is cls
            for r in row
        ]
        assert calls == expected, event.type
        assert stats.written == len(expected)  # what each reaction did, summed
        if not expected:
            assert stats.notes == [f"nothing to do for {event.type}"]


def _recorder(calls: list[str], name: str) -> Any:
    def react(event: events.Event, send: Any) -> Stats:
        calls.append(name)
        return Stats(written=1, notes=[name])

    return react


def _job_sample(cls: type[Job], after: str | None) -> Job:
    """A job of `cls` with a placeholder for each field."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name in {"event_id", "after"}:
            continue
        values[field.name] = 1 if field.type in {"int", int} else f"{field.name}-1"
    return cls(event_id="e1", after=after, **values)


def test_each_continuation_round_trips_through_its_message() -> None:
    """A job's message names its type once across every table, and parses back to it."""
    kinds = [cls.type for table in feed_jobs.ROUTER.tables for cls in table.jobs]
    assert len(kinds) == len(set(kinds))
    for table in feed_jobs.ROUTER.tables:
        for cls, step in table.jobs.items():
            job = _job_sample(cls, "FOLLOWER#u2")
            message = job.message()
            assert message["type"] == cls.type
            assert message["after"] == "FOLLOWER#u2"
            assert feed_jobs.ROUTER.step(message) == (job, step)
            assert "after" not in _job_sample(cls, None).message()  # the first page has none
            incomplete = {k: v for k, v in message.items() if k not in {"after", "event_id"}}
            with pytest.raises(TypeError):  # fails (and is retried), never runs made up
                feed_jobs.ROUTER.step(incomplete)


def test_a_follow_request_runs_no_follow_reaction() -> None:
    """Follow rows apply to follows: a pending request (or its withdrawal) does nothing."""
    router = feed_jobs.ROUTER
    for cls in (events.FollowCreated, events.FollowRemoved):
        follow, request = (
            cls(follower_id="a", followee_id="b", status=status)
            for status in ("following", "requested")
        )
        assert router.reactions(follow)
        assert router.reactions(request) == []
        assert router.on_event(request, lambda jobs: None).notes == [
            f"nothing to do for {request.type}"
        ]


def _notified_types() -> set[str]:
    """The event types the notifier makes a notification change of, when what they are
    about still exists (every read finds something, with a mention in it)."""
    from types import SimpleNamespace

    from glimpse.notifications import notifier

    found = SimpleNamespace(
        created_at=datetime(2026, 11, 21, tzinfo=UTC),
        text="hi @someone",
        mentions=["someone"],
        tags=None,  # nobody tagged: the mention is what acts
        words=[],  # read as the post author's hidden words too: none
        hide_offensive=False,
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


def test_docs_list_every_event_with_its_consumers() -> None:
    text = (ROOT / "docs" / "events.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]+ \| ([^|]+) \|$", text, re.M))
    assert set(rows) == set(events.EVENT_TYPES)
    for queue, consumer in (
        ("FeedJobsQueue", "fanout"),
        ("CountersQueue", "counters"),
        ("ExportsQueue", "exporter"),
    ):
        documented = {t for t, consumers in rows.items() if consumer in consumers}
        assert documented == subscriptions()[queue], queue
