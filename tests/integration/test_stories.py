"""Stories through the handlers, against moto: create, tray, views, likes, viewers, expiry,
the reaper, highlights and close friends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from functions.story_reaper import app as reaper
from glimpse.clock import now
from glimpse.config import get_settings
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import STORY, Story, TrayMarker, marker_sk, story_pk, tray_pk
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_media, make_user, settle

SIZES = ("1080", "640", "320", "150")


def story_media(stack: Stack, user: User, status: str = "ready") -> str:
    """A story media item as the thumbnailer leaves it, with its renditions in the bucket."""
    media_id = make_media(user, status=status, kind="story")
    if status == "ready":
        keys = {size: f"renditions/stories/{media_id}/{size}.jpg" for size in SIZES}
        item = MediaItem.get(media_pk(media_id), MEDIA)
        item.update(actions=[MediaItem.renditions.set(keys)])
        for key in keys.values():
            stack.client("s3").put_object(Bucket=bucket(), Key=key, Body=b"jpeg")
    return media_id


def bucket() -> str:
    return get_settings().require("media_bucket")


def objects(stack: Stack, prefix: str) -> list[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=bucket(), Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def create(stack: Stack, user: User, audience: str = "followers") -> dict[str, Any]:
    status, body = api(
        "stories",
        "create_story",
        user,
        body={"media_id": story_media(stack, user), "audience": audience},
    )
    assert status == 201, body
    return dict(body)


def tray(user: User) -> dict[str, dict[str, Any]]:
    status, body = api("stories", "tray", user)
    assert status == 200, body
    return {entry["user"]["username"]: entry for entry in body["items"]}


def stories_of(viewer: User, owner: User) -> tuple[int, Any]:
    return api("stories", "user_stories", viewer, {"username": owner.username})


def on_story(name: str, user: User, story_id: str) -> tuple[int, Any]:
    return api("stories", name, user, {"story_id": story_id})


def expire(story_id: str) -> None:
    """What the clock does: the expires_at of the story and of its tray markers (the same
    moment) passes; DynamoDB has not deleted any of them yet."""
    past = now() - timedelta(seconds=1)
    story = Story.get(story_pk(story_id), STORY)
    story.update(actions=[Story.expires_at.set(past)])
    for item in TrayMarker.scan(TrayMarker.sk == marker_sk(story.owner_id, story_id)):
        item.update(actions=[TrayMarker.expires_at.set(past)])


def reap(story: dict[str, Any], owner: User) -> None:
    """The Stories stream's REMOVE of the story item, delivered to the reaper."""
    event = load_event("story_reaper/story_expired")
    image = event["Records"][0]["dynamodb"]["OldImage"]
    image["story_id"]["S"] = story["story_id"]
    image["owner_id"]["S"] = owner.id
    image["media_id"]["S"] = story["media"]["media_id"]
    response = reaper.lambda_handler(event, FakeContext())
    assert response == {"batchItemFailures": []}


@pytest.fixture
def carol(stack: Stack) -> User:
    return make_user(prefix="carol")


