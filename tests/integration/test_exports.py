"""Data exports through their handlers, against moto: the request's rules (one pending, one a
day, a failed one gives its day back, a stale one blocks nothing), the exporter's archive (every
file, the originals byte for byte, memory-flat multipart parts), `export_ready`, re-delivery,
running out of time and the last receive. Every AWS call is checked against the functions'
policies by the suite's recorder (tests/integration/iam.py)."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.exporter import app as exporter_app
from glimpse.clock import new_id, now
from glimpse.config import get_settings
from glimpse.errors import Conflict
from glimpse.events import ExportRequested
from glimpse.exports import contents, service
from glimpse.models.exports import Export, export_sk, exports_pk
from glimpse.models.objects import export_key, original_key
from infra.local.delivery import sqs_event
from infra.local.provision import not_emulated
from tests.conftest import ARCHIVE_FILES, FakeContext, load_event, run_concurrently
from tests.integration.conftest import Stack
from tests.integration.social import (
    User,
    api,
    follow,
    make_media,
    make_user,
    post,
    settle,
)
from tests.integration.test_messages import say, start
from tests.integration.test_stories import story_media


def request(user: User) -> tuple[int, Any]:
    return api("exports", "request_export", user)


def status_of(user: User, export_id: str) -> tuple[int, Any]:
    return api("exports", "get_export", user, {"export_id": export_id})


def original(stack: Stack, user: User, data: bytes, kind: str = "post") -> str:
    """A ready media item with its original kept where the thumbnailer keeps it."""
    media_id = make_media(user, kind=kind) if kind != "story" else story_media(stack, user)
    stack.client("s3").put_object(
        Bucket=get_settings().media_bucket,
        Key=original_key(user.id, media_id, kind),
        Body=data,
        ContentType="image/png" if kind == "story" else "image/jpeg",
    )
    return media_id


def archive_of(stack: Stack, user: User, export_id: str) -> zipfile.ZipFile:
    body = (
        stack.client("s3")
        .get_object(Bucket=get_settings().media_bucket, Key=export_key(user.id, export_id))["Body"]
        .read()
    )
    return zipfile.ZipFile(io.BytesIO(body))


def read_json(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name))


def test_an_archive_holds_the_account_and_its_originals(stack: Stack) -> None:
    alice, bob, carol, dave = (make_user(prefix=p) for p in ("alice", "bob", "carol", "dave"))
    datas = [bytes([n]) * (1000 + n) for n in (1, 2)]
    photos = {original(stack, alice, data): data for data in datas}
    first, second = list(photos)
    _s, created = api("posts", "create_post", alice, body={"media_ids": [first], "caption": "one"})
    api("posts", "create_post", alice, body={"media_ids": [second], "caption": "two #x"})
    story_photo = b"\x89PNG story bytes"
    story_id = original(stack, alice, story_photo, kind="story")
    photos[story_id] = story_photo
    status, story = api("stories", "create_story", alice, body={"media_id": story_id})
    assert status == 201, story
    follow(bob, alice)
    follow(alice, carol)
    assert api("graph", "block", alice, {"username": dave.username})[0] == 204
    bobs_post = post(bob, f"bob's, with @{alice.username}")  # a mention: its sight is read
    assert api("posts", "like", alice, {"post_id": bobs_post})[0] == 200
    shelf = api("posts", "create_collection", alice, body={"name": "Keep"})[1]
    saving = {"collection_id": shelf["collection_id"]}
    assert api("posts", "save", alice, {"post_id": bobs_post}, body=saving)[0] == 204
    comment = {"text": "nice"}
    assert api("posts", "create_comment", alice, {"post_id": bobs_post}, body=comment)[0] == 201
    assert api("posts", "like", bob, {"post_id": created["post_id"]})[0] == 200
    conversation = start(alice, bob)["conversation_id"]
    say(alice, conversation, "hello bob")
    say(bob, conversation, "hi alice")
    settle()

    status, body = request(alice)
    assert status == 202, body
    assert body == {
        "export_id": body["export_id"],
        "status": "pending",
        "url": None,
        "expires_at": None,
        "size_bytes": None,
    }
    export_id = body["export_id"]
    assert request(alice)[0] == 409  # one pending at a time
    assert status_of(alice, export_id)[1]["status"] == "pending"
    settle()

    status, ready = status_of(alice, export_id)
    assert status == 200, ready
    assert ready["status"] == "ready"
    assert ready["url"]
    assert ready["expires_at"]
    assert status_of(bob, export_id)[0] == 404  # someone else's export does not exist
    archive = archive_of(stack, alice, export_id)
    assert ready["size_bytes"] == len_of(stack, alice, export_id)
    names = set(archive.namelist())
    assert names >= ARCHIVE_FILES
    media = {n for n in names if n.startswith("media/")}
    assert media == {f"media/{first}.jpg", f"media/{second}.jpg", f"media/{story_id}.png"}
    for media_id, data in photos.items():
        (name,) = [n for n in media if media_id in n]
        assert archive.read(name) == data  # the original, byte for byte
    assert archive.testzip() is None  # every CRC checks out

    profile = read_json(archive, "profile.json")
    assert (profile["username"], profile["email"]) == (
        alice.username,
        f"{alice.username}@example.com",
    )
    posts = read_json(archive, "posts.json")
    assert [p["caption"] for p in posts] == ["two #x", "one"]  # newest first
    assert posts[1]["media_ids"] == [first]
    assert read_json(archive, "likes.json") == [
        {"post_id": bobs_post, "liked_at": read_json(archive, "likes.json")[0]["liked_at"]}
    ]
    assert [c["text"] for c in read_json(archive, "comments.json")] == ["nice"]
    saved = read_json(archive, "saved.json")
    assert sorted((s["post_id"], s["collection"] or "") for s in saved) == sorted(
        [(bobs_post, ""), (bobs_post, "Keep")]
    )
    assert all(s["saved_at"] for s in saved)
    assert [(f["username"], f["status"]) for f in read_json(archive, "followers.json")] == [
        (bob.username, "following")
    ]
    assert [f["username"] for f in read_json(archive, "following.json")] == [carol.username]
    assert [b["username"] for b in read_json(archive, "blocked.json")] == [dave.username]
    stories = read_json(archive, "stories.json")
    assert [s["story_id"] for s in stories["live"]] == [story["story_id"]]
    assert stories["highlights"] == []
    (conv,) = read_json(archive, "messages.json")
    assert conv["members"] == [bob.username]
    assert [(m["sender"], m["text"]) for m in conv["messages"]] == [
        (alice.username, "hello bob"),
        (bob.username, "hi alice"),
    ]
    kinds = [n["type"] for n in read_json(archive, "notifications.json")]
    assert {"like", "follow", "mention"} <= set(kinds)
    readme = archive.read("README.txt").decode()
    assert alice.username in readme
    assert "posts.json           2" in readme

    # The owner is told: an export_ready notification with no actor, naming the export.
    status, listed = api("notifications", "list", alice)
    (ready_note,) = [n for n in listed["items"] if n["type"] == "export_ready"]
    assert ready_note["export_id"] == export_id
    assert (ready_note["actors"], ready_note["actor_count"]) == ([], 0)
    assert ready_note["text"] == "Your data export is ready to download"

    # The link works (for an hour) and downloads the same archive.
    downloaded = requests.get(ready["url"], timeout=30)
    assert downloaded.status_code == 200
    assert len(downloaded.content) == ready["size_bytes"]

    # One a day: the next request is refused with when to come back.
    status, refused = request(alice)
    assert status == 429, refused
    assert refused["error"]["code"] == "rate_limited"


def len_of(stack: Stack, user: User, export_id: str) -> int:
    head = stack.client("s3").head_object(
        Bucket=get_settings().media_bucket, Key=export_key(user.id, export_id)
    )
    return int(head["ContentLength"])


# --------------------------------------------------------------------------- the exporter
def deliver(
    user: User,
    export_id: str,
    *,
    receives: int = 1,
    remaining_ms: int = 900_000,
    event_id: str | None = None,
) -> list[dict[str, str]]:
    """One exports-queue record asking for `export_id`, through the exporter's handler; the
    batch item failures it reports."""
    event = load_event("exporter/export_requested")
    record = event["Records"][0]
    ids = {"event_id": event_id} if event_id else {}
    record["body"] = ExportRequested(user_id=user.id, export_id=export_id, **ids).model_dump_json()
    record["messageId"] = str(uuid.uuid4())
    record["attributes"]["ApproximateReceiveCount"] = str(receives)
    response = exporter_app.lambda_handler(sqs_event([record]), FakeContext(remaining_ms))
    return list(response["batchItemFailures"])


def stored(user: User, export_id: str) -> Export:
    return Export.get(exports_pk(user.id), export_sk(export_id), consistent_read=True)


def uploads_in_progress(stack: Stack, user: User) -> list[Any]:
    listed = stack.client("s3").list_multipart_uploads(
        Bucket=get_settings().media_bucket, Prefix=f"exports/{user.id}/"
    )
    return list(listed.get("Uploads", []))


def export_ready_notes(user: User) -> list[dict[str, Any]]:
    status, body = api("notifications", "list", user)
    assert status == 200, body
    return [n for n in body["items"] if n["type"] == "export_ready"]


def test_a_redelivered_request_builds_nothing_more(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    export_id = request(alice)[1]["export_id"]
    event_id = new_id()
    assert deliver(alice, export_id, event_id=event_id) == []
    first = stored(alice, export_id)
    assert first.status == "ready"
    assert deliver(alice, export_id, event_id=event_id) == []  # the same message again
    assert deliver(alice, export_id) == []  # another request for it (its outbox event, say)
    settle()  # the outbox's own export_requested too, and the notifier
    again = stored(alice, export_id)
    assert (again.settled_at, again.size_bytes) == (first.settled_at, first.size_bytes)
    assert len(export_ready_notes(alice)) == 1


def test_an_archive_larger_than_a_part_goes_in_parts(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    big = os.urandom(12 * 1024 * 1024)  # stored as is: the archive passes 8 MiB
    media_id = original(stack, alice, big)
    export_id = request(alice)[1]["export_id"]
    assert deliver(alice, export_id) == []
    head = stack.client("s3").head_object(
        Bucket=get_settings().media_bucket, Key=export_key(alice.id, export_id)
    )
    assert head["ETag"].strip('"').endswith("-2")  # two parts: 8 MiB, then the rest
    assert head["ContentType"] == "application/zip"
    assert archive_of(stack, alice, export_id).read(f"media/{media_id}.jpg") == big


def test_running_out_of_time_fails_the_export_and_drops_its_parts(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    export_id = request(alice)[1]["export_id"]
    assert deliver(alice, export_id, remaining_ms=30_000) == []  # not retried: it would run out too
    assert (stored(alice, export_id).status, stored(alice, export_id).reason) == (
        "failed",
        "out_of_time",
    )
    assert uploads_in_progress(stack, alice) == []
    assert status_of(alice, export_id)[1]["status"] == "failed"
    assert request(alice)[0] == 202  # a failed export gives its day back


def test_a_failure_is_retried_and_the_last_receive_fails_the_export(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_user(prefix="alice")
    export_id = request(alice)[1]["export_id"]

    def broken(_profile: Any) -> Any:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(contents, "files", broken)
    with pytest.raises(BatchProcessingError):  # the whole batch (of one) failed: retried
        deliver(alice, export_id, receives=1)
    assert stored(alice, export_id).status == "pending"
    assert uploads_in_progress(stack, alice) == []  # its parts are dropped
    with pytest.raises(BatchProcessingError):  # the last receive: on to the DLQ
        deliver(alice, export_id, receives=5)
    assert (stored(alice, export_id).status, stored(alice, export_id).reason) == (
        "failed",
        "retries_exhausted",
    )


def test_one_pending_one_a_day_and_a_stale_one_blocks_nothing(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    first = request(alice)[1]["export_id"]
    stale = stored(alice, first)
    stale.update(actions=[Export.requested_at.set(now() - service.STALE - timedelta(minutes=1))])
    assert status_of(alice, first)[1]["status"] == "failed"  # its queue gave up long ago
    second = request(alice)
    assert second[0] == 202, second  # so it does not count
    assert service.settle_ready(stored(alice, second[1]["export_id"]), 10)
    response = raw_request(alice)
    assert response["statusCode"] == 429
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    assert 86_000 < int(headers["Retry-After"]) <= 86_400  # when the day is over
    assert json.loads(response["body"])["error"]["code"] == "rate_limited"


def test_two_requests_at_once_make_one_export(stack: Stack) -> None:
    """Through the service (a Lambda process serves one request at a time; the race is in
    DynamoDB): the ledger's version lets one through, the other reads again and finds it."""
    alice = make_user(prefix="alice")

    def attempt(_index: int) -> str:
        try:
            return service.request_export(alice.id).status
        except Conflict:
            return "conflict"

    assert sorted(run_concurrently(2, attempt)) == ["conflict", "pending"]
    exports = list(Export.query(exports_pk(alice.id), Export.sk.startswith("EXPORT#")))
    assert len(exports) == 1


