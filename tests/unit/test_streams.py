"""The one stream-record reader (glimpse.models.streams) and the models' key parsers."""

from __future__ import annotations

from datetime import UTC, datetime

from glimpse.models.outbox import outbox_event_id
from glimpse.models.posts import post_id_of
from glimpse.models.stories import story_id_of
from glimpse.models.streams import StreamRecord, read, read_batch
from glimpse.models.users import profile_user_id
from glimpse.search.indexer import Change
from tests.conftest import load_event


def test_a_ttl_removal_is_read_with_its_old_image_as_plain_python() -> None:
    (record,) = read_batch(load_event("story_reaper/story_expired"))
    assert record.event_name == "REMOVE"
    assert record.sequence_number == "222200000000000000000001"
    assert record.expired is True
    assert (record.pk, record.sk) == ("STORY#01JD0Z8Q5M3S4V6X7Y8Z9A0B1D", "STORY")
    assert record.old_image["view_count"] == 3
    assert record.old_image["owner_id"] == "5f0c1e52-0a51-4c1e-9d7e-2a1b0c9d8e7f"
    assert record.new_image == {}
    assert story_id_of(record.pk, record.sk) == "01JD0Z8Q5M3S4V6X7Y8Z9A0B1D"
    assert record.made_at == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_a_removal_by_a_request_is_not_expired() -> None:
    raw = load_event("story_reaper/story_expired")["Records"][0]
    del raw["userIdentity"]
    assert read(raw).expired is False
    raw["userIdentity"] = {"type": "Service", "principalId": "someone.else"}
    assert read(raw).expired is False


def test_an_outbox_insert_gives_the_event_as_written() -> None:
    (record,) = read_batch(load_event("publisher/outbox_insert"))
    assert record.event_name == "INSERT"
    assert outbox_event_id(record.pk) == "01JD0Z8Q5M3S4V6X7Y8Z9A0B3E"
    assert record.new_image["type"] == "post_liked"
    assert record.new_image["body"].startswith('{"event_id": ')
    assert record.old_image == {}


def test_a_record_with_nothing_in_it_names_no_item() -> None:
    record = read({})
    assert record == StreamRecord(event_name=None, sequence_number="")
    assert (record.pk, record.sk, record.expired, record.made_at) == ("", "", False, None)
    assert Change.of(record) is None
    assert read_batch({}) == []


def test_nested_values_sets_and_nulls_decode() -> None:
    raw = {
        "eventName": "MODIFY",
        "dynamodb": {
            "Keys": {"pk": {"S": "USER#u"}, "sk": {"S": "PROFILE"}},
            "NewImage": {
                "avatar": {"M": {"small": {"S": "a.jpg"}}},
                "tags": {"L": [{"S": "x"}, {"N": "1.5"}]},
                "names": {"SS": ["a", "b"]},
                "gone": {"NULL": True},
                "is_private": {"BOOL": True},
            },
            "SequenceNumber": "7",
        },
    }
    record = read(raw)
    assert record.new_image == {
        "avatar": {"small": "a.jpg"},
        "tags": ["x", 1.5],
        "names": {"a", "b"},
        "gone": None,
        "is_private": True,
    }
    assert Change.of(record) == Change("7", "account", "u", rewrite_posts=True)


def test_the_models_say_which_keys_are_theirs() -> None:
    assert post_id_of("POST#p1", "POST") == "p1"
    assert post_id_of("POST#p1", "LIKE#u1") is None
    assert post_id_of("AUTHOR#a", "POST") is None
    assert profile_user_id("USER#u1", "PROFILE") == "u1"
    assert profile_user_id("USERNAME#alice", "CLAIM") is None
    assert profile_user_id("USER#u1", "FOLLOWS#u2") is None
    assert story_id_of("STORY#s1", "STORY") == "s1"
    assert story_id_of("STORY#s1", "VIEW#u1") is None
    assert story_id_of("TRAY#v", "STORY#o#s1") is None
    assert outbox_event_id("EVENT#e1") == "e1"
    assert outbox_event_id("applied#counters#e1") is None
