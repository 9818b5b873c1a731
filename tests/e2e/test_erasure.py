"""Erasure, end to end: a rich account is deleted on a local cloud started with a short
`AccountDeletionGraceSeconds` (as a process of its own, also under chaos), and once the grace
period has passed nothing holding its user id or username is left anywhere the local cloud
keeps data: every DynamoDB table, every object key and its metadata, every search index, the
user pool. The others' counts are exact again and the username is free.

Three kinds of records may still name the account for a bounded time, and the scan checks that
bound instead (docs/operations.md, section 4c): outbox items of the events erasure itself
publishes (published at once, expire a day later), idempotency records (a day) and the
sessions item that refuses its last ID tokens (two hours).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
import requests
from botocore.exceptions import ClientError

from tests import images
from tests.e2e.conftest import PASSWORD, Client, new_username, upload_image
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.waiting import HTTP_TIMEOUT, scaled, until

pytestmark = pytest.mark.long(90)  # seconds alone on an idle 2-core machine (conftest)

# Long enough to build the account on a loaded machine before erasure may start; the test then
# waits for it as long as it takes.
GRACE = round(scaled(20))
TRANSIENT_TABLES = {
    "glimpse-EventsTable",
    "glimpse-IdempotencyTable",
    "glimpse-SessionsTable",
    "glimpse-RateLimitsTable",  # buckets expire a day after their last use
}
A_DAY = timedelta(days=1, minutes=5)


def sign_up(base: str, prefix: str, private: bool = False) -> Client:
    client = Client(base, username=new_username(prefix))
    body = {"username": client.username, "email": f"{client.username}@example.com"}
    assert client.post("/auth/signup", json={**body, "password": PASSWORD}).status_code == 201
    login = client.post("/auth/login", json={"username": client.username, "password": PASSWORD})
    client.token = login.json()["id_token"]
    if private:
        assert client.patch("/me", json={"is_private": True}).status_code == 200
    return client


def ok(response: requests.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201, 204)), response.text
    return dict(response.json()) if response.content else {}


def publish(client: Client, caption: str) -> str:
    media = upload_image(client, images.jpeg(640, 480), "image/jpeg")
    post = ok(client.post("/posts", json={"media_ids": [media["media_id"]], "caption": caption}))
    return str(post["post_id"])


def build_rich_account(alice: Client, bob: Client, carol: Client, dana: Client) -> dict[str, str]:
    """Alice's account as the issue lists it (a saved export and two-factor authentication
    too), with bob, carol and dana around her."""
    for a, b in ((bob, alice), (alice, bob), (dana, alice)):
        ok(a.post(f"/users/{b.username}/follow"))
    ok(alice.post(f"/users/{carol.username}/follow"))  # carol is private: a pending request
    ok(bob.put("/me/close-friends", json={"usernames": [alice.username]}))
    alice_post = publish(alice, "#erasable first")
    publish(alice, f"second, with @{bob.username}")
    bob_post = publish(bob, "bob's")
    ok(bob.post(f"/posts/{alice_post}/like"))
    ok(bob.post(f"/posts/{alice_post}/comments", json={"text": "nice"}))
    ok(alice.post(f"/posts/{bob_post}/like"))
    ok(alice.post(f"/posts/{bob_post}/comments", json={"text": f"thanks @{bob.username}"}))
    ok(dana.post(f"/posts/{bob_post}/like"))
    media = upload_image(alice, images.jpeg(720, 1280), "image/jpeg", kind="story")
    story = ok(alice.post("/stories", json={"media_id": media["media_id"]}))
    ok(bob.post(f"/stories/{story['story_id']}/view"))
    ok(alice.post("/highlights", json={"title": "Kept", "story_ids": [story["story_id"]]}))
    one = ok(alice.post("/conversations", json={"usernames": [bob.username]}))
    group = ok(alice.post("/conversations", json={"usernames": [bob.username, dana.username]}))
    for conversation, sender in ((one, alice), (one, bob), (group, alice), (group, dana)):
        ok(
            sender.post(
                f"/conversations/{conversation['conversation_id']}/messages", json={"text": "hi"}
            )
        )
    secret = ok(alice.post("/me/totp"))["secret"]  # two-factor on
    ok(alice.post("/me/totp/verify", json={"code": pyotp.TOTP(secret).now()}), 204)
    export = ok(alice.post("/me/exports"), 202)
    until(
        lambda: ok(alice.get(f"/me/exports/{export['export_id']}"))["status"],
        lambda status: status == "ready",
        what="alice's saved export",
    )
    return {"bob_post": bob_post, "group": str(group["conversation_id"])}


class Stores:
    """The local cloud's AWS, read from the outside (its embedded endpoint and search front)."""

    def __init__(self, port: int) -> None:
        options: dict[str, Any] = {
            "endpoint_url": f"http://127.0.0.1:{port + 3}",
            "region_name": "us-east-1",
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
        self.dynamodb = boto3.client("dynamodb", **options)
        self.s3 = boto3.client("s3", **options)
        self.cognito = boto3.client("cognito-idp", **options)
        self.search = f"http://127.0.0.1:{port + 5}"

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for table in self.dynamodb.list_tables()["TableNames"]:
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    yield table, item

    def objects(self) -> Iterator[tuple[str, str]]:
        """(bucket, key and metadata) of every object."""
        for bucket in self.s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                for entry in page.get("Contents", []):
                    try:
                        head = self.s3.head_object(Bucket=name, Key=entry["Key"])
                    except ClientError:  # deleted since it was listed
                        continue
                    yield name, f"{entry['Key']} {json.dumps(head.get('Metadata', {}))}"

    def documents(self) -> Iterator[tuple[str, str]]:
        for index in ("users", "posts", "hashtags"):
            response = requests.post(
                f"{self.search}/{index}/_search",
                json={"query": {"match_all": {}}, "size": 10_000},
                timeout=HTTP_TIMEOUT,
            )
            if response.status_code == 404:
                continue
            assert response.status_code == 200, response.text
            for hit in response.json()["hits"]["hits"]:
                yield index, json.dumps(hit)

    def pool_users(self) -> Iterator[str]:
        for pool in self.cognito.list_user_pools(MaxResults=60)["UserPools"]:
            for page in self.cognito.get_paginator("list_users").paginate(UserPoolId=pool["Id"]):
                for user in page["Users"]:
                    yield json.dumps(user, default=str)


def _expires_within_a_day(table: str, item: dict[str, Any]) -> bool:
    attribute = item.get("expires_at") or item.get("expiration")
    if attribute is None:
        return False
    expiry = datetime.fromtimestamp(float(attribute["N"]), UTC)
    return expiry - datetime.now(UTC) <= A_DAY


def leftovers(stores: Stores, marks: list[str]) -> list[str]:
    """Everything that still names the account (its id or username), but transient records
    that expire within a day."""
    found: list[str] = []

    def names(text: str) -> bool:
        lowered = text.lower()
        return any(mark.lower() in lowered for mark in marks)

    for table, item in stores.items():
        if names(json.dumps(item)):
            if table in TRANSIENT_TABLES and _expires_within_a_day(table, item):
                continue
            found.append(f"{table}: {json.dumps(item)[:300]}")
    found += [f"s3 {bucket}: {text}" for bucket, text in stores.objects() if names(text)]
    found += [f"search {index}: {text[:200]}" for index, text in stores.documents() if names(text)]
    found += [f"user pool: {user[:200]}" for user in stores.pool_users() if names(user)]
    return found


def counts(client: Client, post_id: str, username: str) -> dict[str, int]:
    post = ok(client.get(f"/posts/{post_id}"))
    user = ok(client.get(f"/users/{username}"))
    return {
        "likes": post["like_count"],
        "comments": post["comment_count"],
        "followers": user["followers_count"],
        "following": user["following_count"],
    }


@pytest.mark.parametrize(
    "chaos",
    [(), ("--chaos", "0.2", "--chaos-conflicts", "0.2")],
    ids=["calm", "chaos"],
)
def test_after_the_grace_period_nothing_of_the_account_is_left(
    tmp_path: Path, chaos: tuple[str, ...]
) -> None:
    arguments = ("--no-state", "--parameter", f"AccountDeletionGraceSeconds={GRACE}")
    port = free_ports()
    log = tmp_path / "cloud.log"
    with local_cloud(
        port, tmp_path / "state", log, *arguments, "--ttl-interval", "1", *chaos
    ) as base:
        alice, bob = sign_up(base, "erased"), sign_up(base, "bob")
        carol, dana = sign_up(base, "carol", private=True), sign_up(base, "dana")
        built = build_rich_account(alice, bob, carol, dana)
        marks = [alice.user_id, alice.username]
        stores = Stores(port)
        until(
            lambda: list(ok(alice.get("/notifications"))["items"]),
            lambda items: len(items) >= 2,
            what="alice's notifications",
        )
        until(
            lambda: counts(bob, built["bob_post"], bob.username),
            lambda seen: seen == {"likes": 2, "comments": 1, "followers": 1, "following": 1},
            what="bob's counts with alice's like, comment and follows",
        )
        assert leftovers(stores, marks), "the account is there before it is deleted"

        deleted = ok(alice.request("DELETE", "/me", json={"password": PASSWORD}), 202)
        erase_after = datetime.fromisoformat(deleted["erase_after"])
        time.sleep(max(0.0, (erase_after - datetime.now(UTC)).total_seconds()))

        left = until(
            lambda: leftovers(stores, marks),
            lambda found: not found,
            what="nothing of the erased account left",
            deadline=scaled(240),
        )
        assert left == []
        assert counts(bob, built["bob_post"], bob.username) == {
            "likes": 1,  # dana's
            "comments": 0,
            "followers": 0,
            "following": 0,
        }
        messages = ok(dana.get(f"/conversations/{built['group']}/messages"))["items"]
        assert [m["text"] for m in messages] == ["hi"], "dana's own message stays"
        again = Client(base).post(
            "/auth/signup",
            json={
                "username": alice.username,
                "email": f"{alice.username}@example.com",
                "password": PASSWORD,
            },
        )
        assert again.status_code == 201, "the username is free again"
