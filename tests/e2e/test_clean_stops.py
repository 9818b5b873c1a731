"""Stops and kills under a burst of writes: `python -m infra.local` as a real process, sent
SIGINT (a clean stop) or SIGKILL (the journal) at a random moment while clients sign up,
follow, like and comment; started again on the same state, everything answered is there and
every counter is exact. And a taken port is said at once."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.cloud import ROOT
from tests import images
from tests.e2e.conftest import PASSWORD, new_username
from tests.e2e.processes import free_ports

pytestmark = pytest.mark.long(150)  # seconds alone on an idle 2-core machine (conftest)

START_TIMEOUT = 120  # a slow machine, and the first start provisions everything
WORKERS = 6


@dataclass
class Cloud:
    process: subprocess.Popen[bytes]
    base: str
    log: Path


@contextmanager
def running(port: int, state: Path, log: Path) -> Iterator[Cloud]:
    """The local cloud in its own process, up; killed if the test left it running."""
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--state-dir", str(state)]
    with log.open("w") as out:
        process = subprocess.Popen(
            # Budgets a thousand times the deployed ones: its bursts are what it tests.
            [*command, "--retry-delay", "0.2", "--parameter", "RateLimitScale=1000"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "local cloud is up" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the local cloud did not start"
            time.sleep(0.2)
        yield Cloud(process, f"http://127.0.0.1:{port}", log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(cloud: Cloud, how: signal.Signals) -> None:
    cloud.process.send_signal(how)
    code = cloud.process.wait(timeout=90)
    if how == signal.SIGINT:
        assert code == 0, cloud.log.read_text()[-3000:]


class User:
    def __init__(self, base: str, username: str, token: str = "") -> None:
        self.base, self.username, self.token = base, username, token
        self.session = requests.Session()  # keep-alive, as browsers and SDKs do

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.session.request(method, self.base + path, headers=headers, timeout=60, **kwargs)


def sign_up(base: str, prefix: str) -> User:
    user = User(base, new_username(prefix))
    body = {"username": user.username, "email": f"{user.username}@example.com"}
    created = user.call("POST", "/auth/signup", json={**body, "password": PASSWORD})
    assert created.status_code == 201, created.text
    user.token = log_in(base, user.username)
    return user


def log_in(base: str, username: str) -> str:
    answer = requests.post(
        f"{base}/auth/login", json={"username": username, "password": PASSWORD}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id_token"])


def publish(author: User) -> str:
    body = {"kind": "post", "content_type": "image/jpeg", "filter": "none"}
    photo = images.jpeg(320, 240)
    slot = author.call("POST", "/media", json={**body, "size_bytes": len(photo)}).json()
    files = {"file": ("upload", photo, "image/jpeg")}
    form = slot["upload"]
    uploaded = requests.post(form["url"], data=form["fields"], files=files, timeout=60)
    assert uploaded.status_code in (200, 201, 204), uploaded.text
    deadline = time.monotonic() + 60
    while author.call("GET", f"/media/{slot['media_id']}").json()["status"] == "pending":
        assert time.monotonic() < deadline, "the upload was never processed"
        time.sleep(0.2)
    created = author.call("POST", "/posts", json={"media_ids": [slot["media_id"]]})
    assert created.status_code == 201, created.text
    return str(created.json()["post_id"])


@dataclass
class Answered:
    """What the local cloud answered during a burst (and when, for kills)."""

    accounts: dict[str, float] = field(default_factory=dict)
    follows: dict[str, float] = field(default_factory=dict)
    likes: dict[str, float] = field(default_factory=dict)
    comments: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # 5xx answers
    killed_at: float = float("inf")  # monotonic
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: dict[str, float], key: str) -> None:
        with self.lock:
            kind[key] = time.monotonic()


def burst(base: str, author: User, post_id: str, answered: Answered, halt: threading.Event) -> None:
    """One client: sign up, follow the author, like the post, comment, until the cloud goes."""

    def answer(response: requests.Response) -> bool:
        if response.status_code >= 500:
            with answered.lock:
                answered.errors.append(f"{response.status_code} {response.request.url}")
        return response.status_code < 300

    while not halt.is_set():
        try:
            user = User(base, new_username("burst"))
            body = {"username": user.username, "password": PASSWORD}
            email = f"{user.username}@example.com"
            if not answer(user.call("POST", "/auth/signup", json={**body, "email": email})):
                time.sleep(0.1)
                continue
            answered.record(answered.accounts, user.username)
            login = user.call("POST", "/auth/login", json=body)
            if not answer(login):
                time.sleep(0.1)
                continue
            user.token = login.json()["id_token"]
            if answer(user.call("POST", f"/users/{author.username}/follow")):
                answered.record(answered.follows, user.username)
            if answer(user.call("POST", f"/posts/{post_id}/like")):
                answered.record(answered.likes, user.username)
            for n in range(2):
                comment = user.call("POST", f"/posts/{post_id}/comments", json={"text": f"#{n}"})
                if answer(comment):
                    answered.record(answered.comments, comment.json()["comment_id"])
        except requests.RequestException:  # the cloud stopped (or was killed): this client too
            return


def every(user: User, path: str) -> list[dict[str, Any]]:
    """All items of a list route, page after page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = user.call("GET", path, params=query)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json().get("next_cursor")
        if not cursor:
            return items


@dataclass
class Found:
    followers: set[str]
    likers: set[str]
    comments: set[str]
    counts: tuple[int, int, int]  # followers_count, like_count, comment_count

    @property
    def exact(self) -> bool:
        return self.counts == (len(self.followers), len(self.likers), len(self.comments))


