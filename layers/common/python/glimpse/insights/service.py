"""Insights routes: a post's, a story's, an account's days (API.md "Insights").

The author's alone. Anyone else is answered as reading the post or story would answer them
first (404 across a block or for what does not exist for them, 403 for a private account's
non-follower), then 403 (the rule of `GET /stories/{id}/viewers`).

- post: its totals and reach items (impressions, days served; the sketch) and the post's own
  `like_count` and `comment_count`; saves counted from its save items (a Query that reads
  keys only); profile visits and follows are the author's on the UTC days of the last 30 on
  which the post was served (one Query of the author's days, without their sketches).
- story: its totals and reach items (impressions, likes, replies, sticker taps; the sketch).
- account: the days of the window and their reach items (one Query), reach the union of their
  sketches.

A reach is the union of the reach item's sketch and the one an item written before reach items
still holds itself (glimpse.models.insights).
"""

from __future__ import annotations

from datetime import date, timedelta

from glimpse.clock import now
from glimpse.errors import BadRequest, Forbidden, NotFound, field_error
from glimpse.hll import Sketch
from glimpse.insights.schemas import AccountInsights, DayInsights, PostInsights, StoryInsights
from glimpse.models.base import get_or_none
from glimpse.models.batch import get_many
from glimpse.models.insights import (
    DAY,
    REACH,
    InsightItem,
    account_pk,
    day_sk,
    is_reach,
    post_key,
    reach_key,
    story_key,
)
from glimpse.models.posts import POST, SAVE, Post, Save, post_pk
from glimpse.models.stories import STORY, Story, story_pk
from glimpse.posts.service import get_visible_post
from glimpse.stories.access import story_seen_by

WINDOWS = (7, 30)  # the days `GET /me/insights` sums
POST_WINDOW = 30  # days of an author's profile visits and follows a post's insights sum
ONLY_AUTHOR = "Only the author sees insights."
# What a day's counts are read with (its sketch left out where reach is not needed).
_COUNTS = ("sk", "impressions", "profile_views", "followers_gained", "followers_lost")


def post_insights(caller_id: str, post_id: str) -> PostInsights:
    post = get_or_none(Post, post_pk(post_id), POST)
    if post is None:
        raise NotFound("No such post.")
    if caller_id != post.author_id:
        get_visible_post(caller_id, post_id, [])  # 404 / 403 as reading it
        raise Forbidden(ONLY_AUTHOR)
    total, reach = _total(post_key(post_id))
    served = set(total.days or ()) if total is not None else set()
    today = now().date()
    days = _days(post.author_id, today - timedelta(days=POST_WINDOW - 1), today, _COUNTS)
    on_served = [item for item in days if item.sk.removeprefix(DAY) in served]
    return PostInsights(
        reach=reach,
        impressions=total.number("impressions") if total is not None else 0,
        likes=int(post.like_count or 0),
        comments=int(post.comment_count or 0),
        saves=_saves(post_id),
        profile_visits=sum(item.number("profile_views") for item in on_served),
        follows=sum(item.number("followers_gained") for item in on_served),
    )


def story_insights(caller_id: str, story_id: str) -> StoryInsights:
    story = get_or_none(Story, story_pk(story_id), STORY)
    if story is None:
        raise NotFound("No such story.")
    if caller_id != story.owner_id:
        story_seen_by(caller_id, story_id)  # 404 / 403 as viewing it
        raise Forbidden(ONLY_AUTHOR)
    total, reach = _total(story_key(story_id))
    counts = total.number if total is not None else (lambda _name: 0)
    return StoryInsights(
        reach=reach,
        impressions=counts("impressions"),
        likes=counts("likes"),
        replies=counts("replies"),
        sticker_taps=counts("sticker_taps"),
    )


def account_insights(caller_id: str, window: int) -> AccountInsights:
    """The last `window` UTC days (7 or 30, else 400), today included; each day listed (0
    where nothing was)."""
    if window not in WINDOWS:
        raise BadRequest("days is 7 or 30.", [field_error("days", "must be 7 or 30")])
    today = now().date()
    first = today - timedelta(days=window - 1)
    read = _days(caller_id, first, today, reach=True)
    found = {item.sk.removeprefix(DAY): item for item in read if not is_reach(item.sk)}
    sketches: dict[str, list[Sketch]] = {}  # by day: its reach item's, its own (before those)
    for each in read:
        named = each.sk.removeprefix(DAY).removesuffix(REACH)
        sketches.setdefault(named, []).append(Sketch.from_bytes(each.sketch))
    by_day = []
    for offset in range(window):
        day = first + timedelta(days=offset)
        item = found.get(day.isoformat())
        by_day.append(
            DayInsights(
                date=day,
                reach=Sketch.union(sketches.get(day.isoformat(), [])).count(),
                impressions=item.number("impressions") if item is not None else 0,
            )
        )
    items = list(found.values())
    return AccountInsights(
        reach=Sketch.union(s for each in sketches.values() for s in each).count(),
        impressions=sum(day.impressions for day in by_day),
        profile_views=sum(item.number("profile_views") for item in items),
        followers_gained=sum(item.number("followers_gained") for item in items),
        followers_lost=sum(item.number("followers_lost") for item in items),
        by_day=by_day,
    )


def _days(
    user_id: str,
    first: date,
    last: date,
    attributes: tuple[str, ...] | None = None,
    reach: bool = False,
) -> list[InsightItem]:
    """An account's day items from `first` to `last` (one Query of at most 31 days; with
    `reach`, their reach items too, each after its day's)."""
    found = InsightItem.query(
        account_pk(user_id),
        InsightItem.sk.between(day_sk(first), day_sk(last) + (REACH if reach else "")),
        attributes_to_get=list(attributes) if attributes else None,
    )
    return [item for item in found if reach or not is_reach(item.sk)]


def _total(key: tuple[str, str]) -> tuple[InsightItem | None, int]:
    """A post's or story's totals item, and its reach (one BatchGetItem)."""
    fetched = get_many([(InsightItem, key), (InsightItem, reach_key(key))])
    total, reach = fetched.get(InsightItem, key), fetched.get(InsightItem, reach_key(key))
    found = [item.sketch for item in (total, reach) if item is not None]
    return total, Sketch.union(Sketch.from_bytes(sketch) for sketch in found).count()


def _saves(post_id: str) -> int:
    """Accounts that saved the post: its save items, not their copies in collections."""
    return Save.count(
        post_pk(post_id),
        Save.sk.startswith(SAVE),
        filter_condition=Save.collection_id.does_not_exist(),
    )
