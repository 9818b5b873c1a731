"""The thumbnailer handler against moto: S3 notifications in SQS records, as AWS sends them."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError

from functions.media import app as media
from functions.thumbnailer import app as thumbnailer
from glimpse.adapters import media_bucket
from glimpse.media import service
from glimpse.models.media import MediaItem
from infra.local.delivery import sqs_event, sqs_record
from tests import images
from tests.conftest import FakeContext, load_event
from tests.images import HOSTILE, Hostile
from tests.integration.conftest import Stack, as_user


def create_slot(
    user: dict[str, str], content_type: str, kind: str = "post", filter: str = "none"
) -> tuple[str, str]:
    body = {"kind": kind, "content_type": content_type, "size_bytes": 1000, "filter": filter}
    event = as_user("media/create_media", user["id"], user["username"], body=json.dumps(body))
    response = media.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 201, response["body"]
    created = json.loads(response["body"])
    return created["media_id"], created["upload"]["fields"]["key"]


def upload(stack: Stack, user: dict[str, str], data: bytes, content_type: str) -> tuple[str, str]:
    media_id, key = create_slot(user, content_type)
    stack.client("s3").put_object(
        Bucket=stack.ref("MediaBucket"), Key=key, Body=data, ContentType=content_type
    )
    return media_id, key


def notification_record(
    stack: Stack, key: str, size: int = 1000, sequencer: str | None = None
) -> dict[str, Any]:
    """One SQS record holding the S3 notification for `key` (the sample event, filled in)."""
    (record,) = load_event("thumbnailer/upload")["Records"]
    body = json.loads(record["body"])
    s3 = body["Records"][0]["s3"]
    s3["bucket"]["name"] = stack.ref("MediaBucket")
    s3["object"].update(
        key=quote_plus(key, safe="/"), size=size, sequencer=sequencer or uuid.uuid4().hex[:18]
    )
    return {**record, "messageId": str(uuid.uuid4()), "body": json.dumps(body)}


def deliver(*records: dict[str, Any]) -> list[str]:
    """Run the handler on one batch; the message ids it reports as failed."""
    response = thumbnailer.lambda_handler({"Records": list(records)}, FakeContext())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def item(media_id: str) -> MediaItem:
    found = service.find(media_id)
    assert found is not None
    return found


def exists(stack: Stack, key: str) -> bool:
    try:
        stack.client("s3").head_object(Bucket=stack.ref("MediaBucket"), Key=key)
    except ClientError:
        return False
    return True


def read(stack: Stack, key: str) -> bytes:
    return bytes(
        stack.client("s3").get_object(Bucket=stack.ref("MediaBucket"), Key=key)["Body"].read()
    )


def test_an_upload_becomes_ready_with_clean_renditions(stack: Stack, user: dict[str, str]) -> None:
    media_id, key = upload(stack, user, images.jpeg_with_private_metadata(), "image/jpeg")
    assert deliver(notification_record(stack, key)) == []

    settled = item(media_id)
    assert (settled.status, settled.width, settled.height) == ("ready", 800, 600)
    assert settled.expires_at is None  # a ready item is kept
    keys = settled.renditions.as_dict()
    assert keys == {s: f"renditions/{media_id}/{s}.jpg" for s in ("1080", "640", "320", "150")}
    for size, rendition in keys.items():
        head = stack.client("s3").head_object(Bucket=stack.ref("MediaBucket"), Key=rendition)
        assert head["ContentType"] == "image/jpeg"
        data = read(stack, rendition)
        images.assert_clean_progressive_jpeg(data)
        assert max(images.size_of(data)) == min(int(size), 800)
    assert not exists(stack, key), "the quarantined upload is removed"
    assert exists(stack, f"originals/{user['id']}/{media_id}")

    view = service.get_media(user["id"], media_id)
    cdn = stack.provisioner.resolver.get_att("MediaCdn", "DomainName")
    assert view.renditions == {
        s: f"https://{cdn}/{media_id}/{s}.jpg" for s in ("1080", "640", "320", "150")
    }
    assert view.blurhash
    assert view.reason is None


def test_the_filter_named_at_upload_is_in_every_rendition(
    stack: Stack, user: dict[str, str]
) -> None:
    media_id, key = create_slot(user, "image/jpeg", filter="mono")
    stack.client("s3").put_object(
        Bucket=stack.ref("MediaBucket"), Key=key, Body=images.jpeg(1600, 1200)
    )
    assert deliver(notification_record(stack, key)) == []
    settled = item(media_id)
    assert settled.status == "ready"
    for rendition in settled.renditions.as_dict().values():
        for spot in ((0.2, 0.2), (0.5, 0.5), (0.8, 0.7)):
            red, green, blue = images.pixel(read(stack, rendition), *spot)
            assert max(red, green, blue) - min(red, green, blue) <= 4  # grey: mono


def test_a_redelivered_or_repeated_notification_changes_nothing(
    stack: Stack, user: dict[str, str]
) -> None:
    media_id, key = upload(stack, user, images.jpeg(900, 600), "image/jpeg")
    record = notification_record(stack, key, sequencer="00AA00AA00AA00AA01")
    assert deliver(record) == []
    first = item(media_id)
    assert deliver(record, {**record, "messageId": "dup"}) == []  # twice, even in one batch
    again = item(media_id)
    assert (again.status, again.updated_at, again.blurhash) == (
        "ready",
        first.updated_at,
        first.blurhash,
    )


def test_a_second_upload_to_a_settled_slot_is_dropped(stack: Stack, user: dict[str, str]) -> None:
    media_id, key = upload(stack, user, images.jpeg(900, 600), "image/jpeg")
    assert deliver(notification_record(stack, key)) == []
    before = item(media_id)
    bucket = stack.ref("MediaBucket")
    stack.client("s3").put_object(Bucket=bucket, Key=key, Body=images.jpeg(300, 300))
    assert deliver(notification_record(stack, key)) == []
    after = item(media_id)
    assert (after.width, after.height, after.updated_at) == (900, 600, before.updated_at)
    assert not exists(stack, key)


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_uploads_end_ready_or_rejected_never_retried(
    stack: Stack, user: dict[str, str], hostile: Hostile
) -> None:
    data = hostile.make()
    media_id, key = upload(stack, user, data, hostile.declared)
    assert deliver(notification_record(stack, key, size=len(data))) == []
    settled = item(media_id)
    if hostile.reason is None:
        assert settled.status == "ready"
        for rendition in settled.renditions.as_dict().values():
            images.assert_clean_progressive_jpeg(read(stack, rendition))
    else:
        assert (settled.status, settled.reason) == ("rejected", hostile.reason)
        assert settled.renditions is None
        assert service.get_media(user["id"], media_id).reason == hostile.reason
    assert not exists(stack, key), "a rejected original is deleted, an accepted one moved"


def test_an_object_over_the_limit_is_rejected_without_reading_it(
    stack: Stack, user: dict[str, str]
) -> None:
    # AWS's POST policy refuses it; the local S3 does not, so the thumbnailer checks again.
    data = images.jpeg(64, 64) + b"\x00" * (10 * 1024 * 1024)
    media_id, key = upload(stack, user, data, "image/jpeg")
    assert deliver(notification_record(stack, key, size=len(data))) == []
    assert (item(media_id).status, item(media_id).reason) == ("rejected", "too_large")


def test_test_events_and_foreign_keys_are_acknowledged_and_ignored(
    stack: Stack, user: dict[str, str]
) -> None:
    (test_event,) = load_event("thumbnailer/s3_test_event")["Records"]
    bucket = stack.ref("MediaBucket")
    stack.client("s3").put_object(Bucket=bucket, Key="uploads/not-a-slot", Body=b"x")
    stray = notification_record(stack, "uploads/not-a-slot")
    forged_id = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"  # a well-formed key with no media item
    stack.client("s3").put_object(Bucket=bucket, Key=f"uploads/{user['id']}/{forged_id}", Body=b"x")
    forged = notification_record(stack, f"uploads/{user['id']}/{forged_id}")
    assert deliver(test_event, stray, forged) == []
    assert not exists(stack, f"uploads/{user['id']}/{forged_id}")


def test_someone_elses_slot_key_is_not_processed(stack: Stack, user: dict[str, str]) -> None:
    media_id, _key = upload(stack, user, images.jpeg(300, 200), "image/jpeg")
    other = str(uuid.uuid4())
    wrong_key = f"uploads/{other}/{media_id}"
    stack.client("s3").put_object(Bucket=stack.ref("MediaBucket"), Key=wrong_key, Body=b"x")
    assert deliver(notification_record(stack, wrong_key)) == []
    assert item(media_id).status == "pending"


@pytest.fixture
def flaky_s3(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Rendition writes fail for the media ids in the yielded set (an S3 outage for them)."""
    failing: set[str] = set()
    real = media_bucket.put_rendition

    def put(bucket: str, key: str, data: bytes, cache_control: str = "") -> None:
        if key.split("/")[1] in failing:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "PutObject")
        real(bucket, key, data, cache_control)

    monkeypatch.setattr(media_bucket, "put_rendition", put)
    return failing


