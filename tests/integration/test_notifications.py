"""Notifications through the handlers, against moto: grouping, removals, duplicated and
reordered events, who is told, the routes, settings, the read marker and push."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from functions.notifier import app as notifier_app
from glimpse.clock import now
from glimpse.events import PostLiked, PostUnliked
from glimpse.models.notifications import Device, Notification, NotificationState, recipient_pk
from glimpse.models.posts import Like, like_sk, post_pk
from glimpse.notifications import push
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, post, settle
from tests.integration.test_stories import create as create_story

TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


def listing(user: User, **query: str) -> list[dict[str, Any]]:
    settle()
    status, body = api("notifications", "list", user, query=query or None)
    assert status == 200, body
    return list(body["items"])


def of_type(user: User, kind: str) -> list[dict[str, Any]]:
    return [n for n in listing(user) if n["type"] == kind]


def like(user: User, post_id: str) -> None:
    assert api("posts", "like", user, {"post_id": post_id})[0] == 200


def unlike(user: User, post_id: str) -> None:
    assert api("posts", "unlike", user, {"post_id": post_id})[0] == 200


def names(notification: dict[str, Any]) -> list[str]:
    return [actor["username"] for actor in notification["actors"]]


# ------------------------------------------------------------------ grouping
def test_likes_on_a_post_fold_into_one_notification_newest_first(stack: Stack) -> None:
    author = make_user()
    likers = [make_user() for _ in range(5)]
    post_id = post(author)
    for liker in likers:
        like(liker, post_id)
        settle()  # each its own batch: the group is updated, not made again
    like(author, post_id)  # the author's own like is not notified

    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 5
    assert names(grouped) == [u.username for u in reversed(likers)][:3]
    assert grouped["text"] == f"{likers[-1].username} and 4 others liked your post"
    assert grouped["post_id"] == post_id
    assert grouped["read"] is False

    unlike(likers[-1], post_id)  # the newest actor leaves: no stale actor, the count drops
    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 4
    assert likers[-1].username not in names(grouped)
    assert grouped["text"] == f"{likers[-2].username} and 3 others liked your post"


def test_two_likers_are_both_named(stack: Stack) -> None:
    author, a, b = make_user(), make_user(), make_user()
    post_id = post(author)
    like(a, post_id)
    like(b, post_id)
    (grouped,) = of_type(author, "like")
    assert grouped["text"] == f"{b.username} and {a.username} liked your post"


def test_duplicated_and_shuffled_deliveries_leave_the_same_notifications(stack: Stack) -> None:
    author = make_user()
    likers = [make_user() for _ in range(6)]
    post_id = post(author)
    for liker in likers:
        like(liker, post_id)
    unlike(likers[0], post_id)
    like(likers[0], post_id)  # liked again: in again
    unlike(likers[1], post_id)
    settle(deliveries=3, shuffle=random.Random(7))
    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 5
    assert likers[1].username not in names(grouped)
    settle(deliveries=2)
    assert of_type(author, "like")[0]["actor_count"] == 5


def _deliver(*events: Any) -> dict[str, Any]:
    records = [
        {
            "messageId": f"m{index}",
            "receiptHandle": "r",
            "body": event.model_dump_json(),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:glimpse-NotifierQueue",
            "awsRegion": "us-east-1",
        }
        for index, event in enumerate(events)
    ]
    return notifier_app.lambda_handler({"Records": records}, FakeContext())


def test_an_unlike_delivered_before_its_like_leaves_no_actor(stack: Stack) -> None:
    author, fan, other = make_user(), make_user(), make_user()
    post_id = post(author)
    like(other, post_id)
    settle()
    liked_at = now()
    Like(post_pk(post_id), like_sk(fan.id), user_id=fan.id, created_at=liked_at).save()
    liked = PostLiked(post_id=post_id, author_id=author.id, user_id=fan.id)
    Like(post_pk(post_id), like_sk(fan.id)).delete()
    unliked = PostUnliked(post_id=post_id, author_id=author.id, user_id=fan.id, liked_at=liked_at)
    assert _deliver(unliked)["batchItemFailures"] == []
    assert _deliver(liked, liked)["batchItemFailures"] == []  # the like is gone: no actor
    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 1
    assert names(grouped) == [other.username]


def test_a_redelivered_like_is_counted_once(stack: Stack) -> None:
    author, fan = make_user(), make_user()
    post_id = post(author)
    like(fan, post_id)
    settle()
    liked = PostLiked(post_id=post_id, author_id=author.id, user_id=fan.id)
    before = Notification.by_activity.query(recipient_pk(author.id))
    versions = [int(n.version) for n in before]
    assert _deliver(liked, liked)["batchItemFailures"] == []
    after = [int(n.version) for n in Notification.by_activity.query(recipient_pk(author.id))]
    assert after == versions  # nothing written
    assert of_type(author, "like")[0]["actor_count"] == 1


def test_follows_fold_and_an_unfollow_takes_its_actor_out(stack: Stack) -> None:
    star = make_user()
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        follow(fan, star)
    (grouped,) = of_type(star, "follow")
    assert grouped["actor_count"] == 3
    assert grouped["text"] == f"{fans[-1].username} and 2 others started following you"
    assert api("graph", "unfollow", fans[0], {"username": star.username})[0] == 204
    (grouped,) = of_type(star, "follow")
    assert grouped["actor_count"] == 2
    assert fans[0].username not in names(grouped)


# ------------------------------------------------------------------ who is told what
def test_comments_mentions_requests_and_story_likes(stack: Stack) -> None:
    author, commenter, named, private = make_user(), make_user(), make_user(), make_user(True)
    post_id = post(author, caption=f"with @{named.username} and @{private.username} and @nobody99")
    status, body = api(
        "posts",
        "create_comment",
        commenter,
        {"post_id": post_id},
        body={"text": f"nice one @{named.username}"},
    )
    assert status == 201, body
    comment = of_type(author, "comment")
    assert [n["text"] for n in comment] == [f"{commenter.username} commented on your post"]
    assert comment[0]["comment_id"] == body["comment_id"]
    mentions = {n["comment_id"]: n for n in of_type(named, "mention")}
    assert mentions[None]["text"] == f"{author.username} mentioned you in a post"
    assert (
        mentions[body["comment_id"]]["text"] == f"{commenter.username} mentioned you in a comment"
    )
    assert len(of_type(private, "mention")) == 1  # a public author's post: they may see it

    # a private account's caption mentions someone who does not follow them: not told
    secret = make_user(private=True)
    post(secret, caption=f"hi @{named.username}")
    assert len(of_type(named, "mention")) == 2

    asker = make_user()
    assert follow(asker, private) == "requested"
    (request,) = of_type(private, "follow_request")
    assert request["text"] == f"{asker.username} asked to follow you"
    assert api("graph", "approve", private, {"username": asker.username})[0] == 204
    assert of_type(private, "follow_request") == []  # answered: gone
    (accepted,) = of_type(asker, "follow_accepted")
    assert accepted["text"] == f"{private.username} accepted your follow request"

    fan = make_user()
    follow(fan, author)
    story = create_story(stack, author)
    assert api("stories", "like_story", fan, {"story_id": story["story_id"]})[0] == 204
    (liked,) = of_type(author, "story_like")
    assert liked["text"] == f"{fan.username} liked your story"
    assert liked["story_id"] == story["story_id"]
    assert api("stories", "unlike_story", fan, {"story_id": story["story_id"]})[0] == 204
    assert of_type(author, "story_like") == []


def test_deleted_posts_and_comments_take_their_notifications(stack: Stack) -> None:
    author, fan = make_user(), make_user()
    post_id = post(author)
    status, body = api("posts", "create_comment", fan, {"post_id": post_id}, body={"text": "hey"})
    assert status == 201
    like(fan, post_id)
    assert {n["type"] for n in listing(author)} == {"like", "comment"}
    path = {"post_id": post_id, "comment_id": body["comment_id"]}
    assert api("posts", "delete_comment", fan, path)[0] == 204
    assert {n["type"] for n in listing(author)} == {"like"}
    assert api("posts", "delete_post", author, {"post_id": post_id})[0] == 204
    assert listing(author) == []


def test_blocks_either_way_silence_and_hide(stack: Stack) -> None:
    author, rude, later = make_user(), make_user(), make_user()
    post_id = post(author)
    assert api("graph", "block", author, {"username": rude.username})[0] == 204
    # a block stops a like at the request already; an event of one sent before is dropped
    Like(post_pk(post_id), like_sk(rude.id), user_id=rude.id, created_at=now()).save()
    _deliver(PostLiked(post_id=post_id, author_id=author.id, user_id=rude.id))
    like(later, post_id)
    (grouped,) = of_type(author, "like")
    assert names(grouped) == [later.username]
    assert grouped["actor_count"] == 1
    assert api("graph", "block", later, {"username": author.username})[0] == 204
    assert of_type(author, "like") == []  # blocked after the fact: hidden when read


# ------------------------------------------------------------------ the routes
def test_settings_turn_types_off_and_bad_settings_change_nothing(stack: Stack) -> None:
    author, fan = make_user(), make_user()
    status, body = api("notifications", "settings", author)
    assert (status, body) == (
        200,
        {"likes": True, "comments": True, "follows": True, "mentions": True},
    )
    off = {"likes": False, "comments": True, "follows": True, "mentions": True}
    assert api("notifications", "update_settings", author, body=off) == (200, off)
    for bad in ({"likes": "no"}, {**off, "likes": 0}, {**off, "extra": True}, [1]):
        status, body = api("notifications", "update_settings", author, body=bad)
        assert status == 400, bad
        assert body["error"]["code"] == "bad_request"
    assert api("notifications", "settings", author)[1] == off
    post_id = post(author)
    like(fan, post_id)
    api("posts", "create_comment", fan, {"post_id": post_id}, body={"text": "hi"})
    assert {n["type"] for n in listing(author)} == {"comment"}


def test_mark_read_up_to_an_id(stack: Stack) -> None:
    author = make_user()
    fans = [make_user() for _ in range(3)]
    post_ids = [post(author) for _ in fans]
    for fan, post_id in zip(fans, post_ids, strict=True):
        like(fan, post_id)
        settle()
    items = listing(author)
    assert len(items) == 3
    assert not any(n["read"] for n in items)
    status, _ = api(
        "notifications", "mark_read", author, body={"up_to": items[1]["notification_id"]}
    )
    assert status == 204
    assert [n["read"] for n in listing(author)] == [False, True, True]
    for bad in ({"up_to": "nope"}, {}, {"up_to": items[0]["notification_id"], "x": 1}):
        status, body = api("notifications", "mark_read", author, body=bad)
        assert status == 400
        assert body["error"]["code"] == "bad_request"
    # a made-up id past the newest marks only what exists now
    assert (
        api("notifications", "mark_read", author, body={"up_to": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"})[0]
        == 204
    )
    assert all(n["read"] for n in listing(author))
    like(make_user(), post_ids[0])  # a new actor: the group is unread again, on top
    first = listing(author)[0]
    assert first["post_id"] == post_ids[0]
    assert first["read"] is False
    assert first["notification_id"] > items[0]["notification_id"]


def test_the_list_pages_with_a_cursor_and_shows_only_ones_own(stack: Stack) -> None:
    author, other = make_user(), make_user()
    fans = [make_user() for _ in range(5)]
    for fan in fans:
        follow(fan, author)
        post_id = post(author)
        like(fan, post_id)
    settle()
    status, first = api("notifications", "list", author, query={"limit": "4"})
    assert status == 200
    assert len(first["items"]) == 4
    assert first["next_cursor"]
    status, second = api(
        "notifications", "list", author, query={"limit": "4", "cursor": first["next_cursor"]}
    )
    assert status == 200
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [n["notification_id"] for n in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 6
    status, _body = api("notifications", "list", other, query={"cursor": first["next_cursor"]})
    assert status == 400  # another user's cursor
    assert api("notifications", "list", other)[1]["items"] == []


# ------------------------------------------------------------------ push
def _endpoint_messages(stack: Stack) -> dict[str, list[str]]:
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return {
        endpoint.token: [json.loads(m)["default"] for m in endpoint.messages.values()]
        for endpoint in backend.platform_endpoints.values()
    }


def test_a_device_gets_pushes_rate_limited_and_a_gone_endpoint_is_removed(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    author = make_user()
    token = TOKEN + "1"
    status, body = api(
        "notifications", "register_device", author, body={"platform": "ios", "token": token}
    )
    assert status == 201
    assert body["platform"] == "ios"
    assert (
        api("notifications", "register_device", author, body={"platform": "ios", "token": token})[0]
        == 201
    )
    for bad in ({"platform": "windows", "token": token}, {"platform": "ios", "token": "x"}, {}):
        assert api("notifications", "register_device", author, body=bad)[0] == 400

    post_id = post(author)
    fans = [make_user() for _ in range(4)]
    like(fans[0], post_id)
    settle()
    assert _endpoint_messages(stack)[token] == [f"{fans[0].username} liked your post"]
    logged = [r.__dict__.get("text") for r in caplog.records if r.getMessage() == "push sent"]
    assert logged == [f"{fans[0].username} liked your post"]  # a log line per push
    for fan in fans[1:]:  # a burst within the interval: held, not pushed
        like(fan, post_id)
        settle()
    assert len(_endpoint_messages(stack)[token]) == 1
    state = NotificationState.get(recipient_pk(author.id), "STATE")
    assert int(state.held) == 3

    # the interval passes: the held message (on the notifier's queue) sends one push for all
    state.update(actions=[NotificationState.pushed_at.set(now() - timedelta(seconds=31))])
    assert len(push.flush(author.id).sent) == 1
    pushed = _endpoint_messages(stack)[token]
    assert pushed[-1] == f"{fans[-1].username} and 3 others liked your post, and 2 more"
    assert len(pushed) == 2

    # SNS disables the endpoint (the app was uninstalled): the next push removes the device
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    (endpoint,) = [e for e in backend.platform_endpoints.values() if e.token == token]
    endpoint.attributes["Enabled"] = False
    state.update(actions=[NotificationState.pushed_at.set(now() - timedelta(seconds=31))])
    follow(make_user(), author)
    settle()
    assert list(Device.query(recipient_pk(author.id), Device.sk.startswith("DEVICE#"))) == []
    assert token not in _endpoint_messages(stack)  # its endpoint is deleted too


def test_a_token_that_moves_to_another_account_stops_the_first_ones_pushes(stack: Stack) -> None:
    first, second = make_user(), make_user()
    token = TOKEN + "2"
    for user in (first, second):
        body = {"platform": "android", "token": token}
        assert api("notifications", "register_device", user, body=body)[0] == 201
    follow(make_user(), first)
    follow(make_user(), second)
    settle()
    pushed = _endpoint_messages(stack)[token]
    assert len(pushed) == 1
    assert "started following you" in pushed[0]


# ------------------------------------------------------------------ edge cases of grouping
def _like_at(post_id: str, user: User, moment: datetime) -> PostLiked:
    Like(post_pk(post_id), like_sk(user.id), user_id=user.id, created_at=moment).save()
    return PostLiked(post_id=post_id, author_id=lambda_author(post_id), user_id=user.id)


def lambda_author(post_id: str) -> str:
    from glimpse.models.posts import POST, Post

    return str(Post.get(post_pk(post_id), POST).author_id)


@pytest.mark.parametrize("gap", [timedelta(milliseconds=5), timedelta(seconds=3)])
def test_an_old_unlike_after_a_new_like_keeps_the_new_like(stack: Stack, gap: timedelta) -> None:
    """Like, unlike, like again (in the same second, or later): the unlike of the first like
    arriving after the second like's event takes nothing away, and nobody counts twice."""
    author, fan = make_user(), make_user()
    post_id = post(author)
    first = now().replace(microsecond=100_000)
    liked = _like_at(post_id, fan, first)
    assert _deliver(liked)["batchItemFailures"] == []
    second = first + gap
    again = _like_at(post_id, fan, second)  # the like now is the second one
    unliked = PostUnliked(post_id=post_id, author_id=author.id, user_id=fan.id, liked_at=first)
    assert _deliver(again)["batchItemFailures"] == []
    assert _deliver(unliked, unliked)["batchItemFailures"] == []
    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 1
    assert names(grouped) == [fan.username]


