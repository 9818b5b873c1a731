"""What the moderation aggregate does when events arrive (on the feed-jobs queue): uploads
automatic moderation flagged (`media_flagged`) put what shows them in the moderators' queue,
with their labels. A post or story may be made before or after its media is scored, so both
orders lead here: the flag finds the post or story already using the media, or the post or
story finds its media flagged. Either writes the same case (an idempotent `UpdateItem`)."""

from __future__ import annotations

from typing import Any

from glimpse import events
from glimpse.jobs import Send, Stats
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.batch import get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.moderation import CASE, Case, target_pk
from glimpse.models.posts import POST, Post, post_pk
from glimpse.models.stories import STORY, Story, story_pk
from glimpse.reactions import Table


def media_flagged(event: events.MediaFlagged, _send: Send) -> Stats:
    item = get_or_none(MediaItem, media_pk(event.media_id), MEDIA)
    if item is None or not item.used_by:
        return Stats(notes=["not shown yet: its post or story will find the flag"])
    if item.kind == "post":  # every flagged media item of the post, not this one's alone
        post = get_or_none(Post, post_pk(str(item.used_by)), POST)
        return Stats() if post is None else _open_if_flagged("post", post.post_id, post.media_ids)
    if item.kind == "story":
        return _open("story", str(item.used_by), _labels(item))
    return _open("user", event.owner_id, _labels(item))  # an avatar: its account shows it


def post_created(event: events.PostCreated, _send: Send) -> Stats:
    post = get_or_none(Post, post_pk(event.post_id), POST)
    if post is None:
        return Stats(notes=["post gone"])
    return _open_if_flagged("post", post.post_id, list(post.media_ids))


def story_created(event: events.StoryCreated, _send: Send) -> Stats:
    story = get_or_none(Story, story_pk(event.story_id), STORY)
    if story is None:
        return Stats(notes=["story gone"])
    return _open_if_flagged("story", story.story_id, [story.media_id])


def _open_if_flagged(target_type: str, target_id: str, media_ids: list[str]) -> Stats:
    fetched = get_many([(MediaItem, (media_pk(m), MEDIA)) for m in media_ids], consistent=True)
    items = [fetched.get(MediaItem, (media_pk(m), MEDIA)) for m in media_ids]
    flagged = [item for item in items if item is not None and item.flagged]
    if not flagged:
        return Stats()
    return _open(target_type, target_id, [label for item in flagged for label in _labels(item)])


def _labels(item: MediaItem) -> list[dict[str, Any]]:
    return [{"label": str(a.label), "score": float(a.score)} for a in item.auto_labels or []]


def _open(target_type: str, target_id: str, labels: list[dict[str, Any]]) -> Stats:
    """The target's case waits in the queue with these labels (strongest per label kept),
    unless a moderator decided on it already (a re-delivered event reopens nothing)."""
    strongest: dict[str, float] = {}
    for label in labels:
        strongest[label["label"]] = max(label["score"], strongest.get(label["label"], 0.0))
    ranked = sorted(strongest.items(), key=lambda pair: -pair[1])
    case = Case(target_pk(target_type, target_id), CASE)
    opened = conditionally(
        lambda: case.update(
            actions=[
                *Case.opening(target_type, target_id),
                Case.report_count.set(Case.report_count | 0),
                Case.auto_labels.set([{"label": k, "score": v} for k, v in ranked]),
            ],
            condition=Case.decided_at.does_not_exist(),
        )
    )
    return Stats(written=1) if opened else Stats(notes=["decided already"])


REACTIONS = Table(
    owner="moderation",
    reactions={
        events.MediaFlagged: (media_flagged,),
        events.PostCreated: (post_created,),
        events.StoryCreated: (story_created,),
    },
)
