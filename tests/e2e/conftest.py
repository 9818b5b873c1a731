"""The local cloud started in this process on free ports; tests talk HTTP to it.

Its output (function logs, the gateway's lines) is captured per test phase and shown only for
a failing test, as "Captured local cloud <phase>" (tests/e2e/cloud_output.py). Waits are on
conditions, with deadlines of minutes (tests/e2e/waiting.py).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from glimpse.errors import BUSY_MESSAGE
from infra.local import atomicity
from infra.local.cloud import LocalCloud
from infra.local.delivery import DeliveryOptions
from tests.e2e import cloud_output
from tests.e2e.waiting import HTTP_TIMEOUT, TEST_TIMEOUT, until

PASSWORD = "correct-horse-1"


# `make test` runs the social suite a second time with both set (GLIMPSE_E2E_CHAOS=0.2): every
# consumer gets re-delivered, shuffled batches and a share of DynamoDB transactions is cancelled
# with TransactionConflict, as on `make run ARGS="--chaos 0.2 --chaos-conflicts 0.2"`.
CHAOS = float(os.environ.get("GLIMPSE_E2E_CHAOS") or 0)


E2E = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each end-to-end test may take TEST_TIMEOUT (a loaded machine is slow, not wrong). The
    modules marked `long` come first, longest first, the rest in their order: xdist (run with
    `--dist loadfile --no-loadscope-reorder`, as `make test` does) hands out files in this
    order, so the minutes they spend waiting overlap the other files instead of ending the run
    on one worker."""
    for item in items:
        if item.path.is_relative_to(E2E) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))
    items.sort(key=lambda item: -_long_seconds(item))  # stable: the others keep their order


def _long_seconds(item: pytest.Item) -> float:
    mark = item.get_closest_marker("long")
    return float(mark.args[0]) if mark is not None and item.path.is_relative_to(E2E) else 0.0


@pytest.fixture(scope="session", autouse=True)
def _cloud_output() -> Iterator[pytest.MonkeyPatch]:
    """Every local cloud of this session writes to cloud_output.OUTPUT, not the terminal."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        cloud_output.install(monkeypatch)
        yield monkeypatch


def _phase(item: pytest.Item, when: str) -> Generator[None]:
    cloud_output.leave_out_of_log_capture(logging.getLogger().handlers)
    try:
        return (yield)
    finally:
        item.add_report_section(when, "local cloud", cloud_output.OUTPUT.take())


# Innermost (trylast), so inside pytest's own capture: the section lands next to its sections.
@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None]:
    return (yield from _phase(item, "setup"))


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None]:
    return (yield from _phase(item, "call"))


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None]:
    return (yield from _phase(item, "teardown"))


@pytest.fixture(scope="session")
def cloud(_cloud_output: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    options = DeliveryOptions(
        retry_delay=0.2, ttl_interval=0.5, chaos=CHAOS, chaos_conflicts=CHAOS, seed=1
    )
    # Budgets a thousand times the deployed ones: the suites write in bulk (test_limits.py
    # runs its own local cloud at the template's default).
    local = LocalCloud(port=0, options=options, parameters={"RateLimitScale": "1000"})
    local.start()
    cloud_output.install(_cloud_output)  # the modules its start imported, too
    yield local
    local.stop()
    if CHAOS:  # the run proved something only if transactions were really cancelled
        assert atomicity.conflicts_caused() > 0


BUSY_RETRIES = 5


@dataclass
class Client:
    base: str
    token: str | None = None
    username: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call, retried as API.md asks a client to when the answer is the 429 of a busy
        item (a transaction cancelled by contention wrote nothing; the chaos suite makes
        them often): after `Retry-After`, a few times. Other 429s (limits) are answered."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        for _ in range(BUSY_RETRIES):
            response = requests.request(
                method, self.base + path, headers=headers, timeout=HTTP_TIMEOUT, **kwargs
            )
            if response.status_code != 429 or BUSY_MESSAGE not in response.text:
                return response
            time.sleep(min(float(response.headers.get("Retry-After", "1")), 2.0))
        return response

    @property
    def user_id(self) -> str:
        """The caller's id: the `sub` claim of the ID token."""
        assert self.token
        payload = self.token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sub"])

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def new_username(prefix: str = "user") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def anonymous(cloud: LocalCloud) -> Client:
    return Client(cloud.url)


def sign_up_and_log_in(cloud: LocalCloud, prefix: str = "user") -> Client:
    username = new_username(prefix)
    client = Client(cloud.url, username=username)
    response = client.post(
        "/auth/signup",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    response = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.token = response.json()["id_token"]
    return client


@pytest.fixture
def alice(cloud: LocalCloud) -> Client:
    return sign_up_and_log_in(cloud, "alice")


@pytest.fixture
def bob(cloud: LocalCloud) -> Client:
    return sign_up_and_log_in(cloud, "bob")


def open_upload(
    client: Client, data: bytes, content_type: str, kind: str = "post", filter: str = "none"
) -> dict[str, Any]:
    body = {"kind": kind, "content_type": content_type, "size_bytes": len(data), "filter": filter}
    response = client.post("/media", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def post_file(slot: dict[str, Any], data: bytes, content_type: str) -> requests.Response:
    """The browser's part: a multipart POST of the form fields, file last, to S3."""
    return requests.post(
        slot["upload"]["url"],
        data=slot["upload"]["fields"],
        files={"file": ("upload", data, content_type)},
        timeout=HTTP_TIMEOUT,
    )


def wait_for_media(client: Client, media_id: str) -> dict[str, Any]:
    """GET /media/{id} until it leaves `pending`: the settled media item."""

    def media() -> dict[str, Any]:
        response = client.get(f"/media/{media_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    return until(
        media, lambda body: body["status"] != "pending", what=f"media {media_id} leaves pending"
    )


def upload_image(
    client: Client, data: bytes, content_type: str, kind: str = "post", filter: str = "none"
) -> dict[str, Any]:
    """Upload slot, file POST, wait: the settled media item (images or videos)."""
    slot = open_upload(client, data, content_type, kind, filter)
    assert post_file(slot, data, content_type).status_code in (200, 201, 204)
    return wait_for_media(client, slot["media_id"])


QUEUE_COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


def queue_counts(cloud: LocalCloud, logical_id: str) -> dict[str, str]:
    """The queue's messages waiting and in flight."""
    sqs = cloud.provisioner.client("sqs")
    answer = sqs.get_queue_attributes(QueueUrl=cloud.ref(logical_id), AttributeNames=QUEUE_COUNTS)
    return dict(answer["Attributes"])


def queue_drained(cloud: LocalCloud, logical_id: str) -> None:
    """Wait until the queue holds no message, visible or in flight: every message sent to it
    so far has been handled (deleted once its function returned) or moved to its DLQ."""
    until(
        lambda: queue_counts(cloud, logical_id),
        lambda counts: set(counts.values()) == {"0"},
        what=f"{logical_id} is drained",
    )
