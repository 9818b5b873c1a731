"""Highlights: copies of an owner's live stories (renditions to a prefix that never expires,
what a story view needs into the highlight item), so both outlive the stories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glimpse.adapters import media_bucket
from glimpse.clock import new_id, now
from glimpse.concurrency import each
from glimpse.directory import summary, user_id_for
from glimpse.errors import BadRequest, NotFound, field_error
from glimpse.graph.access import (
    relation,
    require_content,
)
from glimpse.media.service import view as media_view
from glimpse.models.base import get_or_none, str_map
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import CLOSE, Edge, edge_key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import kept_rendition_key, kept_video_key
from glimpse.models.stories import (
    STORY,
    Highlight,
    Story,
    highlights_pk,
    story_pk,
)
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, partition_page
from glimpse.stories.access import (
    audience_allows,
    live,
)
from glimpse.stories.schemas import (
    HighlightCreate,
    HighlightOut,
    StoryOut,
)


def create_highlight(owner_id: str, body: HighlightCreate) -> HighlightOut:
    """The owner's live stories, copied: their renditions to a prefix that never expires and
    what a story view needs into the highlight item, so both outlive the stories."""
    owner = get_or_none(UserProfile, user_pk(owner_id), PROFILE)
    if owner is None:
        raise NotFound("No such user.")
    stories = _own_live_stories(owner_id, body.story_ids)
    media = get_many([(MediaItem, (media_pk(s.media_id), MEDIA)) for s in stories], consistent=True)
    copies = [_copy(story, _ready(story, media)) for story in stories]
    copying = [pair for copy in copies for pair in copy.objects]
    each(lambda pair: media_bucket.keep_rendition(*pair), copying)  # hundreds: not one by one
    highlight_id = new_id()
    highlight = Highlight(
        highlights_pk(owner_id),
        highlight_id,
        highlight_id=highlight_id,
        owner_id=owner_id,
        title=body.title,
        stories=[copy.item for copy in copies],
        created_at=now(),
    )
    highlight.save(condition=Highlight.pk.does_not_exist())
    return _highlight_view(highlight, owner, owner_id, close=True)


def _own_live_stories(owner_id: str, story_ids: list[str]) -> list[Story]:
    """The stories, each live and the owner's, or a 400 naming those that are not."""
    fetched = get_many([(Story, (story_pk(s), STORY)) for s in story_ids], consistent=True)
    stories = [live(fetched.get(Story, (story_pk(s), STORY))) for s in story_ids]
    bad = [
        sid
        for sid, story in zip(story_ids, stories, strict=True)
        if story is None or story.owner_id != owner_id
    ]
    if bad:
        raise BadRequest(
            "Highlights keep your own live stories.",
            [field_error("story_ids", f"no live story of yours: {', '.join(bad)}")],
        )
    return [story for story in stories if story is not None]


def _ready(story: Story, media: Fetched) -> MediaItem:
    item = media.get(MediaItem, (media_pk(story.media_id), MEDIA))
    if item is None or item.status != "ready":
        raise BadRequest(
            "A story's media is not ready yet.",
            [field_error("story_ids", f"media of {story.story_id} is not ready")],
        )
    return item


@dataclass(frozen=True)
class _Copy:
    item: dict[str, Any]  # what the highlight item keeps of the story
    objects: list[tuple[str, str]]  # (rendition or video key, the key it is kept under)


def _copy(story: Story, item: MediaItem) -> _Copy:
    kept = {size: kept_rendition_key(item.media_id, size) for size in str_map(item.renditions)}
    videos = {edge: kept_video_key(item.media_id, edge) for edge in str_map(item.videos)}
    objects = [(key, kept[size]) for size, key in str_map(item.renditions).items()]
    objects += [(key, videos[edge]) for edge, key in str_map(item.videos).items()]
    media: dict[str, Any] = {
        "media_id": item.media_id,
        "content_type": item.content_type,
        "width": int(item.width or 0),
        "height": int(item.height or 0),
        "blurhash": item.blurhash,
        "renditions": kept,
    }
    if item.media_type == "video":
        media |= {
            "media_type": "video",
            "duration_ms": int(item.duration_ms or 0),
            "videos": videos,
        }
    copy = {
        "story_id": story.story_id,
        "audience": story.audience,
        "created_at": story.created_at.isoformat(),
        "expires_at": story.expires_at.isoformat(),
        "media": media,
    }
    return _Copy(copy, objects)


def _highlight_view(
    highlight: Highlight, owner: UserProfile, viewer_id: str, close: bool
) -> HighlightOut:
    stories = []
    for copy in highlight.stories or []:
        if not audience_allows(copy["audience"], viewer_id == owner.user_id, close):
            continue
        media = copy["media"]
        kept = MediaItem(  # the copy, shown as any media item is (never saved)
            media_pk(media["media_id"]),
            MEDIA,
            media_id=media["media_id"],
            kind="story",
            status="ready",
            content_type=media["content_type"],
            width=media["width"],
            height=media["height"],
            renditions=media["renditions"],
            blurhash=media["blurhash"],
            media_type=media.get("media_type"),
            duration_ms=media.get("duration_ms"),
            videos=media.get("videos"),
        )
        stories.append(
            StoryOut(
                story_id=copy["story_id"],
                author=summary(owner),
                media=media_view(kept),
                created_at=datetime.fromisoformat(copy["created_at"]),
                expires_at=datetime.fromisoformat(copy["expires_at"]),
                seen_by_me=False,
                view_count=None,
            )
        )
    return HighlightOut(highlight_id=highlight.highlight_id, title=highlight.title, stories=stories)


def highlights(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[HighlightOut]:
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "highlights")
    owner_id = found.owner.user_id
    page, next_cursor = partition_page(
        Highlight,
        highlights_pk(owner_id),
        list_id=f"highlights:{owner_id}",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    close = found.is_self or get_or_none(Edge, *edge_key(owner_id, CLOSE, viewer_id)) is not None
    return Page[HighlightOut](
        items=[_highlight_view(h, found.owner, viewer_id, close) for h in page],
        next_cursor=next_cursor,
    )
