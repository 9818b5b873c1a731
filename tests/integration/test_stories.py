"""Stories through the handlers, against moto: create, tray, views, likes, viewers, expiry,
the reaper, highlights and close friends."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from functions.story_reaper import app as reaper
from glimpse.clock import first_id_at, now
from glimpse.config import get_settings
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import (
    STORY,
    Story,
    TrayMarker,
    marker_prefix,
    marker_sk,
    story_pk,
    tray_pk,
)
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack
from tests.integration.social import (
    User,
    api,
    dynamodb_calls,
    follow,
    make_media,
    make_user,
    settle,
)
from tests.integration.test_events import emitted

SIZES = ("1080", "640", "320", "150")
EDGES = ("720", "480")


def story_media(stack: Stack, user: User, status: str = "ready", video: bool = False) -> str:
    """A story media item as the thumbnailer (or the transcoder) leaves it, with its
    renditions (and MP4s) in the bucket."""
    media_id = make_media(user, status=status, kind="story")
    if status == "ready":
        keys = {size: f"renditions/stories/{media_id}/{size}.jpg" for size in SIZES}
        item = MediaItem.get(media_pk(media_id), MEDIA)
        item.update(actions=[MediaItem.renditions.set(keys)])
        if video:
            videos = {edge: f"renditions/stories/{media_id}/{edge}.mp4" for edge in EDGES}
            item.update(
                actions=[
                    MediaItem.media_type.set("video"),
                    MediaItem.duration_ms.set(4200),
                    MediaItem.videos.set(videos),
                ]
            )
            keys = {**keys, **videos}
        for key in keys.values():
            stack.client("s3").put_object(Bucket=bucket(), Key=key, Body=b"media")
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


def reap(story: dict[str, Any], owner: User, expired: bool = False) -> None:
    """The Stories stream's REMOVE of the story item (by its TTL, or else by its owner's
    delete, now: before its expiry), delivered to the reaper."""
    event = load_event("story_reaper/story_expired")
    change = event["Records"][0]["dynamodb"]
    if not expired:
        del event["Records"][0]["userIdentity"]
        change["ApproximateCreationDateTime"] = int(time.time())
    image = change["OldImage"]
    image["story_id"]["S"] = story["story_id"]
    image["owner_id"]["S"] = owner.id
    image["media_id"]["S"] = story["media"]["media_id"]
    image["expires_at"]["N"] = str(int(datetime.fromisoformat(story["expires_at"]).timestamp()))
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
    assert emitted(lambda: reap(kept, alice)) == []  # a re-delivery: no second story_removed
    assert len(objects(stack, f"renditions/kept/{media_id}/")) == len(SIZES)


def test_an_expired_story_costs_no_second_fan_out(stack: Stack, alice: User, bob: User) -> None:
    """Its markers expire with it (same expires_at, and reads filter on it): the reaper
    deletes its media and emits nothing."""
    follow(bob, alice)
    story = create(stack, alice)
    settle()
    expire(story["story_id"])
    Story(story_pk(story["story_id"]), STORY).delete()  # what the TTL does
    assert emitted(lambda: reap(story, alice, expired=True)) == []
    media_id = story["media"]["media_id"]
    assert objects(stack, f"renditions/stories/{media_id}/") == []
    assert alice.username not in tray(bob)


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


def test_follows_back_fill_the_tray_and_unfollows_prune_it(
    stack: Stack, alice: User, bob: User
) -> None:
    story = create(stack, alice)
    settle()
    assert alice.username not in tray(bob)
    follow(bob, alice)
    settle()
    assert tray(bob)[alice.username]["story_count"] == 1  # the live story, back-filled
    assert api("graph", "unfollow", bob, {"username": alice.username})[0] == 204
    settle()
    markers = list(TrayMarker.query(tray_pk(bob.id), TrayMarker.sk.startswith("STORY#")))
    assert [m.story_id for m in markers if m.owner_id == alice.id] == []
    assert on_story("delete_story", alice, story["story_id"]) == (204, None)
    follow(bob, alice)
    settle()
    assert alice.username not in tray(bob)  # the deleted story does not come back


def test_a_close_friend_added_after_a_story_sees_it_in_the_tray(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    """Added to the list after a close-friends story was posted: the tray counts it (and it is
    unseen), as for a friend on the list when it was posted; a follower not on the list, or a
    friend who does not follow, gets nothing."""
    dan = make_user(prefix="dan")  # on the list from the start: what bob should get
    for reader in (bob, carol, dan):
        follow(reader, alice)
    settle()
    api("stories", "set_close_friends", alice, body={"usernames": [dan.username]})
    shared = create(stack, alice)
    settle()
    assert on_story("view_story", bob, shared["story_id"]) == (204, None)
    assert tray(bob)[alice.username]["has_unseen"] is False
    close = create(stack, alice, audience="close_friends")
    settle()
    assert (tray(bob)[alice.username]["story_count"], tray(dan)[alice.username]["story_count"]) == (
        1,
        2,
    )

    stranger = make_user(prefix="str")  # on the list, not a follower
    with dynamodb_calls() as calls:
        assert api(
            "stories",
            "set_close_friends",
            alice,
            body={"usernames": [dan.username, bob.username, stranger.username]},
        ) == (204, None)
    assert calls == [  # docs/access-patterns.md, PUT /me/close-friends
        *("BatchGetItem", "BatchGetItem", "Query", "BatchWriteItem"),  # the list
        *("Query", "BatchGetItem", "BatchWriteItem", "BatchGetItem"),  # the tray back-fill
    ]
    entry = tray(bob)[alice.username]
    assert (entry["story_count"], entry["has_unseen"]) == (2, True)
    assert tray(bob)[alice.username] == {**tray(dan)[alice.username], "has_unseen": True}
    assert tray(carol)[alice.username]["story_count"] == 1  # not on the list
    assert alice.username not in tray(stranger)
    markers = TrayMarker.count(
        tray_pk(stranger.id), TrayMarker.sk == marker_sk(alice.id, close["story_id"])
    )
    assert markers == 0  # nothing written for a reader who does not follow
    assert on_story("view_story", bob, close["story_id"]) == (204, None)
    assert tray(bob)[alice.username]["has_unseen"] is False

    # Following later brings it in too (the follow's back-fill), and a deleted story does not
    # come back with a later change of the list.
    follow(stranger, alice)
    settle()
    assert tray(stranger)[alice.username]["story_count"] == 2
    assert on_story("delete_story", alice, close["story_id"]) == (204, None)
    reap(close, alice)
    settle()
    api("stories", "set_close_friends", alice, body={"usernames": []})
    api("stories", "set_close_friends", alice, body={"usernames": [bob.username]})
    assert tray(bob)[alice.username]["story_count"] == 1


def test_outside_the_audience_a_story_does_not_exist_private_or_not(
    stack: Stack, bob: User, carol: User
) -> None:
    owner = make_user(private=True, prefix="priv")
    follow(carol, owner)
    api("graph", "approve", owner, {"username": carol.username})
    api("stories", "set_close_friends", owner, body={"usernames": [carol.username]})
    close = create(stack, owner, audience="close_friends")
    for name in ("view_story", "like_story", "viewers"):
        status, body = on_story(name, bob, close["story_id"])  # a non-follower
        assert (status, body["error"]["code"]) == (404, "not_found"), name
    assert on_story("view_story", carol, close["story_id"]) == (204, None)


def test_close_friends_stories_in_highlights_show_to_the_list_only(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    follow(bob, alice)
    follow(carol, alice)
    api("stories", "set_close_friends", alice, body={"usernames": [bob.username]})
    shared, close = create(stack, alice), create(stack, alice, audience="close_friends")
    ids = [shared["story_id"], close["story_id"]]
    assert (
        api("stories", "create_highlight", alice, body={"title": "t", "story_ids": ids})[0] == 201
    )

    def shown(viewer: User) -> list[str]:
        _, page = api("stories", "user_highlights", viewer, {"username": alice.username})
        return [s["story_id"] for s in page["items"][0]["stories"]]

    assert shown(alice) == ids
    assert shown(bob) == ids
    assert shown(carol) == [shared["story_id"]]


def test_a_users_stories_are_found_past_any_number_of_expired_ones(
    stack: Stack, alice: User, bob: User
) -> None:
    """Expired items the TTL has not deleted yet (it may take days) are never read."""
    from glimpse.clock import new_id
    from glimpse.models.batch import write_many
    from glimpse.models.stories import owner_pk

    old = now() - timedelta(days=2)
    stale = []
    for _ in range(150):
        sid = new_id()
        stale.append(
            Story(
                story_pk(sid),
                STORY,
                story_id=first_id_at(old)[:10] + sid[10:],
                owner_id=alice.id,
                media_id=new_id(),
                audience="followers",
                created_at=old,
                expires_at=old + timedelta(days=1),
                owner_pk=owner_pk(alice.id),
                story_sk=first_id_at(old)[:10] + sid[10:],
            )
        )
    write_many(Story, puts=stale)
    live = create(stack, alice)
    assert [s["story_id"] for s in stories_of(bob, alice)[1]["items"]] == [live["story_id"]]


def test_a_story_fan_out_pages_through_followers_then_close_friends(
    stack: Stack, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A removal reaches followers and close friends in pages, each continuation resuming
    from the edge sort key it carries (the kind is in the key); a legacy bare key still works."""
    from glimpse import jobs
    from glimpse.consumers import feed_jobs
    from glimpse.events import StoryRemoved
    from glimpse.feed import fanout

    monkeypatch.setattr(jobs, "PAGE", 2)
    followers = [make_user(prefix="f") for _ in range(3)]
    friends = [make_user(prefix="c") for _ in range(3)]
    for reader in followers + friends[:2]:
        follow(reader, alice)
    settle()
    api("stories", "set_close_friends", alice, body={"usernames": [f.username for f in friends]})
    story = create(stack, alice, audience="close_friends")
    settle()
    with_marker = {
        reader.username
        for reader in followers + friends
        if TrayMarker.count(
            tray_pk(reader.id), TrayMarker.sk == marker_sk(alice.id, story["story_id"])
        )
    }
    assert with_marker == {f.username for f in friends[:2]}  # close friends who follow

    queue: list[dict[str, Any]] = []
    event = StoryRemoved(story_id=story["story_id"], owner_id=alice.id)
    stats = [feed_jobs.on_event(event, queue.extend)]
    while queue:
        stats.append(feed_jobs.run(queue.pop(0), queue.extend))
    afters = [s for s in stats if s.continued]
    assert len(stats) >= 4  # 2 pages of followers, then close friends in pages
    assert afters
    assert not any(
        TrayMarker.count(tray_pk(r.id), TrayMarker.sk == marker_sk(alice.id, story["story_id"]))
        for r in followers + friends
    )
    monkeypatch.setattr(fanout, "FOLLOWER_PAGE", 2)  # a post's pages are sized apart
    legacy = {"type": "fanout", "event_id": "e", "post_id": "p", "author_id": alice.id}
    job = {**legacy, "action": "remove", "after": f"FOLLOWER#{sorted(f.id for f in followers)[0]}"}
    assert feed_jobs.run(job, queue.extend).followers == 2  # the two followers after that key