def test_a_story_reaches_followers_trays_not_strangers(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    follow(bob, alice)
    story = create(stack, alice)
    assert story["view_count"] == 0
    assert story["seen_by_me"] is False
    assert MediaItem.get(media_pk(story["media"]["media_id"]), MEDIA).used_by == story["story_id"]
    settle()
    entry = tray(bob)[alice.username]
    assert (entry["story_count"], entry["has_unseen"]) == (1, True)
    assert alice.username not in tray(carol)
    assert stories_of(carol, alice)[0] == 200  # public account: anyone not blocked may look

    assert on_story("view_story", bob, story["story_id"]) == (204, None)
    assert tray(bob)[alice.username]["has_unseen"] is False
    second = create(stack, alice)
    settle()
    entry = tray(bob)[alice.username]
    assert (entry["story_count"], entry["has_unseen"]) == (2, True)
    status, body = stories_of(bob, alice)
    assert status == 200
    assert [s["story_id"] for s in body["items"]] == [story["story_id"], second["story_id"]]
    assert [s["seen_by_me"] for s in body["items"]] == [True, False]
    assert all(s["view_count"] is None for s in body["items"])


def test_views_and_likes_are_idempotent_and_only_the_owner_sees_viewers(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    story = create(stack, alice)
    sid = story["story_id"]
    for _ in range(2):
        assert on_story("view_story", bob, sid) == (204, None)
        assert on_story("like_story", carol, sid) == (204, None)  # a like is a view too
    assert on_story("view_story", alice, sid) == (204, None)  # the owner's own: not counted
    settle()
    status, body = on_story("viewers", alice, sid)
    assert status == 200
    assert sorted((v["username"], v["liked"]) for v in body["items"]) == sorted(
        [(bob.username, False), (carol.username, True)]
    )
    _, mine = stories_of(alice, alice)
    assert mine["items"][0]["view_count"] == 2
    status, body = on_story("viewers", bob, sid)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert on_story("unlike_story", carol, sid) == (204, None)
    assert on_story("unlike_story", carol, sid) == (204, None)
    _, body = on_story("viewers", alice, sid)
    assert {v["username"]: v["liked"] for v in body["items"]}[carol.username] is False


def test_private_and_blocked_owners_stories(stack: Stack, bob: User, carol: User) -> None:
    owner = make_user(private=True, prefix="priv")
    story = create(stack, owner)
    status, body = stories_of(bob, owner)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert on_story("view_story", bob, story["story_id"])[0] == 403
    assert on_story("like_story", bob, story["story_id"])[0] == 403
    follow(carol, owner)
    api("graph", "approve", owner, {"username": carol.username})
    assert stories_of(carol, owner)[0] == 200
    api("graph", "block", owner, {"username": carol.username})
    assert stories_of(carol, owner)[0] == 404
    assert on_story("view_story", carol, story["story_id"])[0] == 404
    settle()
    assert owner.username not in tray(carol)


def test_close_friends_stories_reach_the_list_only(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    follow(bob, alice)
    follow(carol, alice)
    status, body = api(
        "stories", "set_close_friends", alice, body={"usernames": [bob.username, "nobody_x1"]}
    )
    assert (status, body["error"]["details"][0]["field"]) == (400, "usernames")
    _, listed = api("stories", "close_friends", alice)
    assert listed["items"] == []  # the refused request changed nothing
    assert api("stories", "set_close_friends", alice, body={"usernames": [bob.username]}) == (
        204,
        None,
    )
    _, listed = api("stories", "close_friends", alice)
    assert [u["username"] for u in listed["items"]] == [bob.username]

    story = create(stack, alice, audience="close_friends")
    settle()
    assert tray(bob)[alice.username]["story_count"] == 1
    assert alice.username not in tray(carol)
    assert [s["story_id"] for s in stories_of(bob, alice)[1]["items"]] == [story["story_id"]]
    assert stories_of(carol, alice)[1]["items"] == []
    assert on_story("view_story", carol, story["story_id"])[0] == 404

    api("stories", "set_close_friends", alice, body={"usernames": []})
    assert alice.username not in tray(bob)  # off the list: the marker no longer counts
    assert on_story("view_story", bob, story["story_id"])[0] == 404


def test_an_expired_story_is_gone_from_every_route_before_it_is_deleted(
    stack: Stack, alice: User, bob: User
) -> None:
    follow(bob, alice)
    story = create(stack, alice)
    sid = story["story_id"]
    settle()
    expire(sid)
    assert Story.get(story_pk(sid), STORY) is not None  # still stored
    assert stories_of(bob, alice)[1]["items"] == []
    assert alice.username not in tray(bob)
    for name, user in (
        ("view_story", bob),
        ("like_story", bob),
        ("viewers", alice),
        ("delete_story", alice),
    ):
        status, body = on_story(name, user, sid)
        assert (status, body["error"]["code"]) == (404, "not_found"), name


def test_the_reaper_removes_media_and_tray_markers_and_highlights_keep_copies(
    stack: Stack, alice: User, bob: User
) -> None:
    follow(bob, alice)
    kept, gone = create(stack, alice), create(stack, alice)
    settle()
    status, highlight = api(
        "stories",
        "create_highlight",
        alice,
        body={"title": "Summer", "story_ids": [kept["story_id"]]},
    )
    assert status == 201, highlight
    kept_urls = highlight["stories"][0]["media"]["renditions"]
    assert all("/kept/" in url for url in kept_urls.values())

    for story in (kept, gone):
        status, _ = on_story("delete_story", bob, story["story_id"])
        assert status == 403
        assert on_story("delete_story", alice, story["story_id"]) == (204, None)
        reap(story, alice)
        media_id = story["media"]["media_id"]
        assert objects(stack, f"renditions/stories/{media_id}/") == []
        with pytest.raises(MediaItem.DoesNotExist):
            MediaItem.get(media_pk(media_id), MEDIA)
    settle()
    markers = list(TrayMarker.query(tray_pk(bob.id), TrayMarker.sk.startswith("STORY#")))
    assert [m for m in markers if m.owner_id == alice.id] == []
    assert alice.username not in tray(bob)

    status, page = api("stories", "user_highlights", bob, {"username": alice.username})
    assert status == 200
    (shown,) = page["items"]
    assert shown["title"] == "Summer"
    assert [s["story_id"] for s in shown["stories"]] == [kept["story_id"]]
    media_id = kept["media"]["media_id"]
    assert sorted(objects(stack, f"renditions/kept/{media_id}/")) == sorted(
        f"renditions/kept/{media_id}/{size}.jpg" for size in SIZES
    )
    reap(kept, alice)  # a re-delivery changes nothing
    assert len(objects(stack, f"renditions/kept/{media_id}/")) == len(SIZES)


@pytest.mark.parametrize("problem", ["post_media", "someone_elses", "used", "rejected", "extra"])
def test_create_refuses_unusable_media_and_writes_nothing(
    stack: Stack, alice: User, bob: User, problem: str
) -> None:
    used = create(stack, alice)["media"]["media_id"]
    body: dict[str, Any] = {
        "post_media": {"media_id": make_media(alice)},
        "someone_elses": {"media_id": story_media(stack, bob)},
        "used": {"media_id": used},
        "rejected": {"media_id": make_media(alice, status="rejected", kind="story")},
        "extra": {"media_id": story_media(stack, alice), "audience": "everyone"},
    }[problem]
    before = len(stories_of(alice, alice)[1]["items"])
    status, answer = api("stories", "create_story", alice, body=body)
    assert (status, answer["error"]["code"]) == (400, "bad_request"), answer
    assert len(stories_of(alice, alice)[1]["items"]) == before


def test_highlights_refuse_stories_that_are_not_yours_or_not_live(
    stack: Stack, alice: User, bob: User
) -> None:
    mine, theirs = create(stack, alice), create(stack, bob)
    expire(mine["story_id"])
    for story_ids in ([mine["story_id"]], [theirs["story_id"]], ["01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"]):
        status, body = api(
            "stories", "create_highlight", alice, body={"title": "x", "story_ids": story_ids}
        )
        assert (status, body["error"]["details"][0]["field"]) == (400, "story_ids")
    assert api("stories", "user_highlights", alice, {"username": alice.username})[1]["items"] == []


def test_a_celebritys_stories_are_merged_into_trays_at_read_time(
    stack: Stack, celebrity_threshold: None, alice: User
) -> None:
    readers = [make_user(prefix="fan") for _ in range(3)]
    for reader in readers:
        follow(reader, alice)
    settle()  # past the threshold: alice is a celebrity, in her followers' celebrity sets
    story = create(stack, alice)
    settle()
    marker = marker_sk(alice.id, story["story_id"])
    assert TrayMarker.count(tray_pk(readers[0].id), TrayMarker.sk == marker) == 0  # no fan-out
    assert tray(readers[0])[alice.username]["story_count"] == 1


def test_each_story_fact_is_one_event(stack: Stack, alice: User, bob: User) -> None:
    from tests.integration.test_events import emitted

    media_id = story_media(stack, alice)
    created: dict[str, Any] = {}

    def post_story() -> None:
        created.update(api("stories", "create_story", alice, body={"media_id": media_id})[1])

    assert emitted(post_story) == ["story_created"]
    sid = created["story_id"]
    assert emitted(lambda: on_story("view_story", bob, sid)) == ["story_viewed"]
    assert emitted(lambda: on_story("view_story", bob, sid)) == []
    assert emitted(lambda: on_story("like_story", bob, sid)) == ["story_liked"]
    assert emitted(lambda: on_story("like_story", bob, sid)) == []