def test_a_redelivered_like_with_other_changes_is_not_news(stack: Stack) -> None:
    from glimpse.notifications import notifier

    author, fan, other = make_user(), make_user(), make_user()
    post_id = post(author)
    like(fan, post_id)
    like(other, post_id)
    settle()
    liked = PostLiked(post_id=post_id, author_id=author.id, user_id=fan.id)
    stored = Like.get(post_pk(post_id), like_sk(other.id))
    Like(post_pk(post_id), like_sk(other.id)).delete()
    gone = PostUnliked(
        post_id=post_id, author_id=author.id, user_id=other.id, liked_at=stored.created_at
    )
    outcome = notifier.notify([("a", liked), ("b", gone)])
    assert outcome.failed == set()
    assert outcome.notified == []  # nothing new to push: one left, one was there already
    (grouped,) = of_type(author, "like")
    assert grouped["actor_count"] == 1


def test_a_backlog_spread_over_many_seconds_is_written_in_parts(stack: Stack) -> None:
    from glimpse.notifications import kinds
    from glimpse.notifications.grouping import ROOT_MEMBERS, Change, Target, apply_group

    author = make_user()
    post_id = post(author)
    start = now().replace(microsecond=0)
    fans = [make_user() for _ in range(ROOT_MEMBERS + 130)]
    changes = [
        Change(fan.id, start + timedelta(seconds=i), f"01JD0Z8Q5M3S4V6X7Y8Z{i:06d}", True)
        for i, fan in enumerate(fans)
    ]
    target = Target(author.id, kinds.like_key(post_id, start), "like", post_id=post_id)
    written = apply_group(target, changes, sleep=lambda _s: None)
    assert written.notification is not None
    assert int(written.notification.actor_count) == len(fans)
    assert apply_group(target, changes, sleep=lambda _s: None).items_written == 0  # again: nothing


