"""Stories expire exactly: the local cloud started with a short `StoryTtlSeconds` (TTL below),
as a process of its own (the session's cloud keeps the 24-hour default)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import boto3
import requests

from tests import images
from tests.e2e.conftest import PASSWORD, Client, new_username, upload_image
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.test_stories import status_of
from tests.e2e.waiting import DEADLINE, HTTP_TIMEOUT, scaled, until

# Long enough that on a loaded machine both stories are made, listed and one highlighted well
# before the first expires (at idle that takes about a second); the test then waits for the
# expiry itself, as long as it takes.
TTL = round(scaled(20))


def sign_up(base: str, prefix: str) -> Client:
    client = Client(base, username=new_username(prefix))
    body = {"username": client.username, "email": f"{client.username}@example.com"}
    assert client.post("/auth/signup", json={**body, "password": PASSWORD}).status_code == 201
    login = client.post("/auth/login", json={"username": client.username, "password": PASSWORD})
    client.token = login.json()["id_token"]
    return client


def stored_items(port: int, story_id: str) -> list[dict[str, object]]:
    """Every item of the Stories table about the story (itself, views, tray markers), read
    from the local cloud's AWS endpoint."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port + 3}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items: list[dict[str, object]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName="glimpse-StoriesTable"):
        items += [i for i in page["Items"] if story_id in (i["pk"]["S"] + i["sk"]["S"])]
    return items


def test_an_expired_story_is_gone_everywhere_its_media_go_and_highlights_stay(
    tmp_path: Path,
) -> None:
    arguments = ("--no-state", "--parameter", f"StoryTtlSeconds={TTL}", "--ttl-interval", "1")
    port = free_ports()
    with local_cloud(port, tmp_path / "state", tmp_path / "cloud.log", *arguments) as base:
        alice, bob = sign_up(base, "al"), sign_up(base, "bo")
        assert bob.post(f"/users/{alice.username}/follow").status_code == 200
        stories = []
        for _ in range(2):
            media = upload_image(alice, images.jpeg(720, 1280), "image/jpeg", kind="story")
            created = alice.post("/stories", json={"media_id": media["media_id"]})
            assert created.status_code == 201, created.text
            stories.append(created.json())
        kept, ended = stories
        first_expiry = datetime.fromisoformat(kept["expires_at"]).timestamp()
        highlight = alice.post(
            "/highlights", json={"title": "Keep", "story_ids": [kept["story_id"]]}
        )
        assert highlight.status_code == 201, highlight.text
        listed = bob.get(f"/users/{alice.username}/stories").json()["items"]
        assert time.time() < first_expiry, (
            f"making two stories took longer than their {TTL} s TTL: set GLIMPSE_TEST_SLOWDOWN"
        )
        assert [s["story_id"] for s in listed] == [kept["story_id"], ended["story_id"]]
        rendition = ended["media"]["renditions"]["640"]
        assert status_of(rendition) == 200

        expiry = datetime.fromisoformat(ended["expires_at"]).timestamp()
        until(
            lambda: bob.get(f"/users/{alice.username}/stories").json()["items"],
            lambda items: items == [],
            what="both stories expired for bob",
            deadline=TTL + DEADLINE,
        )
        assert time.time() >= expiry  # not before its time
        assert alice.get(f"/users/{alice.username}/stories").json()["items"] == []
        assert alice.username not in {
            e["user"]["username"] for e in bob.get("/stories/tray").json()["items"]
        }
        for client, method, path in (
            (bob, "POST", "view"),
            (bob, "POST", "like"),
            (alice, "GET", "viewers"),
        ):
            answer = client.request(method, f"/stories/{ended['story_id']}/{path}")
            assert answer.status_code == 404, (path, answer.text)

        # The TTL sweep deletes the story item; the reaper then deletes its media. The tray
        # markers carry the story's TTL: they go with the same sweep.
        until(lambda: status_of(rendition), lambda status: status != 200, what="media deleted")
        until(
            lambda: stored_items(port, ended["story_id"]),
            lambda items: items == [],
            what="the story's items swept",
        )
        page = bob.get(f"/users/{alice.username}/highlights").json()["items"]
        (story,) = page[0]["stories"]
        assert story["story_id"] == kept["story_id"]
        for url in story["media"]["renditions"].values():
            assert requests.get(url, timeout=HTTP_TIMEOUT).status_code == 200