def found(author: User, post_id: str) -> Found:
    followers = {u["username"] for u in every(author, f"/users/{author.username}/followers")}
    likers = {u["username"] for u in every(author, f"/posts/{post_id}/likes")}
    comments = {c["comment_id"] for c in every(author, f"/posts/{post_id}/comments")}
    profile = author.call("GET", f"/users/{author.username}").json()
    post = author.call("GET", f"/posts/{post_id}").json()
    counts = (profile["followers_count"], post["like_count"], post["comment_count"])
    return Found(followers, likers, comments, counts)


def lost(answered: Answered, there: Found, base: str, before: float) -> list[str]:
    """Every write answered before `before` (monotonic) that is not there."""
    missing = [f"follow by {u}" for u, t in answered.follows.items() if t < before]
    missing = [m for m in missing if m.rsplit(" ", 1)[-1] not in there.followers]
    missing += [
        f"like by {u}" for u, t in answered.likes.items() if t < before and u not in there.likers
    ]
    missing += [
        f"comment {c}"
        for c, t in answered.comments.items()
        if t < before and c not in there.comments
    ]
    for username, t in answered.accounts.items():
        if t < before:
            login = requests.post(
                f"{base}/auth/login", json={"username": username, "password": PASSWORD}, timeout=60
            )
            if login.status_code != 200:
                missing.append(f"account {username}")
    return missing


def burst_then(cloud: Cloud, author: User, post_id: str, how: signal.Signals) -> Answered:
    """Clients writing as fast as they can; `how` sent at a random moment into it."""
    answered = Answered()
    halt = threading.Event()
    clients = [
        threading.Thread(target=burst, args=(cloud.base, author, post_id, answered, halt))
        for _ in range(WORKERS)
    ]
    for client in clients:
        client.start()
    # A random moment, once writes are being answered (a slow machine takes longer to).
    deadline = time.monotonic() + 60
    while not answered.comments and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.uniform(0.0, 2.0))
    if how == signal.SIGKILL:
        answered.killed_at = time.monotonic()
        cloud.process.kill()
        cloud.process.wait()
    else:
        stop(cloud, how)
    halt.set()
    for client in clients:
        client.join(timeout=120)
    return answered


@pytest.mark.timeout(900)
def test_ctrl_c_under_a_burst_keeps_every_answered_write_and_exact_counts(tmp_path: Path) -> None:
    port, state = free_ports(), tmp_path / "state"
    with running(port, state, tmp_path / "cloud-0.log") as cloud:
        author = sign_up(cloud.base, "author")
        post_id = publish(author)
        answered = burst_then(cloud, author, post_id, signal.SIGINT)
    rounds: list[str] = []
    for round_ in range(1, 11):
        log = tmp_path / f"cloud-{round_}.log"
        with running(port, state, log) as cloud:
            author.base = cloud.base
            there = found(author, post_id)
            missing = lost(answered, there, cloud.base, before=float("inf"))
            assert not missing, f"round {round_}: lost {missing}"
            assert not answered.errors, f"round {round_}: {answered.errors}"
            assert there.exact, f"round {round_}: counts {there.counts} for {there}"
            rounds.append(
                f"{len(answered.accounts)} accounts, {len(answered.follows)} follows, "
                f"{len(answered.likes)} likes, {len(answered.comments)} comments"
            )
            if round_ < 10:
                answered = burst_then(cloud, author, post_id, signal.SIGINT)
            else:
                stop(cloud, signal.SIGINT)
    print("answered and kept:", *rounds, sep="\n  ")


@pytest.mark.timeout(600)
def test_a_kill_under_a_burst_loses_at_most_the_last_second_and_corrupts_nothing(
    tmp_path: Path,
) -> None:
    port, state = free_ports(), tmp_path / "state"
    with running(port, state, tmp_path / "cloud-0.log") as cloud:
        author = sign_up(cloud.base, "author")
        post_id = publish(author)
        answered = burst_then(cloud, author, post_id, signal.SIGKILL)
    for round_ in range(1, 4):
        with running(port, state, tmp_path / f"cloud-{round_}.log") as cloud:
            author.base = cloud.base
            killed_at = answered.killed_at
            there = found(author, post_id)
            # The events after the last snapshot are delivered again: the counts catch up, and
            # so do the followers list's edges (written from the follows' stream records).
            deadline = time.monotonic() + 60
            while not there.exact and time.monotonic() < deadline:
                time.sleep(0.5)
                there = found(author, post_id)
            missing = lost(answered, there, cloud.base, before=killed_at - 1.0)
            assert not missing, f"round {round_}: lost {missing}"
            assert not answered.errors, f"round {round_}: {answered.errors}"
            assert there.exact, f"round {round_}: counts {there.counts} for {there}"
            print(f"round {round_}: lost {len(lost(answered, there, cloud.base, killed_at))}")
            if round_ < 3:
                answered = burst_then(cloud, author, post_id, signal.SIGKILL)
            else:
                stop(cloud, signal.SIGINT)


def test_a_taken_port_is_one_line_and_a_quick_exit(tmp_path: Path) -> None:
    port = free_ports()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port + 3))
        squatter.listen()
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "infra.local",
                "--port",
                str(port),
                "--state-dir",
                str(tmp_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert done.stderr.strip() == (
        f"error: port {port + 3} is in use (the embedded AWS endpoint: --port + 3); "
        "choose another with make run PORT=..."
    )
    assert elapsed < 5, elapsed
