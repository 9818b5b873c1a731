"""Saved posts, collections and people tagged in posts, over HTTP on the local cloud, with real
uploads: every route, and who may call it (the owner, a follower, a stranger, a private
account's non-follower, an account blocked either way)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import until


class Cast:
    """`owner`, a private account; `follower`, approved; `stranger`, who follows nobody; `blocked`,
    whom the owner blocks; `blocker`, who blocks the owner; `public`, a public account."""

    def __init__(self, cloud: LocalCloud) -> None:
        names = ("owner", "follower", "stranger", "blocked", "blocker", "public")
        clients = [sign_up_and_log_in(cloud, name[:4]) for name in names]
        self.owner, self.follower, self.stranger, self.blocked, self.blocker, self.public = clients
        assert self.owner.patch("/me", json={"is_private": True}).status_code == 200
        assert self.follower.post(f"/users/{self.owner.username}/follow").status_code == 200
        approve = f"/me/follow-requests/{self.follower.username}/approve"
        assert self.owner.post(approve).status_code == 204
        assert self.owner.post(f"/users/{self.blocked.username}/block").status_code == 204
        assert self.blocker.post(f"/users/{self.owner.username}/block").status_code == 204

    def everyone(self) -> dict[str, Client]:
        return {
            "owner": self.owner,
            "follower": self.follower,
            "stranger": self.stranger,
            "blocked": self.blocked,
            "blocker": self.blocker,
        }


@pytest.fixture
def cast(cloud: LocalCloud) -> Cast:
    return Cast(cloud)


def publish(
    client: Client, tags: list[tuple[Client, float, float]] | None = None
) -> dict[str, Any]:
    media = upload_image(client, images.jpeg(640, 480), "image/jpeg")
    assert media["status"] == "ready"
    body = {
        "media_ids": [media["media_id"]],
        "tags": [
            {"username": who.username, "media_id": media["media_id"], "x": x, "y": y}
            for who, x, y in tags or []
        ],
    }
    response = client.post("/posts", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["post_id"] for p in response.json()["items"]]


def tag_notices(client: Client) -> list[str]:
    items = client.get("/notifications").json()["items"]
    return [n["post_id"] for n in items if n["type"] == "tag"]


def test_tags_over_http(cast: Cast) -> None:
    owner, follower, stranger = cast.owner, cast.follower, cast.stranger
    created = publish(owner, [(follower, 0.1, 0.2), (stranger, 0.9, 0.8), (owner, 0.5, 0.5)])
    post_id = created["post_id"]
    tagged = {t["user"]["username"]: (t["x"], t["y"]) for t in created["tags"]}
    assert tagged == {
        follower.username: (0.1, 0.2),
        stranger.username: (0.9, 0.8),
        owner.username: (0.5, 0.5),
    }
    assert follower.get(f"/posts/{post_id}").json()["tags"] == created["tags"]
    # The follower is told; the stranger, who may not see the private post, is tagged silently.
    until(lambda: tag_notices(follower), lambda n: n == [post_id], what="the tag notification")
    assert tag_notices(stranger) == []
    assert tag_notices(owner) == []  # not of one's own tag
    # Refused tags name the tag: a blocked account either way, nobody, a media item not in it.
    media = upload_image(owner, images.jpeg(320, 240), "image/jpeg")["media_id"]
    for who, field in ((cast.blocked, "username"), (cast.blocker, "username")):
        tags = [{"username": who.username, "media_id": media, "x": 0.5, "y": 0.5}]
        refused = owner.post("/posts", json={"media_ids": [media], "tags": tags})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["details"][0]["field"] == f"tags[0].{field}"
    too_many = [{"username": follower.username, "media_id": media, "x": 0, "y": 0}] * 21
    assert owner.post("/posts", json={"media_ids": [media], "tags": too_many}).status_code == 400
    off = [{"username": follower.username, "media_id": media, "x": 1.01, "y": 0}]
    assert owner.post("/posts", json={"media_ids": [media], "tags": off}).status_code == 400

    # GET /users/{owner}/tagged: the tagged account's privacy and blocks, as its posts.
    path = f"/users/{owner.username}/tagged"
    answers = {name: c.get(path).status_code for name, c in cast.everyone().items()}
    assert answers == {
        "owner": 200,
        "follower": 200,
        "stranger": 403,
        "blocked": 404,
        "blocker": 404,
    }
    assert ids(owner.get(path)) == [post_id]
    # The follower's tagged list: each post only to who may see it (its author's privacy).
    path = f"/users/{follower.username}/tagged"
    seen = {name: ids(c.get(path)) for name, c in cast.everyone().items()}
    assert seen == {
        "owner": [post_id],
        "follower": [post_id],
        "stranger": [],  # the post's author is private and not followed
        "blocked": [],  # the post's author blocks them
        "blocker": [],  # they block the post's author
    }
    # The stranger is tagged but may not see it: not even in their own list.
    assert ids(stranger.get(f"/users/{stranger.username}/tagged")) == []
    assert ids(follower.get(f"/users/{stranger.username}/tagged")) == [post_id]

    # DELETE /posts/{id}/tags/me: one's own tag only, whoever may see the post.
    for name, client in cast.everyone().items():
        if name not in ("owner", "stranger"):
            assert client.delete(f"/posts/{post_id}/tags/me").status_code == 204
    shown = owner.get(f"/posts/{post_id}").json()["tags"]
    assert sorted(t["user"]["username"] for t in shown) == sorted(
        [owner.username, stranger.username]
    )
    assert ids(follower.get(f"/users/{follower.username}/tagged")) == []
    until(lambda: tag_notices(follower), lambda n: n == [], what="the removed tag's notification")
    assert stranger.delete(f"/posts/{post_id}/tags/me").status_code == 204  # may not see it
    assert [t["user"]["username"] for t in owner.get(f"/posts/{post_id}").json()["tags"]] == [
        owner.username
    ]
    # A deleted post leaves the tagged lists.
    assert owner.delete(f"/posts/{post_id}").status_code == 204
    assert ids(owner.get(f"/users/{owner.username}/tagged")) == []


def test_saves_and_collections_over_http(cast: Cast) -> None:
    owner, follower, stranger, public = cast.owner, cast.follower, cast.stranger, cast.public
    private_post = publish(owner)["post_id"]
    public_post = publish(public)["post_id"]
    # POST /posts/{id}/save: as reading the post.
    save = f"/posts/{private_post}/save"
    answers = {n: c.post(save).status_code for n, c in cast.everyone().items()}
    assert answers == {
        "owner": 204,
        "follower": 204,
        "stranger": 403,
        "blocked": 404,
        "blocker": 404,
    }
    assert stranger.post(f"/posts/{public_post}/save").status_code == 204  # a public post
    assert follower.post(f"/posts/{public_post}/save").status_code == 204
    assert follower.get(f"/posts/{private_post}").json()["saved_by_me"] is True
    assert public.get(f"/posts/{public_post}").json()["saved_by_me"] is False
    # GET /me/saved: one's own, newest saved first.
    assert ids(follower.get("/me/saved")) == [public_post, private_post]
    assert ids(stranger.get("/me/saved")) == [public_post]
    assert ids(cast.blocked.get("/me/saved")) == []

    # Collections are their owner's alone.
    created = follower.post("/me/collections", json={"name": "Evenings"})
    assert created.status_code == 201, created.text
    shelf = created.json()["collection_id"]
    assert created.json() == {"collection_id": shelf, "name": "Evenings"}
    listed = follower.get("/me/collections").json()["items"]
    assert listed == [{"collection_id": shelf, "name": "Evenings"}]
    into = {"collection_id": shelf}
    assert follower.post(f"/posts/{private_post}/save", json=into).status_code == 204
    assert ids(follower.get("/me/saved", params={"collection_id": shelf})) == [private_post]
    for name, client in cast.everyone().items():
        if name == "follower":
            continue
        assert client.get("/me/collections").json()["items"] == []
        assert client.get("/me/saved", params={"collection_id": shelf}).status_code == 404
        assert client.post(f"/posts/{public_post}/save", json=into).status_code == 404
        assert client.delete(f"/me/collections/{shelf}").status_code == 404

    # What the follower may no longer see drops out, and comes back.
    assert follower.delete(f"/users/{owner.username}/follow").status_code == 204
    assert ids(follower.get("/me/saved")) == [public_post]
    assert ids(follower.get("/me/saved", params={"collection_id": shelf})) == []
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    assert owner.post(f"/me/follow-requests/{follower.username}/approve").status_code == 204
    assert ids(follower.get("/me/saved")) == [public_post, private_post]
    assert public.post(f"/users/{follower.username}/block").status_code == 204
    assert ids(follower.get("/me/saved")) == [private_post]

    # DELETE /posts/{id}/save: one's own save only; the others' stay.
    for client in cast.everyone().values():
        assert client.delete(f"/posts/{private_post}/save").status_code == 204
    assert ids(follower.get("/me/saved")) == []
    assert ids(follower.get("/me/saved", params={"collection_id": shelf})) == []
    assert ids(stranger.get("/me/saved")) == [public_post]
    # DELETE /me/collections/{id}: the posts stay saved.
    assert stranger.post(f"/posts/{public_post}/save").status_code == 204
    mine = stranger.post("/me/collections", json={"name": "Mine"}).json()["collection_id"]
    into = {"collection_id": mine}
    assert stranger.post(f"/posts/{public_post}/save", json=into).status_code == 204
    assert stranger.delete(f"/me/collections/{mine}").status_code == 204
    assert stranger.get("/me/saved", params={"collection_id": mine}).status_code == 404
    assert ids(stranger.get("/me/saved")) == [public_post]
    # A deleted post leaves every saved list.
    assert public.delete(f"/posts/{public_post}").status_code == 204
    assert ids(stranger.get("/me/saved")) == []
