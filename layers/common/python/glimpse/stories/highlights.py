"""Highlights: copies of an owner's live stories (renditions to a prefix that never expires,
what a story view needs into the highlight item), so both outlive the stories.

Kept copies are keyed by media id (`renditions/kept/<media_id>/…`), so highlights of one owner
that keep the same story share them: an edit that drops a story, or a delete, deletes the
copies no other highlight of the owner still keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from glimpse.adapters import media_bucket
from glimpse.clock import new_id, now
from glimpse.concurrency import each
from glimpse.directory import summary, user_id_for
from glimpse.errors import BadRequest, NotFound, field_error
from glimpse.events import ContentRemoved, ContentRestored
from glimpse.graph.access import (
    relation,
    removed_for,
    require_content,
)
from glimpse.jobs import Send, Stats
from glimpse.media.service import view as media_view
from glimpse.models.base import conditionally, get_or_none, str_map
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import CLOSE, Edge, edge_key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.moderation import is_removed
from glimpse.models.objects import kept_rendition_key, kept_video_key
from glimpse.models.stories import (
    STORY,
    Highlight,
    Story,
    highlights_pk,
    story_pk,
)
from glimpse.models.transactions import Contention
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, partition_page
from glimpse.stories.access import (
    audience_allows,
    live,
)
from glimpse.stories.schemas import (
    HighlightCreate,
    HighlightOut,
    HighlightPatch,
    StoryOut,
)

NO_HIGHLIGHT = "No such highlight of yours."


def create_highlight(owner_id: str, body: HighlightCreate) -> HighlightOut:
    """The owner's live stories, copied: their renditions to a prefix that never expires and
    what a story view needs into the highlight item, so both outlive the stories."""
    owner = get_or_none(UserProfile, user_pk(owner_id), PROFILE)
    if owner is None:
        raise NotFound("No such user.")
    copies = _copies(owner_id, body.story_ids)
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


def _copies(owner_id: str, story_ids: list[str]) -> list[_Copy]:
    """The owner's live stories with ready media, copied where highlights keep them; a 400
    naming `story_ids` (and nothing copied) if one is not."""
    if not story_ids:
        return []
    stories = _own_live_stories(owner_id, story_ids)
    media = get_many([(MediaItem, (media_pk(s.media_id), MEDIA)) for s in stories], consistent=True)
    copies = [_copy(story, _ready(story, media)) for story in stories]
    copying = [pair for copy in copies for pair in copy.objects]
    each(lambda pair: media_bucket.keep_rendition(*pair), copying)  # hundreds: not one by one
    return copies


def _own_live_stories(owner_id: str, story_ids: list[str]) -> list[Story]:
    """The stories, each live and the owner's, or a 400 naming those that are not."""
    fetched = get_many([(Story, (story_pk(s), STORY)) for s in story_ids], consistent=True)
    stories = [live(fetched.get(Story, (story_pk(s), STORY))) for s in story_ids]
    bad = [
        sid
        for sid, story in zip(story_ids, stories, strict=True)
        if story is None or story.owner_id != owner_id or is_removed(story)
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
        if removed_for(viewer_id, owner.user_id, copy.get("removed_at")):
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
                audience=copy["audience"],
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


# --------------------------------------------------------------------------- edit, delete
def update_highlight(owner_id: str, highlight_id: str, body: HighlightPatch) -> HighlightOut:
    """A new title, or a new list of stories: those the highlight keeps already (live or not),
    in any order, and the owner's live stories with ready media, copied as on create. Copies
    of the stories it drops go unless another of the owner's highlights keeps them.

    BatchGetItem (owner, highlight); for new stories as `POST /highlights`; `UpdateItem`
    conditioned on the revision read (a concurrent edit or delete makes this read again); for
    dropped stories a Query of the owner's highlights and S3 `DeleteObjects`."""
    made: list[dict[str, Any]] = []  # copies this request made
    try:
        return _update(owner_id, highlight_id, body, made)
    except Exception:
        _release(owner_id, made)  # made for an edit that did not happen (deleted meanwhile)
        raise


def _update(
    owner_id: str, highlight_id: str, body: HighlightPatch, made: list[dict[str, Any]]
) -> HighlightOut:
    for _attempt in range(3):
        owner, highlight = _owner_and_highlight(owner_id, highlight_id)
        if highlight is None:
            raise NotFound(NO_HIGHLIGHT)
        before: list[dict[str, Any]] = list(highlight.stories or [])
        after, new = _stories_after(owner_id, before, body.story_ids)
        made.extend(new)
        changes: dict[str, Any] = {}
        if body.title is not None and body.title != highlight.title:
            changes["title"] = body.title
        if after != before:
            changes["stories"] = after
        if changes and not _edited(highlight, changes):
            continue
        _release(owner_id, _dropped(before, after))
        return _highlight_view(highlight, owner, owner_id, close=True)
    raise Contention()


def delete_highlight(owner_id: str, highlight_id: str) -> None:
    """The owner's highlight goes; so do its kept copies that no other highlight of the owner
    keeps. `GetItem`; `DeleteItem` conditioned on the revision read; a Query of the owner's
    highlights; S3 `DeleteObjects`."""
    for _attempt in range(3):
        highlight = get_or_none(Highlight, highlights_pk(owner_id), highlight_id)
        if highlight is None:
            raise NotFound(NO_HIGHLIGHT)
        if _deleted(highlight):
            _release(owner_id, list(highlight.stories or []))
            return
    raise Contention()


def _owner_and_highlight(owner_id: str, highlight_id: str) -> tuple[UserProfile, Highlight | None]:
    fetched = get_many(
        [
            (UserProfile, (user_pk(owner_id), PROFILE)),
            (Highlight, (highlights_pk(owner_id), highlight_id)),
        ],
        consistent=True,
    )
    owner = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
    if owner is None:
        raise NotFound("No such user.")
    return owner, fetched.get(Highlight, (highlights_pk(owner_id), highlight_id))


def _stories_after(
    owner_id: str, before: list[dict[str, Any]], story_ids: list[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The highlight's copies once `story_ids` is applied (None: as they are), and the copies
    made for the stories new to it."""
    if story_ids is None:
        return before, []
    kept = {copy["story_id"]: copy for copy in before}
    new = [c.item for c in _copies(owner_id, [s for s in story_ids if s not in kept])]
    added = {copy["story_id"]: copy for copy in new}
    return [kept.get(story_id) or added[story_id] for story_id in story_ids], new


def _as_read(highlight: Highlight) -> Condition:
    """The highlight is still there, unedited since it was read."""
    revision: float | None = highlight.revision  # absent until the first edit
    unedited: Condition = (
        Highlight.pk.exists() & Highlight.revision.does_not_exist()
        if revision is None
        else Highlight.revision == revision
    )
    return unedited


def _edited(highlight: Highlight, changes: dict[str, Any]) -> bool:
    """Write `changes` (title, stories) if the highlight is as read; False if it is not."""
    actions: list[Action] = [Highlight.revision.set(int(highlight.revision or 0) + 1)]
    if "title" in changes:
        actions.append(Highlight.title.set(changes["title"]))
    if "stories" in changes:
        actions.append(Highlight.stories.set(changes["stories"]))
    return conditionally(lambda: highlight.update(actions=actions, condition=_as_read(highlight)))


def story_moderated(event: ContentRemoved | ContentRestored, _send: Send) -> Stats:
    """A moderator's removal (or its restore) of a story reaches its copies in the owner's
    highlights: marked `removed_at` (or unmarked), shown to the owner only, as the story is.
    One Query of the owner's highlights; each holding the story is edited as read."""
    removed = isinstance(event, ContentRemoved)
    changed = 0
    for highlight in Highlight.query(highlights_pk(event.owner_id)):
        for _attempt in range(3):
            copies = [dict(c) for c in highlight.stories or []]
            held = [c for c in copies if c.get("story_id") == event.target_id]
            if not held or all(bool(c.get("removed_at")) == removed for c in held):
                break
            for copy in held:
                if removed:
                    copy["removed_at"] = event.occurred_at.isoformat()
                else:
                    copy.pop("removed_at", None)
            if _edited(highlight, {"stories": copies}):
                changed += 1
                break
            found = get_or_none(Highlight, highlight.pk, highlight.sk)
            if found is None:
                break
            highlight = found
    return Stats(written=changed)


def _deleted(highlight: Highlight) -> bool:
    """Delete the highlight if it is as read; False if it is not."""
    return conditionally(lambda: highlight.delete(condition=_as_read(highlight)))


def _dropped(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = {copy["media"]["media_id"] for copy in after}
    return [copy for copy in before if copy["media"]["media_id"] not in kept]


def _release(owner_id: str, copies: list[dict[str, Any]]) -> None:
    """Delete the kept files of `copies` that no highlight of the owner keeps (read after the
    change that let them go, strongly consistent)."""
    if not copies:
        return
    kept = {
        copy["media"]["media_id"]
        for highlight in Highlight.query(highlights_pk(owner_id), consistent_read=True)
        for copy in highlight.stories or []
    }
    media_bucket.delete_keys(
        [key for copy in copies if copy["media"]["media_id"] not in kept for key in _files(copy)]
    )


def _files(copy: dict[str, Any]) -> list[str]:
    """The object keys a highlight's copy of a story keeps: renditions (posters), MP4s."""
    media = copy["media"]
    return [*(media.get("renditions") or {}).values(), *(media.get("videos") or {}).values()]
