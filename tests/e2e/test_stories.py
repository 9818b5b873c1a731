"""Stories over HTTP on the local cloud, with real image bytes: trays, views, likes, viewers,
close friends and highlights (expiry: test_story_expiry.py, on a cloud with a short TTL)."""

from __future__ import annotations

from typing import Any

import requests

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import HTTP_TIMEOUT, until


def story(client: Client, audience: str = "followers") -> dict[str, Any]:
    media = upload_image(client, images.jpeg(720, 1280), "image/jpeg", kind="story")
    assert media["status"] == "ready", media
    response = client.post("/stories", json={"media_id": media["media_id"], "audience": audience})
    assert response.status_code == 201, response.text
    return dict(response.json())


def tray(client: Client) -> dict[str, dict[str, Any]]:
    response = client.get("/stories/tray")
    assert response.status_code == 200, response.text
    return {entry["user"]["username"]: entry for entry in response.json()["items"]}


def status_of(url: str) -> int:
    """A plain GET's status (a rendition: no token, no signature)."""
    return requests.get(url, timeout=HTTP_TIMEOUT).status_code


def follow(reader: Client, author: Client) -> None:
    response = reader.post(f"/users/{author.username}/follow")
    assert response.status_code == 200, response.text


def test_trays_views_likes_viewers_and_close_friends(cloud: LocalCloud) -> None:
    alice, bob, carol, dave = (sign_up_and_log_in(cloud, name) for name in ("al", "bo", "ca", "da"))
    follow(bob, alice)
    follow(carol, alice)
    shared = story(alice)
    until(lambda: tray(bob), lambda entries: alice.username in entries, what="alice in bob's tray")
    assert tray(bob)[alice.username]["has_unseen"] is True
    assert alice.username not in tray(dave)  # not a follower: no tray entry

    assert bob.post(f"/stories/{shared['story_id']}/view").status_code == 204
    assert bob.post(f"/stories/{shared['story_id']}/view").status_code == 204
    assert carol.post(f"/stories/{shared['story_id']}/like").status_code == 204
    assert tray(bob)[alice.username]["has_unseen"] is False
    viewers = alice.get(f"/stories/{shared['story_id']}/viewers").json()["items"]
    assert sorted((v["username"], v["liked"]) for v in viewers) == sorted(
        [(bob.username, False), (carol.username, True)]
    )
    refused = bob.get(f"/stories/{shared['story_id']}/viewers")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    rendition = shared["media"]["renditions"]["1080"]
    assert status_of(rendition) == 200

    assert alice.put("/me/close-friends", json={"usernames": [bob.username]}).status_code == 204
    close = story(alice, "close_friends")
    until(
        lambda: tray(bob)[alice.username]["story_count"],
        lambda count: count == 2,
        what="bob's tray counts alice's close-friends story",
    )
    assert tray(carol)[alice.username]["story_count"] == 1
    listed = carol.get(f"/users/{alice.username}/stories").json()["items"]
    assert [s["story_id"] for s in listed] == [shared["story_id"]]
    assert carol.post(f"/stories/{close['story_id']}/view").status_code == 404
    for_bob = bob.get(f"/users/{alice.username}/stories").json()["items"]
    assert [s["story_id"] for s in for_bob] == [shared["story_id"], close["story_id"]]

    mine = alice.get(f"/users/{alice.username}/stories").json()["items"]
    until(
        lambda: alice.get(f"/users/{alice.username}/stories").json()["items"][0]["view_count"],
        lambda views: views == 2,
        what="the shared story counts 2 viewers",
    )
    assert mine[0]["story_id"] == shared["story_id"]

    highlight = alice.post("/highlights", json={"title": "Trip", "story_ids": [shared["story_id"]]})
    assert highlight.status_code == 201, highlight.text
    kept = highlight.json()["stories"][0]["media"]["renditions"]["1080"]
    copy = requests.get(kept, timeout=HTTP_TIMEOUT).content
    assert copy == requests.get(rendition, timeout=HTTP_TIMEOUT).content

    assert alice.delete(f"/stories/{shared['story_id']}").status_code == 204
    assert bob.post(f"/stories/{shared['story_id']}/view").status_code == 404
    # The reaper deletes the story's media; the highlight keeps its copy.
    until(lambda: status_of(rendition), lambda status: status != 200, what="the media deleted")
    assert status_of(kept) == 200
    page = dave.get(f"/users/{alice.username}/highlights").json()["items"]
    assert [s["story_id"] for s in page[0]["stories"]] == [shared["story_id"]]