def test_an_aws_failure_fails_only_its_record_and_the_retry_succeeds(
    stack: Stack, user: dict[str, str], flaky_s3: set[str]
) -> None:
    bad_id, bad_key = upload(stack, user, images.jpeg(400, 300), "image/jpeg")
    good_id, good_key = upload(stack, user, images.jpeg(400, 300), "image/jpeg")
    flaky_s3.add(bad_id)
    bad, good = notification_record(stack, bad_key), notification_record(stack, good_key)
    assert deliver(bad, good) == [bad["messageId"]]
    assert (item(bad_id).status, item(good_id).status) == ("pending", "ready")
    flaky_s3.clear()
    assert deliver(bad) == []  # SQS redelivers it after the visibility timeout
    assert item(bad_id).status == "ready"


def test_a_real_s3_notification_with_its_url_encoded_key(
    stack: Stack, user: dict[str, str]
) -> None:
    """moto sends the notification to the template's queue on PutObject, key URL-encoded."""
    sqs = stack.client("sqs")
    queue = stack.ref("UploadsQueue")
    media_id, key = upload(stack, user, images.jpeg(500, 400), "image/jpeg")
    records: list[dict[str, object]] = []
    # Other tests of this process upload too: read until this upload's notification or an
    # empty queue, however many came before it.
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            if quote_plus(key, safe="") in message["Body"] or key in message["Body"]:
                records.append(
                    sqs_record(message, stack.provisioner.resolver.get_att("UploadsQueue", "Arn"))
                )
        if records:
            break
    assert records, "no notification for the upload"
    assert deliver(*sqs_event(records)["Records"]) == []
    assert item(media_id).status == "ready"


