"""Reports and moderation over HTTP on the local cloud: a report reaches the moderators'
queue; a removal hides a post from a follower's feed, its hashtag page, search and the
author's profile (the author still sees it, `removed`, and is told), and a restore brings it
back; a suspension refuses the account's sign-in and its old ID token, until it is lifted;
and nobody but a moderator reaches `/moderation/*`."""

from __future__ import annotations

import time
from typing import Any

import requests

from infra.local import moderator as moderators
from infra.local.cloud import LocalCloud
from tests.e2e.conftest import PASSWORD, Client, sign_up_and_log_in
from tests.e2e.test_search import searched_posts, tagged
from tests.e2e.test_sessions import SESSION_DEADLINE, log_in
from tests.e2e.test_social import publish
from tests.e2e.waiting import until, within_promise


def a_moderator(cloud: LocalCloud) -> Client:
    """A new account made a moderator as `make moderator` does, signed in again."""
    client = sign_up_and_log_in(cloud, "mod")
    moderators.change(cloud.endpoint, client.username)
    return log_in(cloud, client.username).client


def queue(client: Client) -> list[dict[str, Any]]:
    response = client.get("/moderation/queue", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def act(client: Client, target_type: str, target_id: str, action: str) -> None:
    body = {"target_type": target_type, "target_id": target_id, "action": action}
    response = client.post("/moderation/actions", json=body)
    assert response.status_code == 204, response.text


def feed(client: Client) -> list[str]:
    response = client.get("/feed")
    assert response.status_code == 200, response.text
    return [p["post_id"] for p in response.json()["items"]]


def profile_posts(client: Client, username: str) -> list[dict[str, Any]]:
    response = client.get(f"/users/{username}/posts")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_report_queue_remove_and_restore(cloud: LocalCloud) -> None:
    author, follower = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    moderator = a_moderator(cloud)
    assert follower.post(f"/users/{author.username}/follow").status_code == 200
    post_id = publish(author, "cheap pills here #modtest")
    until(lambda: feed(follower), lambda ids: post_id in ids, what="the post in the feed")
    until(lambda: tagged(follower, "modtest"), lambda ids: post_id in ids, what="hashtag page")

    report = {"target_type": "post", "target_id": post_id, "reason": "scam", "note": "spam bot"}
    response = follower.post("/reports", json=report)
    assert response.status_code == 202, response.text
    assert follower.post("/reports", json=report).json() == response.json()  # one per reporter
    case = until(
        lambda: [c for c in queue(moderator) if c["target_id"] == post_id],
        what="the report in the moderators' queue",
    )[0]
    assert (case["report_count"], case["reasons"]) == (1, {"scam": 1})
    assert case["target"]["caption"] == "cheap pills here #modtest"

    act(moderator, "post", post_id, "remove")
    assert post_id not in feed(follower)
    assert follower.get(f"/posts/{post_id}").status_code == 404
    assert profile_posts(follower, author.username) == []
    mine = author.get(f"/posts/{post_id}").json()
    assert mine["removed"] is True
    assert [p["removed"] for p in profile_posts(author, author.username)] == [True]
    until(lambda: tagged(follower, "modtest"), lambda ids: post_id not in ids, what="untagged")
    assert post_id not in searched_posts(follower, "cheap pills")
    until(
        lambda: author.get("/notifications").json()["items"],
        lambda items: any(n["type"] == "content_removed" for n in items),
        what="the author told of the removal",
    )
    assert all(c["target_id"] != post_id for c in queue(moderator))

    act(moderator, "post", post_id, "restore")
    assert post_id in feed(follower)
    assert follower.get(f"/posts/{post_id}").json()["removed"] is False
    until(lambda: tagged(follower, "modtest"), lambda ids: post_id in ids, what="tagged again")
    log = moderator.get("/moderation/log").json()["items"]
    assert [(e["action"], e["target_id"]) for e in log[:2]] == [
        ("restore", post_id),
        ("remove", post_id),
    ]


def test_suspension_refuses_sign_in_and_old_tokens_until_lifted(cloud: LocalCloud) -> None:
    troll, other = sign_up_and_log_in(cloud, "troll"), sign_up_and_log_in(cloud, "other")
    moderator = a_moderator(cloud)
    report = {"target_type": "user", "target_id": troll.username, "reason": "harassment"}
    assert other.post("/reports", json=report).status_code == 202
    started = time.monotonic()
    act(moderator, "user", troll.username, "suspend")
    until(
        lambda: troll.get("/me").status_code,
        lambda status: status == 401,
        what="the suspended account's old ID token refused",
        deadline=SESSION_DEADLINE,
    )
    within_promise(started, 60, "an old token refused after a suspension")
    login = {"username": troll.username, "password": PASSWORD}
    refused = requests.post(f"{cloud.url}/auth/login", json=login, timeout=30)
    assert refused.status_code == 401, refused.text
    assert other.get(f"/users/{troll.username}").status_code == 404  # hidden as if deleted

    act(moderator, "user", troll.username, "unsuspend")
    back = log_in(cloud, troll.username).client
    assert back.get("/me").status_code == 200
    assert other.get(f"/users/{troll.username}").status_code == 200


def test_only_moderators_reach_the_moderation_routes(cloud: LocalCloud, alice: Client) -> None:
    action = {"target_type": "user", "target_id": alice.username, "action": "dismiss"}
    for method, path, body in (
        ("GET", "/moderation/queue", None),
        ("POST", "/moderation/actions", action),
        ("GET", "/moderation/log", None),
    ):
        response = alice.request(method, path, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "forbidden"
        assert Client(cloud.url).request(method, path, json=body).status_code == 401