def test_a_comment_naming_the_post_author_is_one_notification(stack: Stack) -> None:
    author, fan = make_user(), make_user()
    post_id = post(author)
    status, _ = api(
        "posts",
        "create_comment",
        fan,
        {"post_id": post_id},
        body={"text": f"@{author.username} look"},
    )
    assert status == 201
    items = listing(author)
    assert [n["type"] for n in items] == ["comment"]


def test_a_mention_in_a_post_hidden_by_moderation_is_not_shown(stack: Stack) -> None:
    from glimpse.models.media import MEDIA, MediaItem, media_pk
    from glimpse.models.posts import POST, Post

    author, named = make_user(), make_user()
    post_id = post(author, caption=f"hi @{named.username}")
    assert len(of_type(named, "mention")) == 1
    (media_id,) = Post.get(post_pk(post_id), POST).media_ids
    MediaItem(media_pk(media_id), MEDIA).update(actions=[MediaItem.status.set("rejected")])
    assert of_type(named, "mention") == []
    hidden = post(author, caption=f"again @{named.username}")
    (media_id,) = Post.get(post_pk(hidden), POST).media_ids
    MediaItem(media_pk(media_id), MEDIA).update(actions=[MediaItem.status.set("rejected")])
    settle()
    assert of_type(named, "mention") == []


