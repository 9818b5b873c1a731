"""The data export's parts that need no AWS: the multipart writer (parts of at least a part's
size but the last, sizes doubling so S3's 10,000 parts are never reached, nothing completed
unless closed), the archive written onto a forward-only stream (valid ZIP, JSON streamed in
blocks, stopping when out of time), and the template agreeing with the code's constants."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.exporter import app as exporter_app
from glimpse.adapters import media_bucket
from glimpse.exports import service
from glimpse.exports.archive import Archive, Items, JsonFile, OutOfTime
from glimpse.models.objects import export_key, media_id_of_original, originals_prefixes
from glimpse.notifications import kinds
from infra.local.template import Template
from tests.conftest import ROOT

WHEN = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


class FakeS3:
    """Records the multipart calls the writer makes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.completed: list[dict[str, Any]] | None = None
        self.aborted = False

    def create_multipart_upload(self, **kwargs: Any) -> dict[str, Any]:
        self.created = kwargs
        return {"UploadId": "u1"}

    def upload_part(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["PartNumber"] == len(self.parts) + 1
        self.parts.append(kwargs["Body"])
        return {"ETag": f'"{len(self.parts)}"'}

    def complete_multipart_upload(self, **kwargs: Any) -> None:
        self.completed = kwargs["MultipartUpload"]["Parts"]

    def abort_multipart_upload(self, **kwargs: Any) -> None:
        self.aborted = True


@pytest.fixture
def fake_s3(monkeypatch: pytest.MonkeyPatch) -> FakeS3:
    fake = FakeS3()
    monkeypatch.setattr(media_bucket, "s3", lambda: fake)
    monkeypatch.setattr(media_bucket, "_bucket", lambda: "bucket")
    return fake


def test_parts_are_full_but_the_last_and_complete_in_order(fake_s3: FakeS3) -> None:
    writer = media_bucket.MultipartWriter("exports/u/e.zip", "application/zip", part_bytes=100)
    for _ in range(25):
        writer.write(b"x" * 9)  # 225 bytes, in writes smaller than a part
    writer.close()
    sizes = [len(p) for p in fake_s3.parts]
    assert all(size >= 100 for size in sizes[:-1])
    assert sum(sizes) == writer.size == writer.tell() == 225
    assert max(sizes) < 100 + 9  # never more than a part and the write that filled it
    assert fake_s3.completed == [
        {"PartNumber": n, "ETag": f'"{n}"'} for n in range(1, len(sizes) + 1)
    ]
    assert fake_s3.created["ContentType"] == "application/zip"
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"late")


def test_part_sizes_double_every_step_so_the_part_limit_is_never_reached(
    fake_s3: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_bucket, "PARTS_PER_STEP", 2)
    writer = media_bucket.MultipartWriter("k", "application/zip", part_bytes=10)
    for _ in range(150):
        writer.write(b"y")
    writer.close()
    assert [len(p) for p in fake_s3.parts] == [10, 10, 20, 20, 40, 40, 10]


def test_an_empty_archive_is_one_empty_part(fake_s3: FakeS3) -> None:
    media_bucket.MultipartWriter("k", "application/zip").close()
    assert fake_s3.parts == [b""]
    assert fake_s3.completed == [{"PartNumber": 1, "ETag": '"1"'}]


def test_an_abandoned_upload_is_never_completed(fake_s3: FakeS3) -> None:
    writer = media_bucket.MultipartWriter("k", "application/zip", part_bytes=10)
    writer.write(b"z" * 25)
    del writer
    gc.collect()  # no finalizer completes what was left halfway
    assert fake_s3.completed is None
    aborted = media_bucket.MultipartWriter("k", "application/zip")
    aborted.write(b"partial")
    aborted.abort()
    aborted.close()  # after an abort: nothing more
    assert fake_s3.aborted
    assert fake_s3.completed is None


