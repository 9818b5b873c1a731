"""Deleting an unused upload and editing and deleting a highlight over HTTP, on the local
cloud: the files go from the bucket, so their signed URLs stop answering 200."""

from __future__ import annotations

import requests

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import sign_up_and_log_in, upload_image
from tests.e2e.waiting import HTTP_TIMEOUT

GONE = {403, 404}  # CloudFront (S3 behind origin access control) says 403; the local S3 404


def status_of(url: str) -> int:
    """A plain GET's status (a signed media URL: no token)."""
    return requests.get(url, timeout=HTTP_TIMEOUT).status_code


def test_an_unused_upload_and_a_highlight_are_deleted_with_their_files(cloud: LocalCloud) -> None:
    alice = sign_up_and_log_in(cloud, "alice")
    bob = sign_up_and_log_in(cloud, "bob")

    spare = upload_image(alice, images.jpeg(1200, 800), "image/jpeg")
    assert spare["status"] == "ready", spare
    urls = list(spare["renditions"].values())
    assert {status_of(url) for url in urls} == {200}
    used = upload_image(alice, images.jpeg(800, 800), "image/jpeg")
    response = alice.post("/posts", json={"media_ids": [used["media_id"]]})
    assert response.status_code == 201, response.text

    refused = bob.delete(f"/media/{spare['media_id']}")  # not bob's: as if there were none
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")
    conflict = alice.delete(f"/media/{used['media_id']}")
    assert (conflict.status_code, conflict.json()["error"]["code"]) == (409, "conflict")
    assert status_of(used["renditions"]["1080"]) == 200

    deleted = alice.delete(f"/media/{spare['media_id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert {status_of(url) for url in urls} <= GONE
    assert alice.get(f"/media/{spare['media_id']}").status_code == 404
    assert alice.delete(f"/media/{spare['media_id']}").status_code == 404

    media = upload_image(alice, images.jpeg(720, 1280), "image/jpeg", kind="story")
    response = alice.post("/stories", json={"media_id": media["media_id"]})
    assert response.status_code == 201, response.text
    story = response.json()
    response = alice.post("/highlights", json={"title": "Trip", "story_ids": [story["story_id"]]})
    assert response.status_code == 201, response.text
    highlight = response.json()
    kept = list(highlight["stories"][0]["media"]["renditions"].values())
    assert {status_of(url) for url in kept} == {200}

    path = f"/highlights/{highlight['highlight_id']}"
    assert bob.patch(path, json={"title": "Mine"}).status_code == 404
    renamed = alice.patch(path, json={"title": "Trip, renamed"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Trip, renamed"
    listed = alice.get(f"/users/{alice.username}/highlights").json()["items"]
    assert [h["title"] for h in listed] == ["Trip, renamed"]

    assert bob.delete(path).status_code == 404
    assert alice.delete(path).status_code == 204
    assert {status_of(url) for url in kept} <= GONE  # the copies only it kept
    assert status_of(story["media"]["renditions"]["1080"]) == 200  # the live story's own
    assert alice.get(f"/users/{alice.username}/highlights").json()["items"] == []
