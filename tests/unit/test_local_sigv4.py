"""The S3 front's SigV4 check (infra/local/sigv4.py): AWS's own published examples verify, what
boto3 sends with the local credential (as the functions' client sends it) verifies, and any
change to what was signed, another key id, another secret, region or time is refused with the
code S3 answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from infra.local.sigv4 import (
    LocalCredential,
    Refusal,
    SignedRequest,
    is_credentialed,
    verify,
)

LOCAL = LocalCredential("local", "local", "us-east-1")
ENDPOINT = "http://127.0.0.1:3002"

# AWS's examples (S3 API reference, "Signature Calculations for the Authorization Header" and
# "Authenticating Requests: Using Query Parameters"), with their credential and moment.
EXAMPLE = LocalCredential(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"
)
EXAMPLE_MOMENT = datetime(2013, 5, 24, tzinfo=UTC)
EMPTY = hashlib.sha256(b"").hexdigest()


def _example(
    method: str, target: str, signed: str, signature: str, **headers: str
) -> SignedRequest:
    path, _, query = target.partition("?")
    named = {"host": "examplebucket.s3.amazonaws.com", "x-amz-date": "20130524T000000Z", **headers}
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders={signed},Signature={signature}"
    )
    pairs = [(k.replace("_", "-"), v) for k, v in named.items()]
    return SignedRequest(method, path, query, [*pairs, ("Authorization", authorization)])


def test_aws_published_examples_verify() -> None:
    get_object = _example(
        "GET",
        "/test.txt",
        "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        range="bytes=0-9",
        x_amz_content_sha256=EMPTY,
    )
    body = b"Welcome to Amazon S3."
    put_object = _example(
        "PUT",
        "/test%24file.text",
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        date="Fri, 24 May 2013 00:00:00 GMT",
        x_amz_storage_class="REDUCED_REDUNDANCY",
        x_amz_content_sha256=hashlib.sha256(body).hexdigest(),
    )
    put_object.body = body
    lifecycle = _example(
        "GET",
        "/?lifecycle",
        "host;x-amz-content-sha256;x-amz-date",
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        x_amz_content_sha256=EMPTY,
    )
    listing = _example(
        "GET",
        "/?max-keys=2&prefix=J",
        "host;x-amz-content-sha256;x-amz-date",
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        x_amz_content_sha256=EMPTY,
    )
    # A chunked upload, path-style: its seed signature (the chunks' are not checked).
    chunked = _example(
        "PUT",
        "/examplebucket/chunkObject.txt",
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class",
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        host="s3.amazonaws.com",
        x_amz_storage_class="REDUCED_REDUNDANCY",
        x_amz_content_sha256="STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        content_encoding="aws-chunked",
        x_amz_decoded_content_length="66560",
        content_length="66824",
    )
    presigned = SignedRequest(
        "GET",
        "/test.txt",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
        [("Host", "examplebucket.s3.amazonaws.com")],
    )
    for request in (get_object, put_object, lifecycle, listing, chunked, presigned):
        assert is_credentialed(request)
        verify(request, EXAMPLE, now=EXAMPLE_MOMENT)
    with pytest.raises(Refusal) as refused:  # the same request, one byte off
        verify(_with_header(get_object, "range", "bytes=0-8"), EXAMPLE, now=EXAMPLE_MOMENT)
    assert refused.value.code == "SignatureDoesNotMatch"


# ---------------------------------------------------------------------- boto3's requests
class _Sent(Exception):
    def __init__(self, request: SignedRequest) -> None:
        self.request = request


def _capture(request: Any, **_kwargs: Any) -> None:
    """botocore's `before-send`: the request as it would go on the wire (http.client adds
    `Host` from the URL, as botocore signed it)."""
    url = urlsplit(request.url)
    body: Any = request.body
    data = body if isinstance(body, bytes) else (body.read() if body is not None else b"")
    headers = [("Host", url.netloc)] + [
        (k, v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()
    ]
    raise _Sent(SignedRequest(request.method, url.path, url.query, headers, data))


def _client(key_id: str = "local", secret: str = LOCAL.secret, region: str = "us-east-1") -> Any:
    """An S3 client configured as the functions' (glimpse.adapters.aws.s3 under the local
    cloud: SigV4, path-style, on the S3 front's endpoint, with a session token)."""
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token="local",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    client.meta.events.register("before-send.s3", _capture)
    return client


def sent(call: Callable[[Any], Any], client: Any | None = None) -> SignedRequest:
    with pytest.raises(_Sent) as caught:
        call(client or _client())
    return caught.value.request


