"""Views and likes of a story. Each is an item of its own under conditions on itself: no
request rewrites the story item (its `view_count` is added up from `story_viewed` events by
the counters consumer)."""

from __future__ import annotations

from glimpse.clock import now
from glimpse.errors import Forbidden
from glimpse.events import StoryLiked, StoryViewed
from glimpse.graph.access import (
    Relation,
    listed,
    refusal,
    still_allowed,
)
from glimpse.models.base import conditionally
from glimpse.models.batch import Fetched
from glimpse.models.stories import (
    VIEW,
    Story,
    StoryView,
    TrayMarker,
    seen_sk,
    story_pk,
    tray_pk,
    view_sk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.pagination import Page, partition_page
from glimpse.stories.access import (
    MISSING,
    live_story,
    visible,
)
from glimpse.stories.schemas import (
    Viewer,
)


def view_story(viewer_id: str, story_id: str) -> None:
    """Idempotent: the first view writes the view item and `story_viewed`; any later one
    writes nothing. The viewer's seen marker for the owner moves forward (never back)."""
    story = live_story(story_id)
    if viewer_id == story.owner_id:
        return
    found, fetched = visible(viewer_id, story)
    seen(found, fetched, story, viewer_id)


def seen(found: Relation, fetched: Fetched, story: Story, viewer_id: str) -> None:
    """The viewer's view of `story` recorded if `fetched` (`visible`'s read) has none, and
    the seen marker moved forward: what viewing it does, and what acting on it implies."""
    if fetched.get(StoryView, (story_pk(story.story_id), view_sk(viewer_id))) is None:
        _record_view(found, story, viewer_id)
    _mark_seen(viewer_id, story)


def _record_view(found: Relation, story: Story, viewer_id: str) -> None:
    try:
        with transaction() as tx:
            tx.save(
                StoryView(
                    story_pk(story.story_id),
                    view_sk(viewer_id),
                    viewer_id=viewer_id,
                    viewed_at=now(),
                    expires_at=story.expires_at,
                ),
                condition=StoryView.pk.does_not_exist(),
                name="view",
            )
            still_allowed(tx, found)
            tx.emit(
                StoryViewed(story_id=story.story_id, owner_id=story.owner_id, viewer_id=viewer_id)
            )
    except ConditionFailed as exc:
        if exc.names - {"view"}:
            raise refusal(exc.names - {"view"}, "stories", MISSING) from None


def _mark_seen(viewer_id: str, story: Story) -> None:
    seen = TrayMarker(tray_pk(viewer_id), seen_sk(story.owner_id))
    conditionally(  # only forward: an older story viewed later leaves the marker alone
        lambda: seen.update(
            actions=[
                TrayMarker.owner_id.set(story.owner_id),
                TrayMarker.story_id.set(story.story_id),
                TrayMarker.expires_at.set(story.expires_at),
            ],
            condition=TrayMarker.story_id.does_not_exist() | (TrayMarker.story_id < story.story_id),
        )
    )


def like_story(viewer_id: str, story_id: str) -> None:
    """Idempotent; a like is also a view. `story_liked` once per like (for notifications)."""
    story = live_story(story_id)
    if viewer_id == story.owner_id:
        return
    found, fetched = visible(viewer_id, story)
    view = fetched.get(StoryView, (story_pk(story_id), view_sk(viewer_id)))
    if view is None:
        _record_view(found, story, viewer_id)
        _mark_seen(viewer_id, story)
    elif view.liked:
        return
    try:
        with transaction() as tx:
            tx.update(
                StoryView(story_pk(story_id), view_sk(viewer_id)),
                actions=[StoryView.liked.set(True)],
                condition=StoryView.pk.exists()
                & (StoryView.liked.does_not_exist() | (StoryView.liked == False)),  # noqa: E712
                name="like",
            )
            still_allowed(tx, found)
            tx.emit(StoryLiked(story_id=story_id, owner_id=story.owner_id, user_id=viewer_id))
    except ConditionFailed as exc:
        if exc.names - {"like"}:
            raise refusal(exc.names - {"like"}, "stories", MISSING) from None


def unlike_story(viewer_id: str, story_id: str) -> None:
    story = live_story(story_id)
    visible(viewer_id, story)
    conditionally(
        lambda: StoryView(story_pk(story_id), view_sk(viewer_id)).update(
            actions=[StoryView.liked.set(False)],
            condition=StoryView.liked == True,  # noqa: E712
        )
    )


def viewers(owner_id: str, story_id: str, limit: int, cursor: str | None) -> Page[Viewer]:
    """The owner's alone (403 for anyone else who may see the story): each viewer once."""
    story = live_story(story_id)
    if owner_id != story.owner_id:
        visible(owner_id, story)
        raise Forbidden("Only the story's owner sees who viewed it.")
    views, next_cursor = partition_page(
        StoryView,
        story_pk(story_id),
        prefix=VIEW,
        list_id=f"viewers:{story_id}",
        cursor=cursor,
        limit=limit,
    )
    shown = listed(owner_id, [view.viewer_id for view in views])
    return Page[Viewer](
        items=[
            Viewer(**shown[view.viewer_id].model_dump(), liked=bool(view.liked))
            for view in views
            if view.viewer_id in shown
        ],
        next_cursor=next_cursor,
    )