def test_a_token_sns_refuses_is_a_400(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from glimpse.adapters import push as push_adapter

    class Refusing:
        def create_platform_endpoint(self, **_kwargs: Any) -> Any:
            error = {"Code": "InvalidParameter", "Message": "Invalid parameter: Token"}
            raise ClientError({"Error": error}, "CreatePlatformEndpoint")

    monkeypatch.setattr(push_adapter, "sns", lambda: Refusing())
    user = make_user()
    status, body = api(
        "notifications", "register_device", user, body={"platform": "ios", "token": "zz" * 32}
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "token"


def test_pushes_count_what_was_held_and_users_without_devices_cost_no_write(
    stack: Stack,
) -> None:
    lonely = make_user()
    like(make_user(), post(lonely))
    settle()
    assert listing(lonely)  # notified
    with pytest.raises(NotificationState.DoesNotExist):  # no device: no push state written
        NotificationState.get(recipient_pk(lonely.id), "STATE")

    author = make_user()
    token = TOKEN + "3"
    body = {"platform": "android", "token": token}
    assert api("notifications", "register_device", author, body=body)[0] == 201
    long_ago = now() - timedelta(minutes=10)
    NotificationState(
        recipient_pk(author.id), "STATE", pushed_at=long_ago, held=2, flush_at=long_ago
    ).save()  # two held, and the flush planned for them was lost
    fan = make_user()
    follow(fan, author)
    settle()
    assert _endpoint_messages(stack)[token] == [f"{fan.username} started following you, and 2 more"]
    state = NotificationState.get(recipient_pk(author.id), "STATE")
    assert int(state.held) == 0
    assert state.flush_at is None
