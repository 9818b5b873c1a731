"""API.md's `DELETE /me` and `POST /me/restore`, over HTTP against the local cloud (its
30-day grace period: nothing here is erased): a deleted account is gone at once for everyone
else, can only sign in to come back, and comes back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import PASSWORD, Client, sign_up_and_log_in
from tests.e2e.test_sessions import Session, error_of, refused
from tests.e2e.test_social import feed, publish
from tests.e2e.waiting import until


def items(client: Client, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def usernames(client: Client, path: str) -> list[str]:
    return [entry["username"] for entry in items(client, path)]


def seen_by_bob(bob: Client, alice: str, alice_post: str, bob_post: str) -> dict[str, Any]:
    """Everything of alice's that bob's reads show."""
    comments = items(bob, f"/posts/{bob_post}/comments")
    tag = tag_of(alice)
    return {
        "found": alice in usernames(bob, f"/search?q={alice}&type=users"),
        "tagged": alice_post in [p["post_id"] for p in items(bob, f"/hashtags/{tag}/posts")],
        "searched": alice_post in [p["post_id"] for p in items(bob, f"/search?q={tag}&type=posts")],
        "profile": bob.get(f"/users/{alice}").status_code,
        "post": bob.get(f"/posts/{alice_post}").status_code,
        "in_feed": alice_post in feed(bob),
        "follower": alice in usernames(bob, f"/users/{bob.username}/followers"),
        "following": alice in usernames(bob, f"/users/{bob.username}/following"),
        "liker": alice in usernames(bob, f"/posts/{bob_post}/likes"),
        "commenter": alice in [c["author"]["username"] for c in comments],
    }


def counts(bob: Client, alice: str, bob_post: str) -> dict[str, int]:
    """The counts of alice's profile and bob's, and of bob's post, as bob reads them."""
    post = bob.get(f"/posts/{bob_post}").json()
    found: dict[str, int] = {"likes": post["like_count"], "comments": post["comment_count"]}
    for name in (alice, bob.username):
        user = bob.get(f"/users/{name}").json()
        for field in ("followers_count", "following_count", "posts_count"):
            found[f"{name}.{field}"] = user[field]
    return found


def tag_of(username: str) -> str:
    return "t" + username.replace("_", "")


PRESENT = {
    "found": True,
    "tagged": True,
    "searched": True,
    "profile": 200,
    "post": 200,
    "in_feed": True,
    "follower": True,
    "following": True,
    "liker": True,
    "commenter": True,
}
GONE = {
    "found": False,
    "tagged": False,
    "searched": False,
    "profile": 404,
    "post": 404,
    "in_feed": False,
    "follower": False,
    "following": False,
    "liker": False,
    "commenter": False,
}


def test_a_deleted_account_is_gone_at_once_and_comes_back_whole(cloud: LocalCloud) -> None:
    alice, bob = sign_up_and_log_in(cloud, "leaver"), sign_up_and_log_in(cloud, "stayer")
    for a, b in ((alice, bob), (bob, alice)):
        assert a.post(f"/users/{b.username}/follow").status_code == 200
    alice_post, bob_post = publish(alice, f"#{tag_of(alice.username)} soon"), publish(bob, "stay")
    assert alice.post(f"/posts/{bob_post}/like").status_code in (200, 204)
    assert alice.post(f"/posts/{bob_post}/comments", json={"text": "bye"}).status_code == 201
    chat = alice.post("/conversations", json={"usernames": [bob.username]}).json()
    chat_messages = f"/conversations/{chat['conversation_id']}/messages"
    assert alice.post(chat_messages, json={"text": "see you"}).status_code == 201

    def senders() -> list[Any]:
        """Who bob's conversation with alice says sent its messages, and its last one."""
        listed = [m["sender"] for m in items(bob, chat_messages)]
        (entry,) = [
            c
            for c in items(bob, "/conversations")
            if c["conversation_id"] == chat["conversation_id"]
        ]
        return [*listed, entry["last_message"]["sender"]]

    until(
        lambda: seen_by_bob(bob, alice.username, alice_post, bob_post),
        lambda seen: seen == PRESENT,
        what="alice's post in bob's feed",
    )

    counts_before = {"likes": 1, "comments": 1} | {
        f"{name}.{field}": 1
        for name in (alice.username, bob.username)
        for field in ("followers_count", "following_count", "posts_count")
    }
    until(
        lambda: counts(bob, alice.username, bob_post),
        lambda seen: seen == counts_before,
        what="every count applied",
    )

    wrong = alice.request("DELETE", "/me", json={"password": "not-her-password-1"})
    assert wrong.status_code == 401, wrong.text
    assert bob.get(f"/users/{alice.username}").status_code == 200  # nothing changed

    response = alice.request("DELETE", "/me", json={"password": PASSWORD})
    assert response.status_code == 202, response.text
    erase_after = datetime.fromisoformat(response.json()["erase_after"])
    assert erase_after - datetime.now(UTC) > timedelta(days=29)

    until(
        lambda: seen_by_bob(bob, alice.username, alice_post, bob_post),
        lambda seen: seen == GONE,
        what="alice gone for bob",
        deadline=5.0,  # the search index drops her document from the Users table's stream
    )
    assert senders() == [None, None], "her messages stay, from a deleted account"
    until(
        lambda: {k: v for k, v in counts(bob, bob.username, bob_post).items() if "posts" not in k},
        lambda seen: set(seen.values()) == {0},
        what="alice's like, comment and follows out of bob's counts",
    )
    refused(Session(alice, refresh_token=""))  # the token alice held before
    taken = bob.post(
        "/auth/signup",
        json={"username": alice.username, "email": "x@example.com", "password": PASSWORD},
    )
    assert taken.status_code == 409, "the name is held until the account is erased"

    back = requests_login(cloud, alice.username)
    assert back["pending_deletion"] is True
    leaving = Client(cloud.url, back["id_token"], alice.username)
    forbidden = leaving.get("/feed")
    assert forbidden.status_code == 403
    assert error_of(forbidden)["code"] == "forbidden"
    assert leaving.patch("/me", json={"bio": "still here"}).status_code == 403
    with (
        pytest.raises(InvalidStatus, match="401"),
        connect(f"{cloud.websocket_url}/?token={leaving.token}", open_timeout=30),
    ):
        pass  # no real-time frames for a deleted account either

    assert leaving.post("/me/restore").status_code == 204
    assert requests_login(cloud, alice.username)["pending_deletion"] is False
    assert leaving.get("/me").status_code == 200
    until(
        lambda: seen_by_bob(bob, alice.username, alice_post, bob_post),
        lambda seen: seen == PRESENT,
        what="alice back for bob",
    )
    assert counts(bob, alice.username, bob_post) == counts_before
    assert [s and s["username"] for s in senders()] == [alice.username, alice.username]
    again = leaving.post("/me/restore")
    assert again.status_code == 409
    assert error_of(again)["code"] == "conflict"


def requests_login(cloud: LocalCloud, username: str) -> dict[str, Any]:
    response = Client(cloud.url).post(
        "/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
