"""API.md: media URLs are signed and expire `MediaUrlTtlSeconds` after the response that carried
them; an altered or expired URL is a 403. Over HTTP against the local cloud, whose S3 front
checks the signature as CloudFront does, with real image bytes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from glimpse.adapters.cdn import from_cloudfront_b64
from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import sign_up_and_log_in, upload_image
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.test_erasure import sign_up
from tests.e2e.test_social import publish
from tests.e2e.waiting import HTTP_TIMEOUT, until

pytestmark = pytest.mark.long(30)  # seconds alone on an idle 2-core machine (conftest)

JPEG = b"\xff\xd8\xff"


def expires_of(url: str) -> int:
    """When a signed URL's policy says it stops working."""
    policy = json.loads(from_cloudfront_b64(parse_qs(urlsplit(url).query)["Policy"][0]))
    return int(policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"])


def fetch(url: str) -> requests.Response:
    return requests.get(url, timeout=HTTP_TIMEOUT)


def altered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query, safe="~")).geturl()


def test_a_private_accounts_photo_opens_for_its_follower_and_not_when_altered(
    cloud: LocalCloud,
) -> None:
    owner, follower = sign_up_and_log_in(cloud, "private"), sign_up_and_log_in(cloud, "follower")
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    approve = owner.post(f"/me/follow-requests/{follower.username}/approve")
    assert approve.status_code == 204, approve.text
    post_id = publish(owner, "only for followers")
    post = until(
        lambda: follower.get(f"/posts/{post_id}"),
        lambda response: response.status_code == 200,
        what="the follower sees the post",
    ).json()
    url = post["media"][0]["renditions"]["640"]
    opened = fetch(url)
    assert opened.status_code == 200
    assert opened.content.startswith(JPEG)

    other_media = upload_image(follower, images.jpeg(320, 240), "image/jpeg")
    other_url = other_media["renditions"]["640"]
    media_id = post["media"][0]["media_id"]
    query = parse_qs(urlsplit(url).query)
    for refused in (
        url.split("?", 1)[0],  # no signature at all
        other_url.split("?", 1)[0] + "?" + urlsplit(url).query,  # another item's path
        altered(url, Signature=query["Signature"][0][:-6] + "AAAAAA"),
        altered(url, Policy=parse_qs(urlsplit(other_url).query)["Policy"][0]),
        altered(url, **{"Key-Pair-Id": "KNOTTRUSTED"}),
    ):
        response = fetch(refused)
        assert response.status_code == 403, (refused, response.text)
        assert "AccessDenied" in response.text
    assert media_id in url
    # another item's path with this item's signature, the Host naming this item's folder
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0]
    smuggled = requests.get(
        other_url.split("?", 1)[0] + "?" + parts.query,
        headers={"Host": f"{parts.netloc}{folder}/x"},
        timeout=HTTP_TIMEOUT,
    )
    assert smuggled.status_code == 403, smuggled.text

    # the post deleted: its files go, and the URL handed out before stops working, well
    # before it expires (CloudFront may answer from its cache for up to a minute: here none)
    assert owner.delete(f"/posts/{post_id}").status_code == 204
    until(
        lambda: fetch(url).status_code,
        lambda status: status in (403, 404),
        what="the deleted post's rendition no longer served",
        deadline=60.0,
    )


def test_a_replaced_avatar_stops_being_served(cloud: LocalCloud) -> None:
    user = sign_up_and_log_in(cloud, "avatars")
    first = upload_image(user, images.jpeg(400, 400), "image/jpeg", kind="avatar")
    assert user.patch("/me", json={"avatar_media_id": first["media_id"]}).status_code == 200
    old_url = user.get("/me").json()["avatar"]["150"]
    assert fetch(old_url).status_code == 200
    second = upload_image(user, images.jpeg(400, 400), "image/jpeg", kind="avatar")
    assert user.patch("/me", json={"avatar_media_id": second["media_id"]}).status_code == 200
    until(
        lambda: fetch(old_url).status_code,
        lambda status: status in (403, 404),
        what="the replaced avatar no longer served",
        deadline=60.0,
    )
    assert fetch(user.get("/me").json()["avatar"]["150"]).status_code == 200


def test_a_url_stops_working_once_its_time_is_up(tmp_path: Path) -> None:
    """A local cloud whose URLs last 8 seconds (long enough to fetch one on a slow machine):
    the same URL, 200 then 403."""
    port = free_ports()
    arguments = ("--no-state", "--parameter", "MediaUrlTtlSeconds=8")
    with local_cloud(port, tmp_path / "state", tmp_path / "cloud.log", *arguments) as base:
        alice = sign_up(base, "shortlived")
        media = upload_image(alice, images.jpeg(640, 480), "image/jpeg")
        url = alice.get(f"/media/{media['media_id']}").json()["renditions"]["320"]
        assert fetch(url).status_code == 200
        time.sleep(max(0.0, expires_of(url) - time.time()) + 0.5)
        assert fetch(url).status_code == 403
        fresh = alice.get(f"/media/{media['media_id']}").json()["renditions"]["320"]
        assert fresh != url
        assert fetch(fresh).status_code == 200, "re-reading the object gives fresh URLs"
