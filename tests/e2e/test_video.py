"""Video over HTTP on the local cloud: a clip with sound uploaded straight to S3, transcoded,
played back from its URL, posted and seen in a follower's feed; a hostile clip is rejected."""

from __future__ import annotations

import requests

from tests import videos
from tests.e2e.conftest import Client, upload_image
from tests.e2e.waiting import HTTP_TIMEOUT, until


def test_a_clip_is_transcoded_posted_and_seen_in_a_followers_feed(
    alice: Client, bob: Client
) -> None:
    assert bob.post(f"/users/{alice.username}/follow").status_code == 200
    clip = videos.clip(3.0, (1280, 720))  # with a 440 Hz tone
    media = upload_image(alice, clip, "video/mp4")
    assert (media["status"], media["media_type"]) == ("ready", "video"), media
    assert abs(media["duration_ms"] - 3000) <= 100
    assert set(media["video"]) == {"720", "480"}
    assert set(media["renditions"]) == {"1080", "640", "320", "150"}  # poster frames

    played = requests.get(
        media["video"]["720"], timeout=HTTP_TIMEOUT
    )  # a plain GET, as a player does
    assert played.status_code == 200
    assert played.headers["Content-Type"] == "video/mp4"
    probed = videos.probe(played.content)
    assert (probed["video"], probed["size"], probed["audio"]) == ("h264", (1280, 720), ["aac"])
    assert abs(probed["seconds"] - 3.0) <= 0.1
    assert probed["frames"] == 75

    response = alice.post("/posts", json={"media_ids": [media["media_id"]], "caption": "clip"})
    assert response.status_code == 201, response.text
    post_id = response.json()["post_id"]

    def bobs_feed() -> list[dict[str, object]]:
        return list(bob.get("/feed").json()["items"])

    items = until(
        bobs_feed,
        lambda posts: any(p["post_id"] == post_id for p in posts),
        what="the clip's post is in bob's feed",
    )
    (seen,) = [p for p in items if p["post_id"] == post_id]
    assert seen["media"][0]["media_type"] == "video"  # type: ignore[index]
    assert seen["media"][0]["video"] == media["video"]  # type: ignore[index]


def test_a_hostile_clip_ends_rejected(alice: Client) -> None:
    sixty_one = videos.clip(61.0, (64, 64), rate=5, audio_codec=None)
    media = upload_image(alice, sixty_one, "video/mp4")
    assert (media["status"], media["reason"], media["video"]) == ("rejected", "too_long", None)
    garbage = upload_image(alice, b"\x00\x00\x00\x18ftypisom" + b"\x00" * 4000, "video/mp4")
    assert (garbage["status"], garbage["reason"]) == ("rejected", "corrupt")
