"""The exporter's work on one request: the archive streamed to S3, then the export settled.

The ZIP goes to `exports/<user>/<export_id>.zip` through a multipart upload, so memory stays
at about one part whatever the account's size; S3 shows the object only once the upload is
completed, whole. A re-delivered request finds its export settled and does nothing. Work that
cannot finish before the invocation ends (`MARGIN_SECONDS` before it) stops, drops its parts
and fails the export at once (a retry would run out of time the same way); any other error
drops the parts and fails the record, which the queue retries.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from glimpse.adapters import media_bucket
from glimpse.clock import iso, now
from glimpse.events import ExportRequested
from glimpse.exports import contents, service
from glimpse.exports.archive import Archive, OutOfTime, Stream, Written
from glimpse.models.base import get_or_none
from glimpse.models.exports import Export
from glimpse.models.objects import export_key, originals_prefixes
from glimpse.models.users import PROFILE, UserProfile, user_pk

MARGIN_SECONDS = 60.0  # left for completing the upload and settling the export


@dataclass(frozen=True)
class Outcome:
    result: Literal["ready", "failed", "skipped"]
    detail: str = ""
    size_bytes: int = 0
    media_files: int = 0
    parts: int = 0
    seconds: float = 0.0


def build(request: ExportRequested, remaining: Callable[[], float]) -> Outcome:
    """Write the archive of `request` and settle its export; `remaining()` is the seconds
    the invocation has left."""
    started = time.perf_counter()
    export = service.pending(request.user_id, request.export_id)
    if export is None:
        return Outcome("skipped", "settled already (a re-delivery)")
    profile = get_or_none(UserProfile, user_pk(request.user_id), PROFILE)
    if profile is None:
        service.settle_failed(export, "no_account")
        return Outcome("failed", "the account no longer exists")

    def check() -> None:
        if remaining() < MARGIN_SECONDS:
            raise OutOfTime()

    writer = media_bucket.MultipartWriter(
        export_key(request.user_id, request.export_id), "application/zip"
    )
    try:
        written = write(writer, profile, export, check)
        writer.close()
    except OutOfTime:
        writer.abort()
        service.settle_failed(export, "out_of_time")
        return Outcome("failed", "out of time", parts=writer.parts)
    except Exception:
        with contextlib.suppress(Exception):  # else the bucket's lifecycle rule drops the parts
            writer.abort()
        raise
    settled = service.settle_ready(export, writer.size)
    return Outcome(
        "ready" if settled else "skipped",
        "" if settled else "settled by another delivery",
        size_bytes=writer.size,
        media_files=written.media_files,
        parts=writer.parts,
        seconds=time.perf_counter() - started,
    )


def write(
    stream: Stream,
    profile: UserProfile,
    export: Export,
    check: Callable[[], None],
) -> Written:
    """The whole archive onto `stream`: the JSON files, the originals, README.txt."""
    archive = Archive(stream, export.requested_at, check)
    try:
        for file in contents.files(profile):
            archive.add_json(file)
        for prefix in originals_prefixes(str(profile.user_id)):
            for key in media_bucket.keys_under(prefix):
                archive.add_original(key)
        archive.add_text("README.txt", readme(profile, export, archive.written))
    except BaseException:
        archive.abandon()
        raise
    return archive.close()


def readme(profile: UserProfile, export: Export, written: Written) -> str:
    counts = "\n".join(f"  {name:<20} {count}" for name, count in written.json_files.items())
    return README.format(
        username=profile.username,
        export_id=export.export_id,
        requested_at=iso(export.requested_at),
        made_at=iso(now()),
        counts=counts,
        media_files=written.media_files,
        media_bytes=written.media_bytes,
    )


README = """Your Glimpse data
=================

Account: {username}
Export: {export_id}, requested {requested_at}, made {made_at} (times are UTC).

Files (JSON, UTF-8; arrays list their items newest or oldest first as noted):

  profile.json         your profile, close friends and notification settings
  posts.json           your posts, newest first (media_ids name files in media/)
  comments.json        comments you wrote, on anyone's posts
  likes.json           posts you like
  saved.json           posts you saved, and where in your collections
  followers.json       who follows you ("following"), and requests waiting for you ("requested")
  following.json       who you follow
  blocked.json         who you blocked
  stories.json         your live stories, and your highlights with the stories they keep
  messages.json        your conversations, each with its messages, oldest first
  notifications.json   your notifications as the app shows them, newest first
  media/<media_id>.<ext>  every photo and video you uploaded that is kept, as you sent it

Items in each file:
{counts}
  media/               {media_files} files, {media_bytes} bytes

Accounts that no longer exist are left out, and so is what members you blocked (or who blocked
you) sent in group conversations. A story's original is deleted when the story ends: a
highlight keeps the story's details and its renditions, which are not in this archive. Other
people's photos in your conversations are theirs and are not included.

This archive is deleted 7 days after it was made.
"""