def test_a_ready_avatar_becomes_the_profiles_avatar(stack: Stack, auto_confirm: None) -> None:
    from functions.auth import app as auth
    from functions.users import app as users

    name = f"av{uuid.uuid4().hex[:10]}"
    signup = load_event(
        "auth/signup",
        body=json.dumps(
            {"username": name, "email": f"{name}@example.com", "password": "correct-horse-1"}
        ),
    )
    assert auth.lambda_handler(signup, FakeContext())["statusCode"] == 201
    attributes = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.ref("UserPool"), Username=name
    )["UserAttributes"]
    owner = {"id": next(a["Value"] for a in attributes if a["Name"] == "sub"), "username": name}

    def patch(media_id: str) -> tuple[int, Any]:
        event = as_user(
            "users/patch_me", owner["id"], name, body=json.dumps({"avatar_media_id": media_id})
        )
        response = users.lambda_handler(event, FakeContext())
        return response["statusCode"], json.loads(response["body"])

    pending_id, _key = create_slot(owner, "image/jpeg", kind="avatar")
    post_id, _post_key = create_slot(owner, "image/jpeg", kind="post")
    stranger_id, _ = create_slot({"id": str(uuid.uuid4()), "username": "x"}, "image/jpeg", "avatar")
    for media_id in (pending_id, post_id, stranger_id):
        status, body = patch(media_id)
        assert (status, body["error"]["details"][0]["field"]) == (400, "avatar_media_id")

    avatar_id, key = create_slot(owner, "image/png", kind="avatar")
    stack.client("s3").put_object(
        Bucket=stack.ref("MediaBucket"), Key=key, Body=images.png_with_alpha()
    )
    assert deliver(notification_record(stack, key)) == []
    status, body = patch(avatar_id)
    assert status == 200
    cdn = stack.provisioner.resolver.get_att("MediaCdn", "DomainName")
    assert body["avatar"]["150"] == f"https://{cdn}/{avatar_id}/150.jpg"
    assert set(body["avatar"]) == {"1080", "640", "320", "150"}
