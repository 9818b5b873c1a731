"""The local cloud started in this process on free ports; tests talk HTTP to it."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from infra.local import atomicity
from infra.local.cloud import LocalCloud
from infra.local.delivery import DeliveryOptions

PASSWORD = "correct-horse-1"


# `make test` runs the social suite a second time with both set (GLIMPSE_E2E_CHAOS=0.2): every
# consumer gets re-delivered, shuffled batches and a share of DynamoDB transactions is cancelled
# with TransactionConflict, as on `make run ARGS="--chaos 0.2 --chaos-conflicts 0.2"`.
CHAOS = float(os.environ.get("GLIMPSE_E2E_CHAOS") or 0)


@pytest.fixture(scope="session")
def cloud() -> Iterator[LocalCloud]:
    options = DeliveryOptions(
        retry_delay=0.2, ttl_interval=0.5, chaos=CHAOS, chaos_conflicts=CHAOS, seed=1
    )
    local = LocalCloud(port=0, options=options)
    local.start()
    yield local
    local.stop()
    if CHAOS:  # the run proved something only if transactions were really cancelled
        assert atomicity.conflicts_caused() > 0


@dataclass
class Client:
    base: str
    token: str | None = None
    username: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.base + path, headers=headers, timeout=15, **kwargs)

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
        timeout=15,
    )


def wait_for_media(client: Client, media_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """GET /media/{id} until it leaves `pending` (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/media/{media_id}")
        assert response.status_code == 200, response.text
        body = dict(response.json())
        if body["status"] != "pending" or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def upload_image(
    client: Client,
    data: bytes,
    content_type: str,
    kind: str = "post",
    filter: str = "none",
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Upload slot, file POST, wait: the settled media item (images or videos)."""
    slot = open_upload(client, data, content_type, kind, filter)
    assert post_file(slot, data, content_type).status_code in (200, 201, 204)
    return wait_for_media(client, slot["media_id"], timeout)
