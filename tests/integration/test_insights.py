"""Insights against moto: the API handlers' real `served` log lines, delivered to the
impressions function as a CloudWatch Logs subscription delivers them; follows and story likes
through the counters; the routes' answers and who may read them."""

from __future__ import annotations

import base64
import gzip
import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from functions.impressions import app as impressions
from glimpse.clock import now
from glimpse.hll import Sketch
from glimpse.insights import aggregator
from glimpse.models.base import get_or_none
from glimpse.models.insights import (
    InsightItem,
    account_day_key,
    expiry_of,
    post_key,
    reach_key,
)
from glimpse.models.transactions import Transaction
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, post, settle
from tests.integration.test_stories import story_media

SERVING = ("feed", "posts", "stories", "users", "search", "messages")
_event_ids = iter(range(10**9))


@contextmanager
def served_lines() -> Iterator[list[str]]:
    """The JSON lines the serving functions' Powertools loggers write inside the block (their
    stream handlers pointed at a buffer, as CloudWatch Logs reads their output)."""
    buffer = io.StringIO()
    handlers = [
        handler
        for service in SERVING
        for handler in logging.getLogger(service).handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    saved = [handler.setStream(buffer) for handler in handlers]
    lines: list[str] = []
    try:
        yield lines
    finally:
        for handler, stream in zip(handlers, saved, strict=True):
            handler.setStream(stream)
        lines.extend(line for line in buffer.getvalue().splitlines() if '"served"' in line)


def delivery(lines: list[str], stream: str = "stream-1") -> dict[str, Any]:
    """A CloudWatch Logs subscription delivery of `lines` (AWS's shape: base64 gzip JSON)."""
    moment = int(now().timestamp() * 1000)
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/glimpse-FeedFunction",
        "logStream": stream,
        "subscriptionFilters": ["glimpse-ImpressionsFunctionFeedServed"],
        "logEvents": [
            {"id": f"{next(_event_ids):056d}", "timestamp": moment, "message": line}
            for line in lines
        ],
    }
    packed = base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()
    return {"awslogs": {"data": packed}}


