"""The Insights table: what a post, a story and an account's day were served and did.

Keys (`pk`, `sk`):
- a post's totals:     `POST#<post_id>` / `TOTAL`    (impressions, the reach sketch, `days`
                       it was served on)
- a story's totals:    `STORY#<story_id>` / `TOTAL`  (impressions, reach sketch, likes,
                       replies, sticker taps)
- an account's day:    `USER#<user_id>` / `DAY#<yyyy-mm-dd>` (UTC)  (impressions and reach
                       sketch of all its posts and stories served that day, profile views,
                       followers gained and lost)

Each holds its reach, a HyperLogLog sketch (glimpse.hll: sparse, 3 bytes a register used, up
to 12,290 bytes dense), and the sketch's `version`, which moves with each write of it, so two
aggregators merging into one sketch never lose the other's registers (the second re-reads).
Past `INLINE_BYTES` (glimpse.insights.aggregator) the sketch moves to a reach item beside it,
`<sk>#REACH` (`reach_key`), written only when viewers change it: a viral post's counts stay a
small item's writes, not 12 KB ones, and a viewer its sketch has seen writes no sketch. Reach
is the union of the two (an item written before reach items, or a race, may leave one in each).

Impressions, reach and profile views are written by the impressions aggregator (from the API
functions' `served` log lines, glimpse.served), once per item per log batch; likes of
stories, follows, and sticker taps by the counters consumer (from domain events), one ADD per
item per batch. Every item expires (`expires_at`, TTL): an account's day and its reach after
`DAY_TTL`, a post's or story's totals and reach `TOTAL_TTL` after they last moved.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.expressions.update import Action

from glimpse.clock import now
from glimpse.models.base import Model, table_meta

TOTAL = "TOTAL"
DAY = "DAY#"
REACH = "#REACH"  # a reach item's sort key: its counts' item's, then this
DAY_TTL = timedelta(days=40)  # the longest window read is 30 days
TOTAL_TTL = timedelta(days=730)

# Counters each item may carry (what the aggregator and the counters consumer ADD).
COUNTS = (
    "impressions",
    "profile_views",
    "followers_gained",
    "followers_lost",
    "likes",
    "replies",
    "sticker_taps",
)


def post_key(post_id: str) -> tuple[str, str]:
    return f"POST#{post_id}", TOTAL


def story_key(story_id: str) -> tuple[str, str]:
    return f"STORY#{story_id}", TOTAL


def account_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def day_sk(day: date | str) -> str:
    return DAY + (day if isinstance(day, str) else day.isoformat())


def account_day_key(user_id: str, day: date | str) -> tuple[str, str]:
    return account_pk(user_id), day_sk(day)


def reach_key(key: tuple[str, str]) -> tuple[str, str]:
    """The reach item beside the counts' item `key`."""
    return key[0], key[1] + REACH


def is_reach(sk: str) -> bool:
    return sk.endswith(REACH)


def expiry_of(pk: str, sk: str, at: datetime | None = None) -> datetime:
    """When an item written now expires: an account's day `DAY_TTL` after that day, totals
    `TOTAL_TTL` after this write."""
    if sk.startswith(DAY):
        day = sk.removeprefix(DAY).removesuffix(REACH)
        start = datetime.fromisoformat(day + "T00:00:00+00:00")
        return start + DAY_TTL
    return (at or now()) + TOTAL_TTL


class InsightItem(Model):
    Meta = table_meta("insights_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    impressions = NumberAttribute(default=0)
    profile_views = NumberAttribute(default=0)
    followers_gained = NumberAttribute(default=0)
    followers_lost = NumberAttribute(default=0)
    likes = NumberAttribute(default=0)
    replies = NumberAttribute(default=0)
    sticker_taps = NumberAttribute(default=0)
    # the reach sketch: in the counts' item while small, else in its reach item
    sketch = BinaryAttribute(null=True, legacy_encoding=False)  # glimpse.hll
    version = NumberAttribute(default=0)  # +1 with each write of the sketch
    days = UnicodeSetAttribute(null=True)  # a post's totals: the UTC days it was served
    expires_at = TTLAttribute()

    @classmethod
    def made_by_count(cls, pk: str, sk: str) -> list[Action]:
        """An insight item is made by the first count the counters consumer adds to it."""
        return [cls.expires_at.set(expiry_of(pk, sk))]

    def number(self, name: str) -> int:
        return int(getattr(self, name) or 0)
