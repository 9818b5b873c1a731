"""`make run` keeps its data: the local cloud as a real process, stopped with Ctrl-C (SIGINT)
and started again on the same state directory and ports."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests import images
from tests.e2e.conftest import PASSWORD, Client, new_username, upload_image
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.waiting import HTTP_TIMEOUT

pytestmark = pytest.mark.long(40)  # seconds alone on an idle 2-core machine (conftest)


def log_in(base: str, username: str) -> requests.Response:
    return requests.post(
        f"{base}/auth/login",
        json={"username": username, "password": PASSWORD},
        timeout=HTTP_TIMEOUT,
    )


def test_sign_up_upload_post_stop_start_and_everything_is_there(tmp_path: Path) -> None:
    port, state = free_ports(), tmp_path / "state"
    first, second, third = (tmp_path / f"cloud-{n}.log" for n in range(3))
    username = new_username("keeper")
    photo = images.jpeg(1200, 900)

    with local_cloud(port, state, first) as base:
        client = Client(base, username=username)
        signup = client.post(
            "/auth/signup",
            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        )
        assert signup.status_code == 201, signup.text
        client.token = log_in(base, username).json()["id_token"]
        media = upload_image(client, photo, "image/jpeg")
        assert media["status"] == "ready"
        created = client.post("/posts", json={"media_ids": [media["media_id"]], "caption": "kept"})
        assert created.status_code == 201, created.text
        post = created.json()
        renditions = {
            size: requests.get(url, timeout=HTTP_TIMEOUT).content
            for size, url in post["media"][0]["renditions"].items()
        }
        assert all(renditions.values())

    assert (state / "moto-state.pickle").exists()
    with local_cloud(port, state, second) as base:
        assert "restored from the saved state" in second.read_text()
        login = log_in(base, username)
        assert login.status_code == 200, login.text
        client = Client(base, token=login.json()["id_token"], username=username)
        again = client.get(f"/posts/{post['post_id']}")
        assert again.status_code == 200, again.text
        assert again.json()["caption"] == "kept"
        urls = again.json()["media"][0]["renditions"]
        handed_out = post["media"][0]["renditions"]
        for size in renditions:  # the URLs handed out before still work (the key was kept)
            assert requests.get(handed_out[size], timeout=HTTP_TIMEOUT).content == renditions[size]
            assert requests.get(urls[size], timeout=HTTP_TIMEOUT).content == renditions[size]
        feed = client.get("/feed").json()["items"]
        assert [item["post_id"] for item in feed] == [post["post_id"]]
        me = client.get("/me").json()
        assert me["posts_count"] == 1

    with local_cloud(port, state, third, "--fresh") as base:
        assert log_in(base, username).status_code in (400, 401)
    assert (state / "moto-state.pickle.previous").exists()