class ForwardOnly:
    """A stream that cannot seek, as a multipart upload: zipfile must use data descriptors."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.writes: list[int] = []

    def write(self, data: bytes) -> int:
        self.writes.append(len(data))
        return self.buffer.write(data)

    def tell(self) -> int:
        return self.buffer.tell()

    def flush(self) -> None:
        pass


def test_json_files_stream_nested_arrays_into_a_valid_zip() -> None:
    stream = ForwardOnly()
    archive = Archive(stream, WHEN, lambda: None)
    conversations = Items(
        {"id": c, "messages": Items({"n": n, "text": "é"} for n in range(3))} for c in "ab"
    )
    archive.add_json(JsonFile("messages.json", Items(iter(conversations))))
    archive.add_json(JsonFile("saved.json", Items(())))
    archive.add_json(JsonFile("stories.json", {"live": Items([1, 2]), "highlights": Items([3])}))
    archive.add_json(JsonFile("profile.json", {"username": "a", "settings": {"likes": True}}))
    archive.add_text("README.txt", "hello")
    written = archive.close()
    zipped = zipfile.ZipFile(io.BytesIO(stream.buffer.getvalue()))
    assert zipped.testzip() is None
    assert json.loads(zipped.read("messages.json")) == [
        {"id": c, "messages": [{"n": n, "text": "é"} for n in range(3)]} for c in "ab"
    ]
    assert json.loads(zipped.read("saved.json")) == []
    assert json.loads(zipped.read("stories.json")) == {"live": [1, 2], "highlights": [3]}
    assert json.loads(zipped.read("profile.json")) == {"username": "a", "settings": {"likes": True}}
    assert zipped.getinfo("README.txt").date_time == (2026, 11, 21, 9, 30, 0)
    assert all(i.flag_bits & 0x08 for i in zipped.infolist() if i.filename.endswith(".json"))
    assert written.json_files == {
        "messages.json": 2,
        "saved.json": 0,
        "stories.json": 3,
        "profile.json": 1,
    }


def test_a_long_list_passes_through_memory_a_block_at_a_time() -> None:
    stream = ForwardOnly()
    archive = Archive(stream, WHEN, lambda: None)
    items = Items({"message_id": f"{n:026d}", "text": "hello " * 20} for n in range(60_000))
    tracemalloc.start()
    archive.add_json(JsonFile("messages.json", items))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    archive.close()
    encoded = len(zipfile.ZipFile(io.BytesIO(stream.buffer.getvalue())).read("messages.json"))
    assert encoded > 8_000_000  # eight megabytes of JSON ...
    assert peak < 2_000_000  # ... never more than a block or two of it in memory
    assert len(stream.writes) > 10  # and handed on as it was made


def test_out_of_time_stops_the_archive_between_blocks() -> None:
    checks = 0

    def check() -> None:
        nonlocal checks
        checks += 1
        if checks > 2:
            raise OutOfTime()

    archive = Archive(ForwardOnly(), WHEN, check)
    with pytest.raises(OutOfTime):
        archive.add_json(JsonFile("posts.json", Items({"n": "x" * 1000} for _ in range(10_000))))
    archive.abandon()  # nothing more is written to the dropped stream


def test_keys_of_originals_and_archives() -> None:
    assert originals_prefixes("u1") == ("originals/u1/", "originals/stories/u1/")
    assert media_id_of_original("originals/stories/u1/01JD0Z8Q5M3S4V6X7Y8Z9A0B1C") == (
        "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"
    )
    assert export_key("u1", "E1") == "exports/u1/E1.zip"


def test_export_ready_says_what_happened_with_no_one_who_did_it() -> None:
    assert kinds.text("export_ready", [], 0) == "Your data export is ready to download"
    assert "export_ready" not in kinds.SETTING_OF  # no setting turns it off
    assert kinds.text("like", ["alice"], 1) == "alice liked your post"


def test_the_template_keeps_what_the_code_promises() -> None:
    template = Template.load(ROOT / "template.yaml")
    rules = template.resources["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (expiry,) = [r for r in rules if r.get("Prefix") == "exports/"]
    assert expiry["ExpirationInDays"] == service.KEPT.days == 7
    queue = template.resources["ExportsQueue"]["Properties"]
    exporter = template.function_properties("ExporterFunction")
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    assert receives == exporter_app.MAX_RECEIVES >= 5
    assert queue["VisibilityTimeout"] >= 6 * exporter["Timeout"]
    # A pending export is shown failed only once its queue can no longer deliver it.
    assert service.STALE.total_seconds() > receives * queue["VisibilityTimeout"]
    assert exporter["Events"]["ExporterRequestsSource"]["Properties"]["BatchSize"] == 1


def test_every_models_connection_shares_one_botocore_loader() -> None:
    """PynamoDB makes a botocore session per model's connection; each parsing DynamoDB's
    service model again cost the exporter ~10 MB a model (glimpse.models.base)."""
    from pynamodb.connection import Connection

    import glimpse.models.base  # noqa: F401 - what installs the shared loader

    first, second = Connection(region="us-east-1"), Connection(region="us-east-1")
    assert first.session is not second.session
    loader = first.session.get_component("data_loader")
    assert loader is second.session.get_component("data_loader")
