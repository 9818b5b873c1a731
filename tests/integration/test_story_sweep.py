"""The story sweep against moto: stories really expire (a `StoryTtlSeconds` of a few seconds),
the sweeper deletes their items, and the Stories stream's REMOVEs take their media through
the story reaper, as an expiry (no `story_removed`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from functions.story_reaper import app as reaper
from functions.story_sweeper import app as sweeper
from glimpse.config import get_settings
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import (
    STORY,
    Story,
    StoryView,
    TrayMarker,
    marker_sk,
    story_pk,
    tray_pk,
    view_sk,
)
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack
from tests.integration.social import TableStream, User, follow, settle
from tests.integration.test_events import emitted
from tests.integration.test_stories import SIZES, create, objects, on_story

# Seconds: long enough to post, view and fan out before the first story expires, on a busy
# machine too (at idle that takes a fifth of a second); the test then waits for the expiry.
TTL = 5


@contextmanager
def story_ttl(seconds: int) -> Iterator[None]:
    """Stories posted inside live `seconds`, as with `--parameter StoryTtlSeconds=...`."""
    saved = os.environ["STORY_TTL_SECONDS"]
    os.environ["STORY_TTL_SECONDS"] = str(seconds)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ["STORY_TTL_SECONDS"] = saved
        get_settings.cache_clear()


def expiry(story: dict[str, Any]) -> float:
    return datetime.fromisoformat(story["expires_at"]).timestamp()


def run_sweeper(remaining_ms: int = 50_000) -> dict[str, Any]:
    """One scheduled run, with `remaining_ms` of its time left."""
    event = load_event("story_sweeper/scheduled")
    return dict(sweeper.lambda_handler(event, FakeContext(remaining_ms)))


def exists(model: Any, pk: str, sk: str) -> bool:
    try:
        model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return False
    return True


def media_left(stack: Stack, story: dict[str, Any]) -> tuple[bool, int]:
    """Whether the story's media item is there, and how many of its renditions."""
    media_id = story["media"]["media_id"]
    renditions = objects(stack, f"renditions/stories/{media_id}/")
    return exists(MediaItem, media_pk(media_id), MEDIA), len(renditions)


def test_the_sweep_deletes_expired_stories_and_the_reaper_their_media_as_an_expiry(
    stack: Stack, alice: User, bob: User
) -> None:
    follow(bob, alice)
    with story_ttl(TTL):
        expiring = [create(stack, alice), create(stack, alice, "close_friends")]
        unswept = create(stack, alice)  # as if posted before ByExpiry existed: no expiry_pk
    assert on_story("view_story", bob, expiring[0]["story_id"]) == (204, None)
    settle()
    assert time.time() < min(map(expiry, expiring)), f"posting took longer than the {TTL} s TTL"
    Story(story_pk(unswept["story_id"]), STORY).update(actions=[Story.expiry_pk.remove()])
    live = create(stack, alice)  # the default TTL, a day
    marker = (tray_pk(bob.id), marker_sk(alice.id, expiring[0]["story_id"]))
    assert exists(TrayMarker, *marker)
    stream = TableStream(stack, "StoriesTable", start="LATEST")

    while time.time() < max(map(expiry, [*expiring, unswept])):
        time.sleep(0.1)
    assert run_sweeper(remaining_ms=1_000) == {"deleted": 0, "finished": False}  # no time left
    assert run_sweeper() == {"deleted": 2, "finished": True}
    for story in expiring:
        assert not exists(Story, story_pk(story["story_id"]), STORY)
    for story in (unswept, live):
        assert exists(Story, story_pk(story["story_id"]), STORY)
    # Its view and the tray markers are not story items: the TTL takes them.
    assert exists(StoryView, story_pk(expiring[0]["story_id"]), view_sk(bob.id))
    assert exists(TrayMarker, *marker)

    removed = stream.read()
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removed) == sorted(
        story_pk(story["story_id"]) for story in expiring
    )
    assert emitted(lambda: reaper.lambda_handler({"Records": removed}, FakeContext())) == []
    for story in expiring:
        assert media_left(stack, story) == (False, 0)
    for story in (unswept, live):
        assert media_left(stack, story) == (True, len(SIZES))

    assert run_sweeper() == {"deleted": 0, "finished": True}  # again: nothing left to do
    assert stream.read() == []


def test_an_owners_delete_before_the_expiry_still_takes_the_markers_out(
    stack: Stack, alice: User, bob: User
) -> None:
    """The reaper tells the two apart by the story's expiry, not by who deleted it."""
    follow(bob, alice)
    story = create(stack, alice)
    settle()
    marker = (tray_pk(bob.id), marker_sk(alice.id, story["story_id"]))
    assert exists(TrayMarker, *marker)
    stream = TableStream(stack, "StoriesTable", start="LATEST")
    assert on_story("delete_story", alice, story["story_id"]) == (204, None)
    (removed,) = stream.read()
    assert emitted(lambda: reaper.lambda_handler({"Records": [removed]}, FakeContext())) == [
        "story_removed"
    ]
    assert media_left(stack, story) == (False, 0)
    settle()
    assert not exists(TrayMarker, *marker)
