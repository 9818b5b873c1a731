"""The media's part of erasing an account (glimpse.erasure): every media item it owns
(ByOwner), whatever its state, with its upload, its original and everything made from it
(renditions, videos, posters, story renditions, highlights' kept copies); then any object
left under its own prefixes (uploads and originals whose item is gone), found by listing.
What is made from a media item goes before what names it, so a retry still finds it; what a
media item's objects are is glimpse.media.files."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.adapters.media_bucket import delete_keys, keys_under
from glimpse.erasure import Erasure, erase_pages, next_page, table
from glimpse.jobs import Send, Stats
from glimpse.media.files import delete_files, derived_keys
from glimpse.models.batch import get_many, write_many
from glimpse.models.media import MEDIA, MediaItem
from glimpse.models.objects import account_prefixes

PAGE = 100  # of the account's media items, or objects, per invocation


@dataclass(frozen=True, kw_only=True)
class MediaErasure(Erasure):
    type = "erase_media"
    aggregate = "media"


@dataclass(frozen=True, kw_only=True)
class ObjectsErasure(Erasure):
    type = "erase_media_objects"
    aggregate = "media"


def erase(job: MediaErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[str], str | None]:
        ids = [str(i.pk) for i in MediaItem.by_owner.query(job.user_id, limit=PAGE)]
        return ids, next_page(after, len(ids), PAGE)

    def remove(pks: list[str]) -> int:
        fetched = get_many([(MediaItem, (pk, MEDIA)) for pk in pks], consistent=True)
        items = [item for pk in pks if (item := fetched.get(MediaItem, (pk, MEDIA)))]
        derived = delete_files(items)
        write_many(MediaItem, deletes=[(pk, MEDIA) for pk in pks])
        return derived + len(items)

    return erase_pages(job, pages, remove, send)


def erase_objects(job: ObjectsErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[str], str | None]:
        keys: list[str] = []
        for prefix in account_prefixes(job.user_id):
            keys += keys_under(prefix, PAGE - len(keys))
            if len(keys) >= PAGE:
                break
        return keys, next_page(after, len(keys), PAGE)

    def remove(keys: list[str]) -> int:
        derived = derived_keys(sorted({key.rsplit("/", 1)[1] for key in keys}))
        delete_keys(derived)
        delete_keys(keys)
        return len(derived) + len(keys)

    return erase_pages(job, pages, remove, send)


ERASURE = table("media", {MediaErasure: erase, ObjectsErasure: erase_objects})
