"""The media bucket: presigned upload slots, reading uploads, writing renditions; and the
data exports' archives (listing and streaming originals, a multipart writer, download URLs)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from glimpse.adapters.aws import s3
from glimpse.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef


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
    content_type: str = "application/octet-stream"

    def read(self) -> bytes:
        return bytes(self.body.read())

    def chunks(self, size: int) -> Iterator[bytes]:
        """The body `size` bytes at a time, never the whole of it at once."""
        yield from self.body.iter_chunks(size)

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
    return Upload(
        size=int(response["ContentLength"]),
        body=response["Body"],
        content_type=str(response.get("ContentType") or "application/octet-stream"),
    )


def open_object(key: str) -> Upload | None:
    """An object of the media bucket (body not yet read), or None when it is gone."""
    return open_upload(_bucket(), key)


def keys_under(prefix: str, limit: int | None = None) -> Iterator[str]:
    """The keys of the media bucket under `prefix`, in key order, up to `limit` (None: all),
    listed a page (ListObjectsV2, up to 1,000 keys) at a time as they are taken."""
    request: dict[str, Any] = {"Bucket": _bucket(), "Prefix": prefix}
    taken = 0
    while limit is None or taken < limit:
        wanted = 1000 if limit is None else min(1000, limit - taken)
        page = s3().list_objects_v2(**request, MaxKeys=wanted)
        for item in page.get("Contents", []):
            taken += 1
            yield item["Key"]
        if not page.get("IsTruncated"):
            return
        request["ContinuationToken"] = page["NextContinuationToken"]


def presigned_download(key: str, expires_in: int, filename: str) -> str:
    """A GET URL for `key` that works for `expires_in` seconds and saves as `filename`."""
    return s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=expires_in,
    )


MIB = 1024 * 1024
PART_BYTES = 8 * MIB  # S3's smallest part is 5 MiB (but the last)
PARTS_PER_STEP = 1000  # part size doubles every this many parts: 10,000 parts reach 5 TiB


class MultipartWriter:
    """A write-only stream that uploads to `key` in parts as it fills: what was written is
    held until a part's worth (`part_bytes`, doubling every 1,000 parts, so S3's 10,000 parts
    are never reached), then sent, so memory stays at about one part whatever is written.
    `close()` completes the upload (the object appears whole, at once); `abort()` drops it.
    Not seekable: zipfile writes through it with data descriptors. Not an `io.IOBase` either,
    whose finalizer would close, that is complete, an upload abandoned halfway."""

    def __init__(self, key: str, content_type: str, part_bytes: int = PART_BYTES) -> None:
        self.key = key
        self.part_bytes = part_bytes
        self._bucket = _bucket()
        created = s3().create_multipart_upload(
            Bucket=self._bucket, Key=key, ContentType=content_type
        )
        self._upload_id = created["UploadId"]
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._parts: list[CompletedPartTypeDef] = []
        self.size = 0  # bytes written so far
        self.closed = False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, *_args: Any) -> int:
        raise io.UnsupportedOperation("a multipart upload only goes forward")

    def flush(self) -> None:
        """Nothing: a part is sent when it is full, the rest at `close`."""

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed upload")
        chunk = bytes(data)
        self._held.append(chunk)
        self._held_bytes += len(chunk)
        self.size += len(chunk)
        if self._held_bytes >= self._next_part_bytes():
            self._send()
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def _next_part_bytes(self) -> int:
        return self.part_bytes << (len(self._parts) // PARTS_PER_STEP)

    def _send(self) -> None:
        body = b"".join(self._held)
        self._held, self._held_bytes = [], 0
        number = len(self._parts) + 1
        sent = s3().upload_part(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def close(self) -> None:
        """Send what is held as the last part and complete the upload (once)."""
        if self.closed:
            return
        if self._held or not self._parts:  # an empty object is one empty part
            self._send()
        s3().complete_multipart_upload(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self.closed = True

    def abort(self) -> None:
        """Drop the parts sent so far; the object is never created."""
        if self.closed:
            return
        s3().abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=self._upload_id)
        self._held = []
        self.closed = True

    @property
    def parts(self) -> int:
        return len(self._parts)


# How long a browser or CloudFront's edge may keep a rendition, poster or MP4: a minute. Its
# URL lives an hour (signed, glimpse.adapters.cdn) and changes every minute, so a longer life
# would only keep deleted media served from caches after its files went; clients cache
# images by media id and size. A minute is also how long a withdrawn file may still be
# answered from an edge.
CACHING = "public, max-age=60"


def put_rendition(bucket: str, key: str, data: bytes, cache_control: str = CACHING) -> None:
    s3().put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType="image/jpeg",
        CacheControl=cache_control,
    )


def put_video(bucket: str, key: str, path: Path, cache_control: str = CACHING) -> None:
    """An MP4 from a file (multipart above the transfer threshold)."""
    s3().upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"ContentType": "video/mp4", "CacheControl": cache_control},
    )


def copy(bucket: str, source: str, destination: str) -> bool:
    """Copy an object of `bucket`; False when the source is gone."""
    try:
        s3().copy_object(
            Bucket=bucket, Key=destination, CopySource={"Bucket": bucket, "Key": source}
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return False
        raise
    return True


def delete(bucket: str, key: str) -> None:
    s3().delete_object(Bucket=bucket, Key=key)


def keep_rendition(source: str, destination: str) -> None:
    """Copy a story's rendition (or MP4) where a highlight keeps it."""
    bucket = _bucket()
    s3().copy_object(
        Bucket=bucket,
        Key=destination,
        CopySource={"Bucket": bucket, "Key": source},
        MetadataDirective="REPLACE",
        ContentType="video/mp4" if destination.endswith(".mp4") else "image/jpeg",
        CacheControl=CACHING,
    )


def delete_keys(keys: list[str]) -> None:
    """Delete objects of the media bucket, 1,000 per request; a missing key is no error."""
    bucket = _bucket()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        s3().delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True}
        )
