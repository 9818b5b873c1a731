"""Stories expire exactly: the local cloud started with a short `StoryTtlSeconds` (TTL below),
as a process of its own (the session's cloud keeps the 24-hour default). The story sweeper
deletes an expired story within a minute without DynamoDB's TTL: shown with the local TTL
sweeper off, as AWS's may take two days."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests import images
from tests.e2e.conftest import PASSWORD, Client, new_username, upload_image
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.test_stories import status_of
from tests.e2e.waiting import DEADLINE, HTTP_TIMEOUT, scaled, until

pytestmark = pytest.mark.long(100)  # seconds alone on an idle 2-core machine (conftest)

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


def dynamodb(port: int) -> Any:
    """A DynamoDB client of the local cloud's AWS endpoint."""
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port + 3}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def stored_items(port: int, story_id: str) -> list[dict[str, Any]]:
    """Every item of the Stories table about the story (itself, views, tray markers), read
    from the local cloud's AWS endpoint."""
    items: list[dict[str, Any]] = []
    pages = dynamodb(port).get_paginator("scan").paginate(TableName="glimpse-StoriesTable")
    for page in pages:
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


SCHEDULE = 60  # seconds between the story sweeper's runs: rate(1 minute)


def reaper_lines(log: Path, message: str) -> list[dict[str, Any]]:
    """The story reaper's log lines with `message` (`[<function>] {json}` on the cloud's log),
    written once it has done with a record."""
    prefix = "[glimpse-StoryReaperFunction] "
    lines = [line.removeprefix(prefix) for line in log.read_text().splitlines()]
    found = [json.loads(line) for line in lines if line.startswith("{") and message in line]
    return [line for line in found if line.get("message") == message]


def test_without_the_ttl_the_sweep_deletes_an_expired_story_and_its_media(tmp_path: Path) -> None:
    """Only the story item is the sweep's to delete: its view and tray marker stay for the TTL
    (off here), and the reaper takes the sweep's delete for an expiry (no story_removed)."""
    arguments = ("--no-state", "--parameter", f"StoryTtlSeconds={TTL}", "--ttl-interval", "0")
    port, log = free_ports(), tmp_path / "cloud.log"
    with local_cloud(port, tmp_path / "state", log, *arguments) as base:
        alice, bob = sign_up(base, "al"), sign_up(base, "bo")
        assert bob.post(f"/users/{alice.username}/follow").status_code == 200
        media = upload_image(alice, images.jpeg(720, 1280), "image/jpeg", kind="story")
        created = alice.post("/stories", json={"media_id": media["media_id"]})
        assert created.status_code == 201, created.text
        story = created.json()
        story_id, rendition = story["story_id"], story["media"]["renditions"]["640"]
        assert bob.post(f"/stories/{story_id}/view").status_code == 204
        marker = f"STORY#{alice.user_id}#{story_id}"
        until(
            lambda: {item["sk"]["S"] for item in stored_items(port, story_id)},
            lambda keys: marker in keys,
            what="the story's marker in bob's tray",
        )
        assert time.time() < datetime.fromisoformat(story["expires_at"]).timestamp(), (
            f"posting took longer than the {TTL} s TTL: set GLIMPSE_TEST_SLOWDOWN"
        )
        assert status_of(rendition) == 200

        until(
            lambda: status_of(rendition),
            lambda status: status != 200,
            what="the story's media deleted after the sweep",
            deadline=TTL + 2 * SCHEDULE + DEADLINE,
        )
        left = sorted(item["sk"]["S"] for item in stored_items(port, story_id))
        assert left == sorted([marker, f"VIEW#{bob.user_id}"])  # the story item is gone
        (ended,) = until(
            lambda: reaper_lines(log, "story ended"), what="the reaper's line for the story"
        )
        assert ended["expired"] is True
        removed = dynamodb(port).get_item(
            TableName="glimpse-EventsTable",
            Key={"pk": {"S": f"EVENT#{story_id}.removed"}, "sk": {"S": "EVENT"}},
        )
        assert "Item" not in removed
