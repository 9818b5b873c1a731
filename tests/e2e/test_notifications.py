"""Notifications over HTTP on the local cloud: grouped likes and follows, comments, mentions,
settings, the read marker, and pushes recorded by the local SNS (rate-limited)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from moto.sns.models import sns_backends

from infra.local.cloud import LocalCloud
from infra.local.template import ACCOUNT_ID, REGION
from tests.e2e.conftest import Client, queue_drained, sign_up_and_log_in
from tests.e2e.test_social import publish
from tests.e2e.waiting import until, within_promise

PROMISE = 5.0  # the promise: the grouped items are right within 5 s


def notifications(client: Client) -> list[dict[str, Any]]:
    response = client.get("/notifications")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def summary(client: Client) -> list[tuple[str, int, str]]:
    return [(n["type"], n["actor_count"], n["text"]) for n in notifications(client)]


def pushed_to(token: str) -> list[str]:
    """What the embedded SNS published to the device with `token`, read from moto in this
    process (what `python -m infra.local.pushes` reads over HTTP, as one dump of all of moto's
    data: seconds on a loaded machine with the session's data in it)."""
    endpoints = sns_backends[ACCOUNT_ID][REGION].platform_endpoints
    texts = []
    for endpoint in list(endpoints.values()):
        if endpoint.token == token:
            texts += [_text(body) for body in list(endpoint.messages.values())]
    return texts


def _text(body: str) -> str:
    """As infra.local.pushes reads a push: the `default` of its JSON (or the body)."""
    try:
        return str(json.loads(body).get("default", ""))
    except ValueError:
        return body


def test_likes_comments_mentions_and_follows_are_grouped_read_and_pushed(
    cloud: LocalCloud,
) -> None:
    author, second, third, fourth = (
        sign_up_and_log_in(cloud, name) for name in ("aut", "sec", "thi", "fou")
    )
    token = uuid.uuid4().hex * 2  # an APNs token's shape
    device = fourth.post("/me/devices", json={"platform": "ios", "token": token})
    assert device.status_code == 201, device.text

    post_id = publish(author, caption=f"look @{fourth.username}")
    started = time.monotonic()
    assert second.post(f"/posts/{post_id}/like").status_code == 200
    comment = second.post(f"/posts/{post_id}/comments", json={"text": "lovely"})
    assert comment.status_code == 201, comment.text
    assert third.post(f"/posts/{post_id}/like").status_code == 200
    assert author.post(f"/posts/{post_id}/like").status_code == 200  # one's own: not notified
    for follower in (second, third):
        assert follower.post(f"/users/{fourth.username}/follow").status_code == 200

    expected_author = [
        ("like", 2, f"{third.username} and {second.username} liked your post"),
        ("comment", 1, f"{second.username} commented on your post"),
    ]
    until(lambda: summary(author), lambda found: found == expected_author, what="author's")
    expected_fourth = {
        ("follow", 2, f"{third.username} and {second.username} started following you"),
        ("mention", 1, f"{author.username} mentioned you in a post"),
    }
    until(lambda: set(summary(fourth)), lambda found: found == expected_fourth, what="fourth's")
    within_promise(started, PROMISE, "grouped notifications")
    assert all(n["read"] is False for n in notifications(fourth))

    # the first to arrive was pushed at once; the rest within 30 s were held (or shared it)
    until(lambda: pushed_to(token), what="a push to fourth's device")
    queue_drained(cloud, "NotifierQueue")  # every event handled: any second push was sent
    pushed = pushed_to(token)
    assert len(pushed) == 1, pushed  # one push for the burst
    # it names the newest notification as it stood when pushed: the follow group may have
    # had one follower then (the other's follow came in a later batch, held)
    as_pushed = {
        f"{author.username} mentioned you in a post",
        f"{second.username} started following you",
        f"{third.username} started following you",
        f"{third.username} and {second.username} started following you",
    }
    assert any(pushed[0].startswith(text) for text in as_pushed), pushed

    # marking read up to the newest marks everything
    newest = notifications(fourth)[0]["notification_id"]
    assert fourth.post("/notifications/read", json={"up_to": newest}).status_code == 204
    assert all(n["read"] for n in notifications(fourth))
    refused = fourth.post("/notifications/read", json={"up_to": "not-an-id"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "bad_request")

    # likes off: a new like is not notified, a comment still is
    off = {"likes": False, "comments": True, "follows": True, "mentions": True}
    assert author.put("/me/notification-settings", json=off).json() == off
    late = sign_up_and_log_in(cloud, "lat")
    assert late.post(f"/posts/{post_id}/like").status_code == 200
    assert late.post(f"/posts/{post_id}/comments", json={"text": "me too"}).status_code == 201
    until(lambda: summary(author), lambda found: len(found) == 3, what="the late comment")
    assert summary(author)[0] == ("comment", 1, f"{late.username} commented on your post")
    assert ("like", 2, expected_author[0][2]) in summary(author)
