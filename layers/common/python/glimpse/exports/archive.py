"""The ZIP, written entry by entry onto a forward-only stream (a multipart upload).

Nothing is held whole: a JSON file is encoded an item at a time as its source pages through
DynamoDB (`Items` is an array produced lazily) and compressed as it goes; an original is
copied from S3 a chunk at a time, stored as it is (photos and videos are compressed already).
zipfile writes each entry's sizes and CRC after its data (data descriptors), so the stream
never seeks back. What stays in memory is the central directory (a hundred bytes per entry),
the compressor's window and the stream's current part.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

from glimpse.adapters import media_bucket
from glimpse.media.limits import EXTENSIONS
from glimpse.models.objects import media_id_of_original

CHUNK = 1024 * 1024  # bytes of an original read from S3 at a time
FLUSH = 256 * 1024  # encoded JSON handed to the compressor at a time
FILE_MODE = 0o644 << 16


class OutOfTime(Exception):
    """The invocation is about to end: the archive cannot be finished in it."""


@dataclass
class Items:
    """A JSON array whose items come from `source` one at a time; `count` says how many
    were written (README.txt gives the figures)."""

    source: Iterable[Any]
    count: int = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.source:
            self.count += 1
            yield item


@dataclass(frozen=True)
class JsonFile:
    name: str
    value: Any  # JSON-able; an `Items` anywhere a dict's value may be (or the whole)


class Stream(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def tell(self) -> int: ...
    def flush(self) -> None: ...


@dataclass
class Written:
    """What went into the archive."""

    json_files: dict[str, int] = field(default_factory=dict)  # name → items (arrays) or 1
    media_files: int = 0
    media_bytes: int = 0


class _Buffered:
    """Small writes gathered into blocks before they reach the compressor."""

    def __init__(self, entry: IO[bytes], check: Callable[[], None]) -> None:
        self.entry, self.check = entry, check
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= FLUSH:
            self.flush()

    def flush(self) -> None:
        self.entry.write(b"".join(self.parts))
        self.parts, self.size = [], 0
        self.check()


def _count(value: Any) -> int:
    """Items in a file: its array's, or its object's arrays' together (1 for anything else)."""
    if isinstance(value, Items):
        return value.count
    arrays = [v for v in value.values() if isinstance(v, Items)] if isinstance(value, dict) else []
    return sum(v.count for v in arrays) if arrays else 1


def _encode(value: Any, out: _Buffered) -> None:
    if isinstance(value, Items):
        out.write(b"[")
        for number, item in enumerate(value):
            out.write(b",\n" if number else b"\n")
            _encode(item, out)
        out.write(b"\n]" if value.count else b"]")
    elif isinstance(value, dict) and any(isinstance(v, Items | dict) for v in value.values()):
        out.write(b"{")
        for number, (key, item) in enumerate(value.items()):
            out.write(b", " if number else b"")
            out.write(json.dumps(key).encode() + b": ")
            _encode(item, out)
        out.write(b"}")
    else:
        out.write(json.dumps(value, ensure_ascii=False).encode())


class Archive:
    """A ZIP on `stream`; every entry dated `when`. `check` raises `OutOfTime` when the
    invocation is nearly over; it runs between blocks of every entry."""

    def __init__(self, stream: Stream, when: datetime, check: Callable[[], None]) -> None:
        self.zip = zipfile.ZipFile(stream, "w")  # type: ignore[call-overload]
        self.when = when.timetuple()[:6]
        self.check = check
        self.written = Written()

    def _info(self, name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self.when)
        info.compress_type = compress
        info.external_attr = FILE_MODE
        return info

    def add_json(self, file: JsonFile) -> None:
        with self.zip.open(self._info(file.name, zipfile.ZIP_DEFLATED), "w") as entry:
            out = _Buffered(entry, self.check)
            _encode(file.value, out)
            out.write(b"\n")
            out.flush()
        self.written.json_files[file.name] = _count(file.value)

    def add_text(self, name: str, text: str) -> None:
        self.zip.writestr(self._info(name, zipfile.ZIP_DEFLATED), text)

    def add_original(self, key: str) -> str | None:
        """The object at `key` as `media/<media_id>.<ext>` (None when it is gone)."""
        found = media_bucket.open_object(key)
        if found is None:
            return None
        name = f"media/{media_id_of_original(key)}.{EXTENSIONS.get(found.content_type, 'bin')}"
        info = self._info(name, zipfile.ZIP_STORED)
        info.file_size = found.size  # decides whether the entry needs ZIP64 sizes
        try:
            with self.zip.open(info, "w") as entry:
                for chunk in found.chunks(CHUNK):
                    entry.write(chunk)
                    self.check()
        finally:
            found.close()
        self.written.media_files += 1
        self.written.media_bytes += found.size
        return name

    def close(self) -> Written:
        """Write the central directory (the stream stays open)."""
        self.zip.close()
        return self.written

    def abandon(self) -> None:
        """Never write the central directory: the archive failed (zipfile would write it to
        the dropped stream when collected)."""
        self.zip.fp = None