def presigned(url: str) -> SignedRequest:
    """A presigned URL as a browser or `requests` sends it."""
    prepared = requests.Request("GET", url).prepare()
    split = urlsplit(str(prepared.url))
    return SignedRequest("GET", split.path, split.query, [("Host", split.netloc)])


KEYS = ["uploads/u1/m1", "exports/u1/a b+c=d@e.zip", "renditions/caf\u00e9/~x;y,z.jpg"]
CALLS: dict[str, Callable[[Any], Any]] = {
    "list": lambda s3: s3.list_objects_v2(Bucket="media", Prefix="uploads/", MaxKeys=5),
    "list buckets": lambda s3: s3.list_buckets(),
    **{
        f"put {key}": lambda s3, key=key: s3.put_object(
            Bucket="media", Key=key, Body=b"\x00bytes", ContentType="image/jpeg"
        )
        for key in KEYS
    },
    "get": lambda s3: s3.get_object(Bucket="media", Key=KEYS[1], Range="bytes=0-1"),
    "head": lambda s3: s3.head_object(Bucket="media", Key=KEYS[2]),
    "part": lambda s3: s3.upload_part(
        Bucket="media", Key=KEYS[1], UploadId="u/1+2", PartNumber=3, Body=b"x" * 1000
    ),
    "copy": lambda s3: s3.copy_object(
        Bucket="media", Key=KEYS[2], CopySource={"Bucket": "media", "Key": KEYS[1]}
    ),
    "delete many": lambda s3: s3.delete_objects(
        Bucket="media", Delete={"Objects": [{"Key": k} for k in KEYS], "Quiet": True}
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_what_the_functions_client_sends_verifies_and_no_change_to_it_does(name: str) -> None:
    request = sent(CALLS[name])
    payload = request.header("x-amz-content-sha256")
    assert payload == hashlib.sha256(request.body).hexdigest()  # over http: the body's hash
    verify(request, LOCAL)

    changed = [
        _with_header(request, "x-amz-date", _later(request.header("x-amz-date"))),
        _with_header(request, "x-amz-security-token", "another"),
        _with_header(request, "host", "127.0.0.1:3009"),
        SignedRequest(request.method, request.path + "x", request.query, request.headers),
        SignedRequest(request.method, request.path, request.query + "&x=1", request.headers),
        SignedRequest("DELETE", request.path, request.query, request.headers, request.body),
    ]
    for other in changed:
        with pytest.raises(Refusal) as refused:
            verify(other, LOCAL)
        assert (refused.value.status, refused.value.code) == (403, "SignatureDoesNotMatch")
    if request.body:  # the body is covered through its hash
        tampered = SignedRequest(
            request.method, request.path, request.query, request.headers, request.body + b"!"
        )
        with pytest.raises(Refusal) as refused:
            verify(tampered, LOCAL)
        assert (refused.value.status, refused.value.code) == (400, "XAmzContentSHA256Mismatch")


def test_other_credentials_regions_and_times_are_refused_as_s3_refuses_them() -> None:
    listing = CALLS["list"]
    cases = {
        "made up": (_client("AKIAMADEUP", "made-up"), 403, "InvalidAccessKeyId"),
        "wrong secret": (_client(secret="not-local"), 403, "SignatureDoesNotMatch"),
        "other region": (_client(region="eu-west-1"), 400, "AuthorizationHeaderMalformed"),
    }
    for name, (client, status, code) in cases.items():
        with pytest.raises(Refusal) as refused:
            verify(sent(listing, client), LOCAL)
        assert (refused.value.status, refused.value.code) == (status, code), name

    request = sent(listing)
    later = datetime.now(UTC) + timedelta(minutes=16)
    with pytest.raises(Refusal) as refused:
        verify(request, LOCAL, now=later)
    assert refused.value.code == "RequestTimeTooSkewed"
    verify(request, LOCAL, now=datetime.now(UTC) + timedelta(minutes=14))

    without = [(k, v) for k, v in request.headers if k.lower() != "x-amz-content-sha256"]
    with pytest.raises(Refusal) as refused:
        verify(SignedRequest("GET", request.path, request.query, without), LOCAL)
    assert (refused.value.status, refused.value.code) == (400, "InvalidRequest")

    sigv2 = [
        SignedRequest("GET", "/media", "", [("Authorization", "AWS local:c2lnbmF0dXJl")]),
        SignedRequest("GET", "/media", "AWSAccessKeyId=local&Signature=x&Expires=9999999999", []),
    ]
    for old in sigv2:
        assert is_credentialed(old)
        with pytest.raises(Refusal) as refused:
            verify(old, LOCAL)
        assert (refused.value.status, refused.value.code) == (400, "InvalidRequest")
    garbled = request.header("authorization").replace("Signature=", "Signature=\u00e9")
    with pytest.raises(Refusal) as refused:
        verify(_with_header(request, "authorization", garbled), LOCAL)
    assert refused.value.code == "SignatureDoesNotMatch"
    bearer = SignedRequest("GET", "/media", "", [("Authorization", "Bearer token")])
    with pytest.raises(Refusal) as refused:
        verify(bearer, LOCAL)
    assert refused.value.code == "InvalidArgument"


def test_unsigned_and_streaming_payloads_are_covered_by_the_signature_as_named() -> None:
    for payload in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"):
        request = AWSRequest(
            method="PUT",
            url=f"{ENDPOINT}/media/uploads/x",
            headers={"X-Amz-Content-SHA256": payload, "Content-Encoding": "aws-chunked"},
            data=b"whatever the chunks are",
        )
        signer = S3SigV4Auth(Credentials("local", "local"), "s3", "us-east-1")
        signer.payload = lambda _request, payload=payload: payload  # type: ignore[method-assign]
        signer.add_auth(request)
        headers = [("Host", "127.0.0.1:3002"), *request.headers.items()]
        signed = SignedRequest("PUT", "/media/uploads/x", "", headers, b"anything")
        verify(signed, LOCAL)
        other = "UNSIGNED-PAYLOAD" if payload != "UNSIGNED-PAYLOAD" else EMPTY
        with pytest.raises(Refusal) as refused:
            verify(_with_header(signed, "x-amz-content-sha256", other), LOCAL)
        assert refused.value.code == "SignatureDoesNotMatch"


def test_presigned_urls_verify_until_they_expire_and_not_once_changed() -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        aws_session_token="local",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    params = {
        "Bucket": "media",
        "Key": "exports/u1/glimpse export+1.zip",
        "ResponseContentDisposition": 'attachment; filename="glimpse-export.zip"',
    }
    url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    request = presigned(url)
    assert is_credentialed(request)
    verify(request, LOCAL)
    verify(request, LOCAL, now=datetime.now(UTC) + timedelta(seconds=55))
    with pytest.raises(Refusal) as refused:
        verify(request, LOCAL, now=datetime.now(UTC) + timedelta(seconds=65))
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        403,
        "AccessDenied",
        "Request has expired",
    )
    changed = {
        "another key": presigned(url.replace("export%2B1", "export%2B2")),
        "another file name": presigned(url.replace("glimpse-export", "other")),
        "longer": presigned(url.replace("X-Amz-Expires=60", "X-Amz-Expires=600")),
    }
    for name, other in changed.items():
        with pytest.raises(Refusal) as refused:
            verify(other, LOCAL)
        assert refused.value.code == "SignatureDoesNotMatch", name
    made_up = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="AKIAMADEUP",
        aws_secret_access_key="made-up",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    ).generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    with pytest.raises(Refusal) as refused:
        verify(presigned(made_up), LOCAL)
    assert refused.value.code == "InvalidAccessKeyId"
    without = presigned(url.split("&X-Amz-Signature=")[0])
    with pytest.raises(Refusal) as refused:
        verify(without, LOCAL)
    assert (refused.value.status, refused.value.code) == (400, "AuthorizationQueryParametersError")
    both = SignedRequest(
        "GET",
        request.path,
        request.query,
        [*request.headers, ("Authorization", "AWS4-HMAC-SHA256 x")],
    )
    with pytest.raises(Refusal) as refused:
        verify(both, LOCAL)
    assert refused.value.code == "InvalidArgument"


def test_anonymous_requests_and_cloudfront_signed_urls_are_not_credentialed() -> None:
    for query in ("", "v=2", "Expires=1&Signature=abc&Key-Pair-Id=K1", "Policy=p&Signature=s"):
        assert not is_credentialed(SignedRequest("GET", "/media/renditions/x.jpg", query, []))


def _with_header(request: SignedRequest, name: str, value: str) -> SignedRequest:
    headers = [(k, v) for k, v in request.headers if k.lower() != name]
    return SignedRequest(
        request.method, request.path, request.query, [*headers, (name, value)], request.body
    )


def _later(stamp: str) -> str:
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
    return moment.strftime("%Y%m%dT%H%M%SZ")
