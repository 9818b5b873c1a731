"""Which story a reader may see, read once for every route: live (expiry is exact for readers:
DynamoDB's TTL deletes lazily, so every read compares `expires_at` with now), visible (blocks
404, a private account's stories 403 to non-followers, glimpse.graph.access's rule), and in
its audience (a close-friends story exists only for the owner's close friends)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from glimpse.clock import first_id_at, now
from glimpse.config import get_settings
from glimpse.errors import NotFound
from glimpse.graph.access import (
    Relation,
    relation_from,
    relation_keys,
    removed_for,
    require_content,
)
from glimpse.models.base import Model, get_or_none
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import CLOSE, Edge, edge_key
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.moderation import is_removed
from glimpse.models.stories import (
    STORY,
    Story,
    StoryView,
    owner_pk,
    story_pk,
    view_sk,
)
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.places import service as places

MISSING = "No such story."
LIVE_STORIES = 100  # a user's live stories read per request (oldest first)


def ttl() -> timedelta:
    return timedelta(seconds=get_settings().story_ttl_seconds)


def live(story: Story | None) -> Story | None:
    return story if story is not None and story.expires_at > now() else None


def in_trays(story: Story | None) -> bool:
    """Whether trays show the story: live, and not removed by a moderator (its owner sees a
    removed story on its own page, never in a tray)."""
    return live(story) is not None and not is_removed(story)


def live_story(story_id: str) -> Story:
    """A live story, read eventually consistently (every view reads it: a hot item's reads
    cost half), or 404. The writes that depend on it re-check what matters in a condition."""
    story = live(get_or_none(Story, story_pk(story_id), STORY, consistent=False))
    if story is None:
        raise NotFound(MISSING)
    return story


def story_seen_by(viewer_id: str, story_id: str) -> Story:
    """A live story `viewer` may see: 404 (403 for a private account's non-follower) as
    viewing it would answer."""
    story = live_story(story_id)
    if viewer_id != story.owner_id:
        visible(viewer_id, story)
    return story


def close_edge(owner_id: str, viewer_id: str) -> tuple[type[Edge], tuple[str, str]]:
    return (Edge, edge_key(owner_id, CLOSE, viewer_id))


def audience_allows(audience: str, is_owner: bool, on_list: bool) -> bool:
    """The audience rule, for every route: a close-friends story is its owner's and the
    close friends list's (whose trays it reaches while they follow); any other story is
    everyone's who may see the owner's content."""
    return audience != "close_friends" or is_owner or on_list


def in_audience(story: Story, viewer_id: str, fetched: Fetched) -> bool:
    on_list = fetched.get(*close_edge(story.owner_id, viewer_id)) is not None
    return audience_allows(story.audience, viewer_id == story.owner_id, on_list)


def visible(
    viewer_id: str, story: Story, also: Sequence[tuple[type[Model], tuple[str, str]]] = ()
) -> tuple[Relation, Fetched]:
    """The owner, the edges, the viewer's view and the media (and `also`, e.g. its stickers'
    tallies) in one BatchGetItem; 404 across a block or outside a close-friends audience, 403
    for a private account's non-follower."""
    fetched = get_many(
        [
            *also,
            (UserProfile, (user_pk(story.owner_id), PROFILE)),
            *relation_keys(viewer_id, story.owner_id),
            close_edge(story.owner_id, viewer_id),
            (StoryView, (story_pk(story.story_id), view_sk(viewer_id))),
            (MediaItem, (media_pk(story.media_id), MEDIA)),
            *places.keys(story.place_id),
        ]
    )
    owner = fetched.get(UserProfile, (user_pk(story.owner_id), PROFILE))
    if owner is None:
        raise NotFound(MISSING)
    found = relation_from(fetched, viewer_id, owner)
    if removed_for(viewer_id, story.owner_id, story.removed_at):
        raise NotFound(MISSING)
    # Outside the audience the story does not exist, private account or not (404 before 403).
    if not (found.blocked or in_audience(story, viewer_id, fetched)):
        raise NotFound(MISSING)
    require_content(found, "stories", missing=MISSING)
    return found, fetched


def live_stories(owner_id: str, newest_first: bool = False) -> list[Story]:
    """Up to LIVE_STORIES live stories. The key condition starts at the oldest id a live story
    can have (its time is in the ULID), so expired items the TTL has not deleted yet are never
    read, however many there are; the filter takes care of the last seconds."""
    moment = now()
    oldest = first_id_at(moment - ttl())
    return list(
        Story.by_owner.query(
            owner_pk(owner_id),
            Story.story_sk >= oldest,
            filter_condition=Story.expires_at > moment,
            scan_index_forward=not newest_first,
            limit=LIVE_STORIES,
        )
    )