def deliver(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = impressions.lambda_handler(event, FakeContext())
    return result


def serve(calls: Callable[[], object]) -> dict[str, Any]:
    """Run the API calls, deliver what they logged; the delivery (to send again)."""
    with served_lines() as lines:
        calls()
    event = delivery(lines)
    deliver(event)
    return event


def ok(result: tuple[int, Any], status: int = 200) -> Any:
    code, body = result
    assert code == status, body
    return body


def post_insights(user: User, post_id: str) -> tuple[int, Any]:
    return api("insights", "post_insights", user, {"post_id": post_id})


def story_insights(user: User, story_id: str) -> tuple[int, Any]:
    return api("insights", "story_insights", user, {"story_id": story_id})


def account_insights(user: User, days: str = "7") -> tuple[int, Any]:
    return api("insights", "account_insights", user, query={"days": days})


@pytest.fixture
def author() -> User:
    return make_user()


@pytest.fixture
def fan(author: User) -> User:
    user = make_user()
    follow(user, author)
    return user


def test_a_follower_served_a_post_moves_impressions_and_reach_once_per_account(
    author: User, fan: User
) -> None:
    post_id = post(author, "#first")
    settle()
    other = make_user()
    serve(
        lambda: (
            ok(api("posts", "get_post", fan, {"post_id": post_id})),
            ok(api("posts", "get_post", fan, {"post_id": post_id})),
            ok(api("feed", "get_feed", fan)),
            ok(api("posts", "user_posts", other, {"username": author.username})),
            ok(api("posts", "get_post", author, {"post_id": post_id})),  # the author's own
            ok(api("feed", "get_feed", author)),
        )
    )
    insights = ok(post_insights(author, post_id))
    assert insights["impressions"] == 4
    assert insights["reach"] == 2
    day = ok(account_insights(author))
    assert day["impressions"] == 4
    assert day["reach"] == 2
    assert len(day["by_day"]) == 7
    assert day["by_day"][-1] == {"date": now().date().isoformat(), "reach": 2, "impressions": 4}


def test_a_delivery_sent_again_counts_once(author: User, fan: User) -> None:
    post_id = post(author)
    event = serve(lambda: ok(api("posts", "get_post", fan, {"post_id": post_id})))
    assert deliver(event)["duplicates"] == 1
    deliver(event)
    assert ok(post_insights(author, post_id))["impressions"] == 1


def test_a_delivery_that_failed_half_way_does_the_rest_when_it_comes_again(
    author: User, fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of one item each: the second chunk's transaction fails once; the delivery fails,
    comes back, and every count ends exact (the first chunk is not added twice)."""
    post_id = post(author)
    with served_lines() as lines:
        ok(api("posts", "get_post", fan, {"post_id": post_id}))
        ok(api("users", "get_user", fan, {"username": author.username}))
    event = delivery(lines)
    monkeypatch.setattr(aggregator, "CHUNK", 1)
    commits = {"n": 0}
    commit = Transaction.commit

    def fail_second(tx: Transaction) -> None:
        commits["n"] += 1
        if commits["n"] == 2:
            raise RuntimeError("DynamoDB went away")
        commit(tx)

    monkeypatch.setattr(Transaction, "commit", fail_second)
    with pytest.raises(RuntimeError):
        deliver(event)
    monkeypatch.setattr(Transaction, "commit", commit)
    assert deliver(event)["duplicates"] == 1  # the chunk that committed
    assert ok(post_insights(author, post_id))["impressions"] == 1
    account = ok(account_insights(author))
    assert account["impressions"] == 1
    assert account["profile_views"] == 1


def test_lines_that_are_not_served_lines_are_left_alone(author: User, fan: User) -> None:
    post_id = post(author)
    line = json.dumps({"message": "served", "served": {"viewer": fan.id, "posts": [post_id]}})
    garbage = [
        "not json",
        json.dumps({"message": "other", "served": {"viewer": fan.id, "posts": [post_id]}}),
        json.dumps({"message": "served", "served": {"viewer": 5, "posts": [post_id]}}),
        json.dumps({"message": "served", "served": {"viewer": fan.id, "posts": "x"}}),
    ]
    assert deliver(delivery([*garbage, line]))["lines"] == 1
    assert ok(post_insights(author, post_id))["impressions"] == 1


def test_story_insights_count_views_likes_and_replies(
    stack: Stack, author: User, fan: User
) -> None:
    _s, story = api(
        "stories", "create_story", author, body={"media_id": story_media(stack, author)}
    )
    story_id = story["story_id"]
    serve(
        lambda: (
            ok(api("stories", "get_story", fan, {"story_id": story_id})),
            ok(api("stories", "user_stories", fan, {"username": author.username})),
            ok(
                api("messages", "reply_to_story", fan, {"story_id": story_id}, body={"text": "!"}),
                201,
            ),
        )
    )
    ok(api("stories", "like_story", fan, {"story_id": story_id}), 204)
    settle(deliveries=2)  # the counters, each event twice
    assert ok(story_insights(author, story_id)) == {
        "reach": 1,
        "impressions": 2,
        "likes": 1,
        "replies": 1,
        "sticker_taps": 0,
    }


def test_account_insights_count_profile_views_and_follows(author: User) -> None:
    fans = [make_user() for _ in range(3)]
    for user in fans:
        follow(user, author)
    settle()  # counted (a follow undone before the followers function read it never counts)
    ok(api("graph", "unfollow", fans[0], {"username": author.username}), 204)
    settle(deliveries=2)
    serve(
        lambda: [
            ok(api("users", "get_user", user, {"username": author.username}))
            for user in (*fans, author)
        ]
    )
    month = ok(account_insights(author, "30"))
    assert month["profile_views"] == 3  # not the author's own
    assert month["followers_gained"] == 3
    assert month["followers_lost"] == 1
    assert len(month["by_day"]) == 30
    post_id = post(author)
    serve(lambda: ok(api("posts", "get_post", fans[1], {"post_id": post_id})))
    insights = ok(post_insights(author, post_id))
    assert insights["profile_visits"] == 3
    assert insights["follows"] == 3


@pytest.mark.parametrize("days", ["1", "14", "31", "0", "-7", "x"])
def test_days_other_than_7_or_30_are_refused(author: User, days: str) -> None:
    status, body = account_insights(author, days)
    assert status == 400, body
    assert body["error"]["code"] == "bad_request"


def test_saves_likes_and_comments_are_the_posts(author: User, fan: User) -> None:
    post_id = post(author)
    ok(api("posts", "like", fan, {"post_id": post_id}))
    ok(api("posts", "create_comment", fan, {"post_id": post_id}, body={"text": "hi"}), 201)
    ok(api("posts", "save", fan, {"post_id": post_id}), 204)
    settle()
    insights = ok(post_insights(author, post_id))
    assert (insights["likes"], insights["comments"], insights["saves"]) == (1, 1, 1)


def test_only_the_author_reads_insights(stack: Stack, author: User, fan: User) -> None:
    """Follower and stranger: 403; blocked either way: 404; a private account's non-follower:
    403 (as reading it); a post or story that does not exist: 404."""
    post_id = post(author)
    _s, story = api(
        "stories", "create_story", author, body={"media_id": story_media(stack, author)}
    )
    stranger, blocked, blocker = make_user(), make_user(), make_user()
    ok(api("graph", "block", author, {"username": blocked.username}), 204)
    ok(api("graph", "block", blocker, {"username": author.username}), 204)
    for user, status in ((fan, 403), (stranger, 403), (blocked, 404), (blocker, 404)):
        assert post_insights(user, post_id)[0] == status
        assert story_insights(user, story["story_id"])[0] == status
    private = make_user(private=True)
    private_post = post(private)
    assert post_insights(stranger, private_post)[0] == 403
    assert ok(post_insights(private, private_post))["impressions"] == 0
    assert post_insights(author, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404
    assert story_insights(author, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404


def test_reach_sketches_merge_across_deliveries(author: User) -> None:
    """Viewers spread over deliveries from several streams: reach is their union."""
    post_id = post(author)
    viewers = [make_user() for _ in range(6)]
    events = []
    for index, group in enumerate((viewers[:4], viewers[2:])):
        with served_lines() as lines:
            for user in group:
                ok(api("posts", "get_post", user, {"post_id": post_id}))
        events.append(delivery(lines, stream=f"stream-{index}"))
    for event in reversed(events):
        deliver(event)
    insights = ok(post_insights(author, post_id))
    assert (insights["reach"], insights["impressions"]) == (6, 8)
    item = InsightItem.get(*post_key(post_id))
    assert item.version == 2  # a small sketch lives in the counts' item
    assert item.days == {now().date().isoformat()}
    assert get_or_none(InsightItem, *reach_key(post_key(post_id))) is None
    # the same viewers again: their impressions count, the sketch is not written again
    with served_lines() as lines:
        for user in viewers:
            ok(api("posts", "get_post", user, {"post_id": post_id}))
    deliver(delivery(lines, stream="stream-2"))
    assert InsightItem.get(*post_key(post_id)).version == 2
    insights = ok(post_insights(author, post_id))
    assert (insights["reach"], insights["impressions"]) == (6, 14)


def big_sketch(prefix: str) -> bytes:
    """A sketch past INLINE_BYTES (a post seen by a few hundred accounts)."""
    stored = Sketch.of(f"{prefix}-{n}" for n in range(400)).to_bytes()
    assert len(stored) > aggregator.INLINE_BYTES
    return stored


def test_a_big_sketch_moves_to_the_reach_item_and_repeat_viewers_do_not_rewrite_it(
    author: User, fan: User
) -> None:
    """A counts' item holding a big sketch (as every item did before reach items) counts in
    reach, and the next delivery moves the sketch into the reach item beside it; from then on
    a count is a small item's write, and a viewer already in the sketch writes no sketch."""
    post_id = post(author)
    earlier = big_sketch("earlier")
    day = account_day_key(author.id, now().date())
    for key in (post_key(post_id), day):
        expires = expiry_of(*key)
        InsightItem(*key, impressions=400, sketch=earlier, version=1, expires_at=expires).save()
    before = ok(post_insights(author, post_id))["reach"]
    assert ok(account_insights(author))["reach"] == before
    assert abs(before - 400) <= 8  # within 2%
    serve(lambda: ok(api("posts", "get_post", fan, {"post_id": post_id})))
    for key in (post_key(post_id), day):
        item = InsightItem.get(*key)
        assert (item.sketch, item.impressions) == (None, 401)
        assert InsightItem.get(*reach_key(key)).version == 1
    after = ok(post_insights(author, post_id))["reach"]
    assert after in (before, before + 1)  # the fan, as a sketch counts (exact or all but)
    account = ok(account_insights(author))
    assert (account["reach"], account["by_day"][-1]["reach"]) == (after, after)
    serve(lambda: ok(api("posts", "get_post", fan, {"post_id": post_id})))  # seen before
    assert InsightItem.get(*reach_key(post_key(post_id))).version == 1
    assert InsightItem.get(*post_key(post_id)).impressions == 402


def test_an_aggregator_that_lost_a_sketch_race_reads_again_and_keeps_both(
    author: User, fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another aggregator writes the reach item between this one's read and its write: the
    write's version condition fails, the chunk is read again, and both viewers are in reach."""
    post_id = post(author)
    key = reach_key(post_key(post_id))
    InsightItem(*key, sketch=big_sketch("earlier"), version=1, expires_at=expiry_of(*key)).save()
    before = ok(post_insights(author, post_id))["reach"]
    rival = Sketch.from_bytes(big_sketch("earlier"))
    rival.merge(Sketch.of(["rival-viewer"]))
    stored = rival.to_bytes()
    read = aggregator.get_many
    raced: list[bool] = []

    def read_then_a_rival_writes(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        if not raced:
            raced.append(True)
            InsightItem(*key).update([InsightItem.sketch.set(stored), InsightItem.version.add(1)])
        return found

    monkeypatch.setattr(aggregator, "get_many", read_then_a_rival_writes)
    with served_lines() as lines:
        ok(api("posts", "get_post", fan, {"post_id": post_id}))
    deliver(delivery(lines))
    assert raced
    assert InsightItem.get(*key).version == 3  # the rival's write, then this one's
    merged = Sketch.from_bytes(InsightItem.get(*key).sketch)
    expected = Sketch.from_bytes(big_sketch("earlier"))
    expected.merge(Sketch.of(["rival-viewer", fan.id]))
    assert merged.to_bytes() == expected.to_bytes()  # nobody's registers lost
    assert ok(post_insights(author, post_id))["reach"] >= before
