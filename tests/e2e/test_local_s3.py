"""The local cloud's S3 is as locked as the real one: with credentials, only the local cloud's
(SigV4, checked); without, only presigned uploads that keep to their policy and reads of
renditions get through."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.local.cloud import LOCAL_SECRET_KEY, LocalCloud
from tests import images
from tests.e2e.conftest import Client, open_upload, upload_image
from tests.e2e.waiting import HTTP_TIMEOUT


@pytest.fixture(scope="module")
def ready(alice_module: Client) -> dict[str, Any]:
    return upload_image(alice_module, images.jpeg(800, 600), "image/jpeg")


@pytest.fixture(scope="module")
def alice_module(cloud: LocalCloud) -> Client:
    from tests.e2e.conftest import sign_up_and_log_in

    return sign_up_and_log_in(cloud, "alice")


def bucket_url(cloud: LocalCloud) -> str:
    return f"{cloud.s3_url}/{cloud.ref('MediaBucket')}"


def signed_s3(cloud: LocalCloud, key_id: str = "local", secret: str = LOCAL_SECRET_KEY) -> Any:
    """An S3 client on the S3 front, with the local cloud's credentials (as the functions') or
    others."""
    return boto3.client(
        "s3",
        endpoint_url=cloud.s3_url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"mode": "standard", "max_attempts": 1},
        ),
    )


def refusal(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]


def code(response: requests.Response) -> str:
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def post(url: str, fields: dict[str, str], data: bytes, content_type: str) -> requests.Response:
    return requests.post(
        url, data=fields, files={"file": ("upload", data, content_type)}, timeout=HTTP_TIMEOUT
    )


def test_anonymous_listing_and_writes_are_refused(cloud: LocalCloud, ready: dict[str, Any]) -> None:
    listing = requests.get(bucket_url(cloud), timeout=HTTP_TIMEOUT)
    assert (listing.status_code, code(listing)) == (403, "AccessDenied")
    assert requests.get(cloud.s3_url, timeout=HTTP_TIMEOUT).status_code == 403  # ListBuckets
    key = f"{bucket_url(cloud)}/renditions/anything.jpg"
    assert requests.put(key, data=b"x", timeout=HTTP_TIMEOUT).status_code == 403
    assert requests.delete(key, timeout=HTTP_TIMEOUT).status_code == 403
    # The signed clients of the functions and of the local cloud itself still get through.
    assert cloud.provisioner.client("s3").list_objects_v2(Bucket=cloud.ref("MediaBucket"))[
        "KeyCount"
    ]


def test_renditions_are_readable_and_nothing_else_is(
    cloud: LocalCloud, ready: dict[str, Any]
) -> None:
    for url in ready["renditions"].values():
        assert url.startswith(cloud.s3_url)
        assert requests.get(url, timeout=HTTP_TIMEOUT).status_code == 200
        assert requests.head(url, timeout=HTTP_TIMEOUT).status_code == 200
        assert requests.get(f"{url}&v=2", timeout=HTTP_TIMEOUT).status_code == 200  # a cache buster
        acl = requests.get(f"{url}&acl", timeout=HTTP_TIMEOUT)  # another permission
        assert acl.status_code == 403
    s3 = cloud.provisioner.client("s3")
    s3.put_object(Bucket=cloud.ref("MediaBucket"), Key="uploads/someone/original", Body=b"x")
    for method in ("GET", "HEAD"):
        original = requests.request(
            method, f"{bucket_url(cloud)}/uploads/someone/original", timeout=HTTP_TIMEOUT
        )
        assert original.status_code == 403, method


def test_uploads_must_keep_to_their_policy_and_change_nothing_when_they_do_not(
    cloud: LocalCloud, alice_module: Client, ready: dict[str, Any]
) -> None:
    rendition = next(iter(ready["renditions"].values()))
    before = requests.get(rendition, timeout=HTTP_TIMEOUT).content
    data = images.jpeg(64, 64)
    slot = open_upload(alice_module, data, "image/jpeg")
    url, fields = slot["upload"]["url"], dict(slot["upload"]["fields"])
    rendition_key = rendition.split(f"{cloud.ref('MediaBucket')}/", 1)[1]

    refused = {
        "no policy": post(
            url, {k: v for k, v in fields.items() if k != "policy"}, data, "image/jpeg"
        ),
        "another key": post(url, {**fields, "key": rendition_key}, data, "image/jpeg"),
        "another type": post(url, {**fields, "Content-Type": "text/html"}, data, "text/html"),
        "extra field": post(url, {**fields, "acl": "public-read"}, data, "image/jpeg"),
        "bad signature": post(url, {**fields, "x-amz-signature": "0" * 64}, data, "image/jpeg"),
        "another key id": post(
            url,
            {
                **fields,
                "x-amz-credential": "AKIAMADEUP/" + fields["x-amz-credential"].split("/", 1)[1],
            },
            data,
            "image/jpeg",
        ),
        "too large": post(url, fields, data + b"\0" * (1024 * 1024 * 30), "image/jpeg"),
    }
    assert {name: (r.status_code, code(r)) for name, r in refused.items()} == {
        "no policy": (403, "AccessDenied"),
        "another key": (403, "AccessDenied"),
        "another type": (403, "AccessDenied"),
        "extra field": (403, "AccessDenied"),
        "bad signature": (403, "SignatureDoesNotMatch"),
        "another key id": (403, "InvalidAccessKeyId"),
        "too large": (400, "EntityTooLarge"),
    }
    assert requests.get(rendition, timeout=HTTP_TIMEOUT).content == before
    s3 = cloud.provisioner.client("s3")
    upload_key = fields["key"]
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=cloud.ref("MediaBucket"), Key=upload_key)

    assert post(url, fields, data, "image/jpeg").status_code == 204  # the form as handed out
    assert s3.head_object(Bucket=cloud.ref("MediaBucket"), Key=upload_key)["ContentLength"] == len(
        data
    )


def test_expired_upload_forms_are_refused(cloud: LocalCloud) -> None:
    signer = signed_s3(cloud)
    form = signer.generate_presigned_post(
        Bucket=cloud.ref("MediaBucket"), Key="uploads/expired", ExpiresIn=-10
    )
    answer = post(form["url"], form["fields"], b"data", "image/jpeg")
    assert (answer.status_code, code(answer)) == (403, "AccessDenied")
    assert "Policy expired" in answer.text


def test_signed_heads_say_the_size_and_expired_or_malformed_requests_get_an_answer(
    cloud: LocalCloud,
) -> None:
    client = signed_s3(cloud)
    bucket = cloud.ref("MediaBucket")
    client.put_object(Bucket=bucket, Key="uploads/sized", Body=b"12345")
    assert client.head_object(Bucket=bucket, Key="uploads/sized")["ContentLength"] == 5
    expired = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "uploads/sized"}, ExpiresIn=-10
    )
    answer = requests.get(expired, timeout=HTTP_TIMEOUT)
    assert (answer.status_code, code(answer)) == (403, "AccessDenied")
    fresh = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "uploads/sized"}, ExpiresIn=60
    )
    assert requests.get(fresh, timeout=HTTP_TIMEOUT).content == b"12345"
    broken = {"policy": "bm90IGpzb24=", "x-amz-algorithm": "AWS4-HMAC-SHA256"}
    answer = post(bucket_url(cloud), broken, b"x", "image/jpeg")
    assert answer.status_code in (400, 403)
    assert "<Code>" in answer.text


def test_only_the_local_credentials_sign(cloud: LocalCloud) -> None:
    bucket = cloud.ref("MediaBucket")
    original = "originals/signed-check/photo.jpg"
    signed_s3(cloud).put_object(Bucket=bucket, Key=original, Body=b"original bytes")
    made_up = signed_s3(cloud, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    wrong_secret = signed_s3(cloud, secret="not-the-local-secret")
    for client, expected in (
        (made_up, (403, "InvalidAccessKeyId")),
        (wrong_secret, (403, "SignatureDoesNotMatch")),
    ):
        assert refusal(lambda c=client: c.list_objects_v2(Bucket=bucket)) == expected
        assert refusal(lambda c=client: c.get_object(Bucket=bucket, Key=original)) == expected
        assert refusal(lambda c=client: c.delete_object(Bucket=bucket, Key=original)) == expected
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": original}, ExpiresIn=60
        )
        answer = requests.get(url, timeout=HTTP_TIMEOUT)
        assert (answer.status_code, code(answer)) == expected
    signed = signed_s3(cloud)
    assert original in [o["Key"] for o in signed.list_objects_v2(Bucket=bucket)["Contents"]]
    assert signed.get_object(Bucket=bucket, Key=original)["Body"].read() == b"original bytes"

    # What was signed cannot change on the way: another key, another body.
    url = signed.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": original}, ExpiresIn=60
    )
    assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"original bytes"
    moved = requests.get(url.replace("photo.jpg", "other.jpg"), timeout=HTTP_TIMEOUT)
    assert (moved.status_code, code(moved)) == (403, "SignatureDoesNotMatch")
    put = signed.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": original}, ExpiresIn=60
    )
    stolen = requests.put(put.replace("photo.jpg", "other.jpg"), data=b"x", timeout=HTTP_TIMEOUT)
    assert (stolen.status_code, code(stolen)) == (403, "SignatureDoesNotMatch")
    assert signed.get_object(Bucket=bucket, Key=original)["Body"].read() == b"original bytes"
