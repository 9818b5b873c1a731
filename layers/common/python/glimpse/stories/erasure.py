"""The stories aggregate's part of erasing an account (glimpse.erasure): its stories, each
with its views and its viewers' seen markers (the story reaper then removes its media, and
`story_removed` its markers from others' trays), its highlights with the copies they keep,
and its own tray, with its views and likes of the live stories its seen markers name.

All of these also expire with their stories (TTL, a day at most), long before the default
grace period ends; erasing them matters when the grace period is shorter than a story's life.
Its votes on others' stickers leave their tallies (glimpse.stories.stickers), its answers go,
and stickers that mention it are taken off the stories that carry them.
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.adapters.media_bucket import delete_keys, keys_under
from glimpse.erasure import Erasure, erase_pages, keys_found, keys_of, next_page, table
from glimpse.jobs import Send, Stats
from glimpse.models.batch import write_many
from glimpse.models.objects import KEPT_RENDITIONS_PREFIX
from glimpse.models.stories import (
    SEEN,
    VIEW,
    Highlight,
    Story,
    StoryView,
    TrayMarker,
    highlights_pk,
    owner_pk,
    seen_sk,
    story_pk,
    tray_pk,
    view_sk,
)
from glimpse.stories import stickers

PAGE = 25  # stories or highlights per invocation


@dataclass(frozen=True, kw_only=True)
class StoriesErasure(Erasure):
    type = "erase_stories"
    aggregate = "stories"


@dataclass(frozen=True, kw_only=True)
class HighlightsErasure(Erasure):
    type = "erase_highlights"
    aggregate = "stories"


@dataclass(frozen=True, kw_only=True)
class TrayErasure(Erasure):
    type = "erase_tray"
    aggregate = "stories"


def erase_stories(job: StoriesErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[str], str | None]:
        ids = [s.story_id for s in Story.by_owner.query(owner_pk(job.user_id), limit=PAGE)]
        return ids, next_page(after, len(ids), PAGE)

    def remove(story_ids: list[str]) -> int:
        keys = [
            key
            for story_id in story_ids
            for key in keys_of(Story.query(story_pk(story_id), attributes_to_get=["pk", "sk"]))
        ]
        viewers = {sk.removeprefix(VIEW) for _pk, sk in keys if sk.startswith(VIEW)}
        seen = [(tray_pk(viewer), seen_sk(job.user_id)) for viewer in sorted(viewers)]
        write_many(TrayMarker, deletes=seen)  # before the views that name the viewers
        write_many(Story, deletes=keys)
        return len(keys) + len(seen)

    return erase_pages(job, pages, remove, send)


def erase_highlights(job: HighlightsErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[Highlight], str | None]:
        found = list(Highlight.query(highlights_pk(job.user_id), limit=PAGE))
        return found, next_page(after, len(found), PAGE)

    def remove(highlights: list[Highlight]) -> int:
        media_ids = {
            str(story["media"]["media_id"])
            for highlight in highlights
            for story in highlight.stories or []
        }
        kept = [k for m in sorted(media_ids) for k in keys_under(f"{KEPT_RENDITIONS_PREFIX}{m}/")]
        delete_keys(kept)  # before the items that name them: a retry still finds them
        write_many(Highlight, deletes=[(str(h.pk), str(h.sk)) for h in highlights])
        return len(kept) + len(highlights)

    return erase_pages(job, pages, remove, send)


def erase_tray(job: TrayErasure, send: Send) -> Stats:
    pages = keys_found(
        lambda: TrayMarker.query(tray_pk(job.user_id), limit=PAGE, attributes_to_get=["pk", "sk"]),
        PAGE,
    )

    def remove(keys: list[tuple[str, str]]) -> int:
        owners = [sk.removeprefix(SEEN) for _pk, sk in keys if sk.startswith(SEEN)]
        stories = [story for owner in owners for story in Story.by_owner.query(owner_pk(owner))]
        views = [(story_pk(story.story_id), view_sk(job.user_id)) for story in stories]
        # its votes (out of the tallies) and answers, then its views: before the markers
        # that name the stories' owners; its mentions off the stories that name it
        interactions = stickers.erase_interactions(job.user_id, stories)
        interactions += stickers.unmention(job.user_id, stickers.mentioned_stories(keys))
        write_many(StoryView, deletes=views)
        write_many(TrayMarker, deletes=keys)
        return len(keys) + interactions

    return erase_pages(job, pages, remove, send)


ERASURE = table(
    "stories",
    {StoriesErasure: erase_stories, HighlightsErasure: erase_highlights, TrayErasure: erase_tray},
)