def test_an_expired_archive_is_gone_with_its_notification(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    export_id = request(alice)[1]["export_id"]
    settle()
    assert status_of(alice, export_id)[1]["status"] == "ready"
    assert len(export_ready_notes(alice)) == 1
    stored(alice, export_id).update(actions=[Export.expires_at.set(now() - timedelta(seconds=1))])
    status, body = status_of(alice, export_id)
    assert status == 404, body
    assert export_ready_notes(alice) == []
    assert status_of(alice, "not-an-id")[0] == 404


def test_the_sample_event_runs_through_the_exporter(stack: Stack) -> None:
    """events/exporter/ is what `sam local invoke -e` feeds it: a request for an export that
    is not pending (none here) is done, not failed."""
    response = exporter_app.lambda_handler(
        load_event("exporter/export_requested"), FakeContext(900_000)
    )
    assert response["batchItemFailures"] == []


def raw_request(user: User) -> dict[str, Any]:
    from functions.exports import app as exports_app
    from tests.integration.conftest import as_user

    event = as_user("exports/request_export", user.id, user.username)
    return dict(exports_app.lambda_handler(event, FakeContext()))


def test_the_local_cloud_says_it_does_not_run_lifecycle_rules(stack: Stack) -> None:
    """Archives are deleted after 7 days by a lifecycle rule, which moto stores and never
    runs: the start report says so, naming the rules."""
    (line,) = [
        line
        for line in stack.provisioner.report.lines()
        if line.startswith("NOT EMULATED: MediaBucket.LifecycleConfiguration")
    ]
    assert "ExpireExports" in line
    assert not_emulated("Plain", "AWS::S3::Bucket", {}) == []


def test_export_ready_is_pushed_to_the_owners_devices(stack: Stack) -> None:
    """A notification with no actor goes the way of the others: written, then pushed."""
    from tests.integration.test_notifications import _endpoint_messages

    alice = make_user(prefix="alice")
    token = uuid.uuid4().hex * 2  # an APNs token's shape
    body = {"platform": "ios", "token": token}
    assert api("notifications", "register_device", alice, body=body)[0] == 201
    assert request(alice)[0] == 202
    settle()
    assert _endpoint_messages(stack)[token] == ["Your data export is ready to download"]
