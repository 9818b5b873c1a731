"""ByExpiry's keys (glimpse.models.stories) and how the story reaper tells an expiry from an
owner's delete (glimpse.stories.reaper.ended)."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from glimpse.clock import new_id
from glimpse.models.stories import EXPIRY_SHARDS, expiry_pk, expiry_pks
from glimpse.models.streams import StreamRecord
from glimpse.stories.reaper import ended

EXPIRY = datetime(2026, 12, 7, 12, 31, 59, tzinfo=UTC)


def test_a_story_is_in_its_expiry_minute_and_a_shard_its_id_decides() -> None:
    story_id = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1D"
    shard = zlib.crc32(story_id.encode()) % EXPIRY_SHARDS
    assert expiry_pk(story_id, EXPIRY) == f"2026-12-07T12:31#{shard}"
    # the same in any process and any time zone the moment is given in
    elsewhere = EXPIRY.astimezone(timezone(timedelta(hours=-5)))
    assert expiry_pk(story_id, elsewhere) == expiry_pk(story_id, EXPIRY)
    assert expiry_pk(story_id, EXPIRY + timedelta(seconds=1)) == f"2026-12-07T12:32#{shard}"


def test_a_burst_of_stories_is_spread_over_every_shard() -> None:
    """Stories made in the same second expire in the same minute: no partition of it gets
    much more than its share."""
    shards = Counter(expiry_pk(new_id(), EXPIRY).split("#")[1] for _ in range(5000))
    assert set(shards) == {str(shard) for shard in range(EXPIRY_SHARDS)}
    assert max(shards.values()) < 1.3 * 5000 / EXPIRY_SHARDS


def test_the_partitions_of_a_span_are_every_shard_of_every_minute_in_it() -> None:
    partitions = expiry_pks(EXPIRY - timedelta(minutes=10), EXPIRY)
    assert len(partitions) == 11 * EXPIRY_SHARDS
    assert len(set(partitions)) == len(partitions)
    assert partitions[0] == "2026-12-07T12:21#0"
    assert partitions[-1] == f"2026-12-07T12:31#{EXPIRY_SHARDS - 1}"
    # whatever the seconds, a story expiring within the span is in one of them
    for seconds in (0, 1, 59, 10 * 60):
        story_id = new_id()
        assert expiry_pk(story_id, EXPIRY - timedelta(seconds=seconds)) in partitions
    assert expiry_pk(new_id(), EXPIRY - timedelta(minutes=11)) not in partitions
    assert expiry_pks(EXPIRY, EXPIRY - timedelta(minutes=1)) == []


def removal(expires_at: datetime, made_at: datetime | None, by_ttl: bool = False) -> StreamRecord:
    image = {
        "pk": "STORY#s1",
        "sk": "STORY",
        "story_id": "s1",
        "owner_id": "u1",
        "media_id": "m1",
        "expires_at": int(expires_at.timestamp()),
    }
    return StreamRecord("REMOVE", "1", old_image=image, expired=by_ttl, made_at=made_at)


def test_a_removal_past_the_expiry_is_an_expiry_whoever_made_it() -> None:
    assert ended(removal(EXPIRY, EXPIRY)).expired  # the sweep, in the second it expires
    assert ended(removal(EXPIRY, EXPIRY + timedelta(hours=30), by_ttl=True)).expired
    assert not ended(removal(EXPIRY, EXPIRY - timedelta(seconds=1))).expired  # its owner
    # a record that does not say when it was made is compared with now
    assert ended(removal(datetime.now(UTC) - timedelta(seconds=5), None)).expired
    assert not ended(removal(datetime.now(UTC) + timedelta(hours=1), None)).expired
    story = ended(removal(EXPIRY, EXPIRY))
    assert (story.story_id, story.owner_id, story.media_id) == ("s1", "u1", "m1")
