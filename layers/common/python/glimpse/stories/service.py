"""Stories: create, read a user's live stories, delete.

Views and likes are glimpse.stories.viewers, the tray glimpse.stories.tray, highlights and close
friends their own modules; who may see a story is glimpse.stories.access."""

from __future__ import annotations

from datetime import timedelta

from glimpse.clock import new_id, now
from glimpse.directory import summary, user_id_for
from glimpse.errors import BadRequest, Forbidden, NotFound, field_error
from glimpse.events import StoryCreated
from glimpse.graph.access import (
    relation,
    removed_for,
    require_content,
)
from glimpse.media.service import unused_media
from glimpse.media.service import view as media_view
from glimpse.models.base import conditionally
from glimpse.models.batch import Fetched, get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import (
    STORY,
    Story,
    StoryView,
    expiry_pk,
    owner_pk,
    story_pk,
    view_sk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.places import service as places
from glimpse.stories import stickers
from glimpse.stories.access import (
    MISSING,
    close_edge,
    in_audience,
    live_stories,
    live_story,
    ttl,
    visible,
)
from glimpse.stories.schemas import (
    StoryCreate,
    StoryList,
    StoryOut,
)


def _view(viewer_id: str, story: Story, owner: UserProfile, fetched: Fetched) -> StoryOut | None:
    """The story as `viewer` sees it; None while its media is not ready (its owner sees it)."""
    media = fetched.get(MediaItem, (media_pk(story.media_id), MEDIA))
    mine = viewer_id == story.owner_id
    if media is None or (not mine and media.status != "ready"):
        return None
    if removed_for(viewer_id, story.owner_id, story.removed_at):
        return None
    seen = fetched.get(StoryView, (story_pk(story.story_id), view_sk(viewer_id))) is not None
    return StoryOut(
        story_id=story.story_id,
        author=summary(owner),
        media=media_view(media),
        audience="close_friends" if story.audience == "close_friends" else "followers",
        created_at=story.created_at,
        expires_at=story.expires_at,
        seen_by_me=seen,
        view_count=int(story.view_count or 0) if mine else None,
        stickers=stickers.views(story, viewer_id, fetched),
        removed=story.removed_at is not None,
        place=places.shown(fetched, story.place_id),
    )


def create_story(owner_id: str, body: StoryCreate) -> StoryOut:
    """One BatchGetItem (owner, media), two more with mention stickers (glimpse.stories.
    stickers), one transaction (story, media used, tallies, mention markers, event)."""
    fetched = get_many(
        [
            (UserProfile, (user_pk(owner_id), PROFILE)),
            (MediaItem, (media_pk(body.media_id), MEDIA)),
            *places.keys(body.place_id),
        ],
        consistent=True,
    )
    owner = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
    if owner is None:
        raise NotFound("No such user.")
    media = unused_media(
        fetched.get(MediaItem, (media_pk(body.media_id), MEDIA)), owner_id, "story", "media_id"
    )
    place = places.require(fetched, body.place_id)
    story = _new_story(owner_id, media.media_id, body.audience)
    story.place_id = body.place_id
    placed = stickers.place(owner, story, body.stickers)
    story.stickers = placed.stored or None
    _save(story, placed)
    return StoryOut(
        story_id=story.story_id,
        author=summary(owner),
        media=media_view(media),
        audience="close_friends" if story.audience == "close_friends" else "followers",
        created_at=story.created_at,
        expires_at=story.expires_at,
        seen_by_me=False,
        view_count=0,
        stickers=stickers.views(story, owner_id, Fetched()),
        place=places.view(place) if place is not None else None,
    )


def _new_story(owner_id: str, media_id: str, audience: str) -> Story:
    story_id = new_id()
    created = now()
    expires = (created + ttl()).replace(microsecond=0)  # what the TTL attribute keeps
    return Story(
        story_pk(story_id),
        STORY,
        story_id=story_id,
        owner_id=owner_id,
        media_id=media_id,
        audience=audience,
        view_count=0,
        created_at=created,
        expires_at=expires,
        owner_pk=owner_pk(owner_id),
        story_sk=story_id,
        expiry_pk=expiry_pk(story_id, expires),
    )


def _save(story: Story, placed: stickers.Placed) -> None:
    """The story, its media marked used (if still the owner's, unused, not rejected), its
    stickers' tallies and mention markers, and `story_created`, in one transaction; a 400 if
    the media was used or rejected meanwhile."""
    try:
        with transaction() as tx:
            tx.save(story, condition=Story.pk.does_not_exist())
            for item in [*placed.tallies, *placed.markers]:
                tx.save(item)
            tx.update(
                MediaItem(media_pk(story.media_id), MEDIA),
                # The reaper deletes it with the story; this TTL is the backstop.
                actions=[
                    MediaItem.used_by.set(story.story_id),
                    MediaItem.expires_at.set(story.expires_at + timedelta(days=2)),
                ],
                condition=(MediaItem.owner_id == story.owner_id)
                & MediaItem.used_by.does_not_exist()
                & (MediaItem.status != "rejected"),
            )
            tx.emit(
                StoryCreated(
                    story_id=story.story_id,
                    owner_id=story.owner_id,
                    audience=story.audience,
                    mentioned=placed.mentioned,
                )
            )
    except ConditionFailed:
        raise BadRequest(
            "The media item was used or rejected meanwhile.",
            [field_error("media_id", "must be unused and not rejected")],
        ) from None


def get_story(viewer_id: str, story_id: str) -> StoryOut:
    """A live story, to whom the tray would show it: its owner, and those who may see the
    owner's content and are in its audience (404 across a block, outside a close-friends
    audience, for a removed story or media not ready yet; 403 for a private account's
    non-follower). One GetItem of the story, one BatchGetItem (the owner, the edges, the
    viewer's view, the media)."""
    story = live_story(story_id)
    if viewer_id == story.owner_id:
        fetched = get_many(
            [
                (UserProfile, (user_pk(viewer_id), PROFILE)),
                (StoryView, (story_pk(story_id), view_sk(viewer_id))),
                (MediaItem, (media_pk(story.media_id), MEDIA)),
                *stickers.sticker_keys(story, viewer_id),
                *places.keys(story.place_id),
            ]
        )
        owner = fetched.get(UserProfile, (user_pk(viewer_id), PROFILE))
        if owner is None:
            raise NotFound(MISSING)
    else:
        found, fetched = visible(viewer_id, story, stickers.sticker_keys(story, viewer_id))
        owner = found.owner
    view = _view(viewer_id, story, owner, fetched)
    if view is None:
        raise NotFound(MISSING)
    return view


def user_stories(viewer_id: str, username: str) -> StoryList:
    """Claim GetItem, relation BatchGetItem, ByOwner Query, views BatchGetItem."""
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "stories")
    owner_id = found.owner.user_id
    stories = live_stories(owner_id)
    fetched = get_many(
        [close_edge(owner_id, viewer_id)]
        + [(MediaItem, (media_pk(s.media_id), MEDIA)) for s in stories]
        + [(StoryView, (story_pk(s.story_id), view_sk(viewer_id))) for s in stories]
        + [key for s in stories for key in stickers.sticker_keys(s, viewer_id)]
        + [key for s in stories for key in places.keys(s.place_id)]
    )
    items = [
        view
        for story in stories
        if in_audience(story, viewer_id, fetched)
        and (view := _view(viewer_id, story, found.owner, fetched)) is not None
    ]
    return StoryList(items=items)


def delete_story(caller_id: str, story_id: str) -> None:
    """The owner's alone. Its media, views and tray markers go after it (the story reaper)."""
    story = live_story(story_id)
    if caller_id != story.owner_id:
        visible(caller_id, story)
        raise Forbidden("Only the story's owner may delete it.")
    if not conditionally(lambda: story.delete(condition=Story.owner_id == caller_id)):
        raise NotFound(MISSING)
