"""The media's part of erasing an account (glimpse.erasure): every media item it uploaded,
found by its own objects (uploads and originals, named by media id), with everything made
from it (renditions, videos, posters, story renditions, highlights' kept copies). What is
made from a media item goes before the object that names it, so a retry still finds it.

An upload slot that was opened but never used leaves a media item and no object: it is not
found here, and expires by itself within a day (TTL).
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import events
from glimpse.adapters.media_bucket import delete_keys, keys_under
from glimpse.erasure import Erasure, erase_pages
from glimpse.jobs import Send, Stats
from glimpse.models.batch import write_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import account_prefixes, derived_prefixes
from glimpse.reactions import Table

PAGE = 100  # of the account's objects per invocation


@dataclass(frozen=True, kw_only=True)
class MediaErasure(Erasure):
    type = "erase_media"
    aggregate = "media"


def account_erased(event: events.AccountErased, send: Send) -> Stats:
    return erase(MediaErasure(event_id=event.event_id, user_id=event.user_id), send)


def erase(job: MediaErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[str], str | None]:
        # Removed objects leave the listing: every page starts from the top; `after` only
        # counts pages (each job's idempotency key differs from the last).
        keys: list[str] = []
        for prefix in account_prefixes(job.user_id):
            keys += keys_under(prefix, PAGE - len(keys))
            if len(keys) >= PAGE:
                break
        return keys, (str(int(after or 0) + 1) if len(keys) >= PAGE else None)

    def remove(keys: list[str]) -> int:
        media_ids = sorted({key.rsplit("/", 1)[1] for key in keys})
        derived = [
            k for m in media_ids for prefix in derived_prefixes(m) for k in keys_under(prefix)
        ]
        delete_keys(derived)
        write_many(MediaItem, deletes=[(media_pk(m), MEDIA) for m in media_ids])
        delete_keys(keys)
        return len(derived) + len(media_ids) + len(keys)

    return erase_pages(job, pages, remove, send)


ERASURE = Table(
    owner="media",
    reactions={events.AccountErased: (account_erased,)},
    jobs={MediaErasure: erase},
)
