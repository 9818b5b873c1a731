"""`make run` keeps its data: the local cloud as a real process, stopped with Ctrl-C (SIGINT)
and started again on the same state directory and ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from infra.local.cloud import ROOT
from tests import images
from tests.e2e.conftest import PASSWORD, Client, new_username, upload_image


def free_ports(count: int = 3) -> int:
    """A port p with p .. p+count-1 free (the API, the AWS endpoint and the S3 front)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count > 65535:
            continue
        try:
            sockets = []
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no three free ports in a row")


@contextmanager
def local_cloud(port: int, state: Path, log: Path, *extra: str) -> Iterator[str]:
    """`python -m infra.local` in its own process; stopped with SIGINT, as Ctrl-C does."""
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--state-dir", str(state)]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--retry-delay", "0.2", *extra],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 60
        while "local cloud is up" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the local cloud did not start"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=30) == 0, log.read_text()[-3000:]
        except subprocess.TimeoutExpired:
            process.kill()
            raise


def log_in(base: str, username: str) -> requests.Response:
    return requests.post(
        f"{base}/auth/login", json={"username": username, "password": PASSWORD}, timeout=15
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
            size: requests.get(url, timeout=5).content
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
        assert urls == post["media"][0]["renditions"]  # the URLs handed out before still work
        for size, url in urls.items():
            assert requests.get(url, timeout=5).content == renditions[size]
        feed = client.get("/feed").json()["items"]
        assert [item["post_id"] for item in feed] == [post["post_id"]]
        me = client.get("/me").json()
        assert me["posts_count"] == 1

    with local_cloud(port, state, third, "--fresh") as base:
        assert log_in(base, username).status_code in (400, 401)
    assert (state / "moto-state.pickle.previous").exists()
