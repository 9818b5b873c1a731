"""A data export over HTTP on the local cloud: photos uploaded through the presigned POST, an
export requested, built by the exporter from its queue, downloaded through its link, and the
ZIP opened: every file there, each original byte for byte as uploaded; `export_ready` in the
notifications; one pending at a time; another user's export does not exist."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import requests

from infra.local.cloud import LocalCloud
from tests import images
from tests.conftest import ARCHIVE_FILES
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import HTTP_TIMEOUT, until


def export_status(client: Client, export_id: str) -> dict[str, Any]:
    response = client.get(f"/me/exports/{export_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def notifications(client: Client) -> list[dict[str, Any]]:
    response = client.get("/notifications")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_an_export_downloads_with_the_originals_as_uploaded(cloud: LocalCloud) -> None:
    alice, bob = sign_up_and_log_in(cloud, "alice"), sign_up_and_log_in(cloud, "bob")
    photo, drawing = images.jpeg(800, 600), images.png_with_alpha()
    first = upload_image(alice, photo, "image/jpeg")
    second = upload_image(alice, drawing, "image/png")
    assert (first["status"], second["status"]) == ("ready", "ready")
    created = alice.post(
        "/posts", json={"media_ids": [first["media_id"], second["media_id"]], "caption": "dusk"}
    )
    assert created.status_code == 201, created.text
    assert bob.post(f"/users/{alice.username}/follow").status_code == 200
    until(  # the archive lists alice's followers as her followers list does
        lambda: alice.get(f"/users/{alice.username}/followers").json()["items"],
        lambda items: [u["username"] for u in items] == [bob.username],
        what="bob among alice's followers",
    )

    requested = alice.post("/me/exports")
    assert requested.status_code == 202, requested.text
    export_id = requested.json()["export_id"]
    assert requested.json()["status"] == "pending"
    again = alice.post("/me/exports")  # the exporter has not even had the event yet
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "conflict"
    assert bob.get(f"/me/exports/{export_id}").status_code == 404  # not bob's

    ready = until(
        lambda: export_status(alice, export_id),
        lambda body: body["status"] != "pending",
        what=f"export {export_id} leaves pending",
    )
    assert ready["status"] == "ready", ready
    download = requests.get(ready["url"], timeout=HTTP_TIMEOUT)  # no token: the link is enough
    assert download.status_code == 200, download.text
    assert len(download.content) == ready["size_bytes"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert names >= ARCHIVE_FILES
    assert archive.read(f"media/{first['media_id']}.jpg") == photo  # as sent, metadata and all
    assert archive.read(f"media/{second['media_id']}.png") == drawing
    (post,) = json.loads(archive.read("posts.json"))
    assert post["caption"] == "dusk"
    assert post["media_ids"] == [first["media_id"], second["media_id"]]
    profile = json.loads(archive.read("profile.json"))
    assert profile["username"] == alice.username
    followers = json.loads(archive.read("followers.json"))
    assert [f["username"] for f in followers] == [bob.username]

    told = until(
        lambda: [n for n in notifications(alice) if n["type"] == "export_ready"],
        what="the export_ready notification",
    )
    assert told[0]["export_id"] == export_id
    assert told[0]["text"] == "Your data export is ready to download"
    assert not [n for n in notifications(bob) if n["type"] == "export_ready"]

    refused = alice.post("/me/exports")  # one a day
    assert refused.status_code == 429, refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
