"""The Stories table: stories and their views, the viewers' tray partitions, highlights.

Keys (`pk`, `sk`):
- story:       `STORY#<story_id>` / `STORY`   (+ ByOwner: `OWNER#<owner_id>` / `<story_id>`;
               ByExpiry: `<expiry minute>#<shard>` / `expires_at`)
- view:        `STORY#<story_id>` / `VIEW#<viewer_id>`   (`liked`: the viewer likes it)
- tray marker: `TRAY#<viewer_id>` / `STORY#<owner_id>#<story_id>`   (written by the fan-out)
- seen marker: `TRAY#<viewer_id>` / `SEEN#<owner_id>`   (the newest story of owner seen)
- mention marker: `TRAY#<user_id>` / `MENTION#<story_id>`   (a story's sticker names the account:
               its erasure takes the sticker off)
- highlight:   `HIGHLIGHTS#<owner_id>` / `<highlight_id>`   (copies of what it keeps)
- sticker tally: `STORY#<story_id>` / `TALLY#<sticker_id>`   (a poll's or slider's counts, added
               up from `story_sticker_voted` events by the counters consumer; made with the story)
- sticker vote:  `STORY#<story_id>` / `VOTE#<sticker_id>#<voter_id>`   (one per voter: the put
               is conditioned on its absence)
- answer:      `STORY#<story_id>` / `ANSWER#<sticker_id>#<answer_id>`   (a question sticker's)

Every item but a highlight carries `expires_at` (TTL), its story's expiry: DynamoDB deletes
expired items lazily, so every read also filters on it. A marker per story (not per owner)
makes the fan-out a plain put or delete, right in any order and under any re-delivery.

ByExpiry (keys only) holds story items alone (only they carry `expiry_pk`; those made before
it existed carry none and go by TTL): the story sweep (glimpse.stories.sweeper) reads each
minute's partitions to delete expired stories within a minute, where the TTL may take two
days. A minute is spread over `EXPIRY_SHARDS` partitions by a hash of the story's id, so the
stories of a burst that expire together are not written to one index partition.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, table_meta

STORY = "STORY"
VIEW = "VIEW#"
MARKER = "STORY#"
SEEN = "SEEN#"
TALLY = "TALLY#"
VOTE = "VOTE#"
ANSWER = "ANSWER#"
MENTION = "MENTION#"
EXPIRY_SHARDS = 10  # ByExpiry partitions per minute
_MINUTE = timedelta(minutes=1)


def story_pk(story_id: str) -> str:
    return f"STORY#{story_id}"


def story_id_of(pk: str, sk: str) -> str | None:
    """The story's id if (`pk`, `sk`) is a story item's key (not a view's or a marker's)."""
    return pk.removeprefix("STORY#") if sk == STORY and pk.startswith("STORY#") else None


def owner_pk(owner_id: str) -> str:
    return f"OWNER#{owner_id}"


def view_sk(viewer_id: str) -> str:
    return f"{VIEW}{viewer_id}"


def tally_sk(sticker_id: str) -> str:
    return f"{TALLY}{sticker_id}"


def vote_sk(sticker_id: str, voter_id: str) -> str:
    return f"{VOTE}{sticker_id}#{voter_id}"


def answers_prefix(sticker_id: str) -> str:
    """What the sort keys of one question sticker's answers start with."""
    return f"{ANSWER}{sticker_id}#"


def answer_sk(sticker_id: str, answer_id: str) -> str:
    return f"{answers_prefix(sticker_id)}{answer_id}"


def mention_sk(story_id: str) -> str:
    return f"{MENTION}{story_id}"


def tray_pk(viewer_id: str) -> str:
    return f"TRAY#{viewer_id}"


def marker_prefix(owner_id: str) -> str:
    """What the sort keys of one owner's markers in a tray start with."""
    return f"{MARKER}{owner_id}#"


def marker_sk(owner_id: str, story_id: str) -> str:
    return f"{marker_prefix(owner_id)}{story_id}"


def seen_sk(owner_id: str) -> str:
    return f"{SEEN}{owner_id}"


