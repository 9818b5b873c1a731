"""The media bucket: presigned upload slots, reading uploads, writing renditions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from glimpse.adapters.aws import s3
from glimpse.config import get_settings


@dataclass(frozen=True)
class UploadSlot:
    url: str
    fields: dict[str, str]


def _bucket() -> str:
    return get_settings().require("media_bucket")


def presigned_upload(key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadSlot:
    """A presigned POST whose policy pins the key, the exact content type and the size range."""
    post = s3().generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return UploadSlot(url=post["url"], fields=dict(post["fields"]))


@dataclass
class Upload:
    size: int
    body: Any  # botocore StreamingBody

    def read(self) -> bytes:
        return bytes(self.body.read())

    def close(self) -> None:
        self.body.close()


def open_upload(bucket: str, key: str) -> Upload | None:
    """The uploaded object (size from S3, body not yet read), or None when it is gone."""
    try:
        response = s3().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise
    return Upload(size=int(response["ContentLength"]), body=response["Body"])


# Rendition keys never change content: caches may keep them for good. A story's renditions
# must stop being served soon after the story ends (or its owner deletes it), and the CDN's
# URLs are not signed: caches keep them five minutes at most.
LASTING = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=300"


def put_rendition(bucket: str, key: str, data: bytes, cache_control: str = LASTING) -> None:
    s3().put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType="image/jpeg",
        CacheControl=cache_control,
    )


def put_video(bucket: str, key: str, path: Path, cache_control: str = LASTING) -> None:
    """An MP4 from a file (multipart above the transfer threshold)."""
    s3().upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"ContentType": "video/mp4", "CacheControl": cache_control},
    )


def copy(bucket: str, source: str, destination: str) -> None:
    s3().copy_object(Bucket=bucket, Key=destination, CopySource={"Bucket": bucket, "Key": source})


def delete(bucket: str, key: str) -> None:
    s3().delete_object(Bucket=bucket, Key=key)


def keep_rendition(source: str, destination: str) -> None:
    """Copy a story's rendition (or MP4) where a highlight keeps it, cacheable for good."""
    bucket = _bucket()
    s3().copy_object(
        Bucket=bucket,
        Key=destination,
        CopySource={"Bucket": bucket, "Key": source},
        MetadataDirective="REPLACE",
        ContentType="video/mp4" if destination.endswith(".mp4") else "image/jpeg",
        CacheControl=LASTING,
    )


def keys_under(prefix: str, limit: int = 1000) -> list[str]:
    """Up to `limit` keys of the media bucket under `prefix`, in key order (one
    ListObjectsV2 per 1,000)."""
    keys: list[str] = []
    request: dict[str, Any] = {"Bucket": _bucket(), "Prefix": prefix}
    while len(keys) < limit:
        page = s3().list_objects_v2(**request, MaxKeys=min(1000, limit - len(keys)))
        keys += [item["Key"] for item in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            break
        request["ContinuationToken"] = page["NextContinuationToken"]
    return keys


def delete_keys(keys: list[str]) -> None:
    """Delete objects of the media bucket, 1,000 per request; a missing key is no error."""
    bucket = _bucket()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        s3().delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True}
        )