def test_a_removal_that_overtakes_the_fan_out_leaves_no_marker(
    stack: Stack, alice: User, bob: User
) -> None:
    """The story is deleted between the add's check and its write: the add re-checks after
    writing and deletes the page again."""
    from glimpse.consumers import feed_jobs
    from glimpse.stories import tray

    follow(bob, alice)
    settle()
    story = create(stack, alice)
    job = {
        "type": "story_fanout",
        "event_id": "e1",
        "story_id": story["story_id"],
        "owner_id": alice.id,
        "audience": "followers",
        "expires_at": int((now() + timedelta(hours=1)).timestamp()),
        "action": "add",
    }
    real = tray.write_many

    def write_then_delete(model: Any, puts: Any = (), deletes: Any = ()) -> int:
        written = real(model, puts=puts, deletes=deletes)
        if puts:  # the owner's DELETE commits right after the page is written
            Story(story_pk(story["story_id"]), STORY).delete()
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tray, "write_many", write_then_delete)
        stats = feed_jobs.run(job, lambda jobs: None)
    assert "story removed meanwhile" in " ".join(stats.notes)
    assert (
        TrayMarker.count(tray_pk(bob.id), TrayMarker.sk == marker_sk(alice.id, story["story_id"]))
        == 0
    )


def test_a_story_deleted_during_a_close_friends_back_fill_leaves_no_marker(
    stack: Stack, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's delete commits between the back-fill's read of the live stories and its
    write: the stories are read again after writing, and the deleted one's marker goes."""
    from glimpse.stories import tray as tray_module

    follow(bob, alice)
    settle()
    kept, deleted = (create(stack, alice, audience="close_friends") for _ in range(2))
    settle()
    real = tray_module.write_many

    def write_then_delete(model: Any, puts: Any = (), deletes: Any = ()) -> int:
        written = real(model, puts=puts, deletes=deletes)
        if puts:
            Story(story_pk(deleted["story_id"]), STORY).delete()
        return written

    monkeypatch.setattr(tray_module, "write_many", write_then_delete)
    assert api("stories", "set_close_friends", alice, body={"usernames": [bob.username]}) == (
        204,
        None,
    )
    monkeypatch.undo()
    markers = TrayMarker.query(tray_pk(bob.id), TrayMarker.sk.startswith(marker_prefix(alice.id)))
    assert [m.story_id for m in markers] == [kept["story_id"]]
    assert tray(bob)[alice.username]["story_count"] == 1


def test_a_video_story_is_kept_by_a_highlight_and_reaped_with_its_mp4s(
    stack: Stack, alice: User, bob: User
) -> None:
    follow(bob, alice)
    media_id = story_media(stack, alice, video=True)
    status, story = api("stories", "create_story", alice, body={"media_id": media_id})
    assert status == 201, story
    assert (story["media"]["media_type"], story["media"]["duration_ms"]) == ("video", 4200)
    assert set(story["media"]["video"]) == set(EDGES)
    status, highlight = api(
        "stories",
        "create_highlight",
        alice,
        body={"title": "Clips", "story_ids": [story["story_id"]]},
    )
    assert status == 201, highlight
    kept = highlight["stories"][0]["media"]
    assert kept["media_type"] == "video"
    assert all("/kept/" in url and url.endswith(".mp4") for url in kept["video"].values())
    copies = sorted(objects(stack, f"renditions/kept/{media_id}/"))
    assert [key for key in copies if key.endswith(".mp4")] == [
        f"renditions/kept/{media_id}/{edge}.mp4" for edge in sorted(EDGES)
    ]
    head = stack.client("s3").head_object(
        Bucket=bucket(), Key=f"renditions/kept/{media_id}/720.mp4"
    )
    assert head["ContentType"] == "video/mp4"

    assert on_story("delete_story", alice, story["story_id"]) == (204, None)
    reap(story, alice)
    assert objects(stack, f"renditions/stories/{media_id}/") == []  # MP4s too
    assert len(objects(stack, f"renditions/kept/{media_id}/")) == len(SIZES) + len(EDGES)