def highlights_pk(owner_id: str) -> str:
    return f"HIGHLIGHTS#{owner_id}"


def _minute(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M}"


def expiry_pk(story_id: str, expires_at: datetime) -> str:
    """The story's ByExpiry partition: its expiry's minute (UTC) and its shard, a stable hash
    of its id (`2026-12-07T12:31#3`)."""
    return f"{_minute(expires_at)}#{zlib.crc32(story_id.encode()) % EXPIRY_SHARDS}"


def expiry_pks(since: datetime, until: datetime) -> list[str]:
    """Every ByExpiry partition of the minutes from `since`'s to `until`'s, both included."""
    first = since.astimezone(UTC).replace(second=0, microsecond=0)
    minutes = int((until - first) // _MINUTE) + 1
    return [
        f"{_minute(first + step * _MINUTE)}#{shard}"
        for step in range(max(minutes, 0))
        for shard in range(EXPIRY_SHARDS)
    ]


class ByOwner(GlobalSecondaryIndex["Story"]):
    class Meta:
        index_name = "ByOwner"
        projection = AllProjection()

    owner_pk = UnicodeAttribute(hash_key=True)
    story_sk = UnicodeAttribute(range_key=True)


class ByExpiry(GlobalSecondaryIndex["Story"]):
    class Meta:
        index_name = "ByExpiry"
        projection = KeysOnlyProjection()

    expiry_pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute(range_key=True)


class Story(Model):
    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=STORY)
    story_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    media_id = UnicodeAttribute()
    place_id = UnicodeAttribute(null=True)  # a place (glimpse.models.places)
    audience = UnicodeAttribute()  # followers | close_friends
    view_count = NumberAttribute(default=0)  # added up from story_viewed events
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    owner_pk = UnicodeAttribute()
    story_sk = UnicodeAttribute()
    removed_at = UTCDateTimeAttribute(null=True)  # by a moderator (shown to its owner only)
    # [{sticker_id, type, x, y, scale, rotation, ...}] (glimpse.stories.stickers); absent: none
    stickers = JSONAttribute(null=True)
    by_owner = ByOwner()
    expiry_pk = UnicodeAttribute(null=True)  # absent on stories made before ByExpiry
    by_expiry = ByExpiry()


class StoryView(Model):
    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    viewer_id = UnicodeAttribute()
    liked = BooleanAttribute(null=True)
    viewed_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()


class StickerTally(Model):
    """A poll's or a slider's counts: `option_<n>` votes per option (a poll), `votes` in all,
    `value_sum` the sum of a slider's values in millionths. Only the counters consumer adds to
    it (one `ADD` per batch); the story's creation makes it."""

    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    votes = NumberAttribute(default=0)
    option_0 = NumberAttribute(default=0)
    option_1 = NumberAttribute(default=0)
    option_2 = NumberAttribute(default=0)
    option_3 = NumberAttribute(default=0)
    value_sum = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class StickerVote(Model):
    """One viewer's vote on a poll (`option`) or a slider (`value`, 0..1)."""

    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    voter_id = UnicodeAttribute()
    option = NumberAttribute(null=True)
    value = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class StickerAnswer(Model):
    """An answer to a question sticker (for the story's owner alone)."""

    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    answer_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class TrayMarker(Model):
    """A story in a viewer's tray (`STORY#…`), or the newest story of an owner seen (`SEEN#…`)."""

    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner_id = UnicodeAttribute()
    story_id = UnicodeAttribute()
    audience = UnicodeAttribute(null=True)  # markers: the story's (a close friend's check)
    expires_at = TTLAttribute()


class MentionMarker(Model):
    """A story whose mention sticker names the partition's account (for its erasure)."""

    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = TTLAttribute()


class Highlight(Model):
    Meta = table_meta("stories_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    highlight_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    title = UnicodeAttribute()
    stories = JSONAttribute()  # [{story_id, audience, created_at, media: {...}}]: copies
    created_at = UTCDateTimeAttribute()
    # +1 with every edit; absent until the first. Edits and deletes are conditioned on it.
    revision = NumberAttribute(null=True)
