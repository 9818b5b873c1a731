"""What follows a story's end (its expiry, or its owner's DELETE): the Stories table's stream
REMOVE of the story item comes here. Its media go (renditions, original, media item: a
highlight keeps copies of its own). After an owner's delete, `story_removed` takes the tray
markers out early; an expired story's markers expire with it (same `expires_at`, and every
read filters on it), so an expiry costs no second fan-out. Every step is a delete, and the
event's id is derived from the story's: a re-delivery writes no second event.

A removal is an expiry when DynamoDB's TTL made it or when the story was past its expiry by
then: the story sweep's delete (glimpse.stories.sweeper), or anything else that removes an
expired story, whose markers are expired too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from glimpse.adapters import media_bucket
from glimpse.clock import now
from glimpse.events import StoryRemoved
from glimpse.models.base import get_or_none, str_map
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import original_key
from glimpse.models.streams import StreamRecord
from glimpse.models.transactions import ConditionFailed, transaction


@dataclass(frozen=True)
class Ended:
    story_id: str
    owner_id: str
    media_id: str
    expired: bool  # it was removed past its expiry (else its owner deleted it)


def ended(change: StreamRecord) -> Ended:
    """The story a REMOVE of its item ended (the old image's), and whether it expired: by
    DynamoDB's TTL, or removed once its expiry had passed (when the record says it was made,
    else now)."""
    image = change.old_image
    expires_at = datetime.fromtimestamp(int(image["expires_at"]), UTC)
    return Ended(
        story_id=str(image["story_id"]),
        owner_id=str(image["owner_id"]),
        media_id=str(image["media_id"]),
        expired=change.expired or expires_at <= (change.made_at or now()),
    )


def reap(story: Ended) -> int:
    """Delete the story's media and announce its end; returns how many objects went."""
    item = get_or_none(MediaItem, media_pk(story.media_id), MEDIA)
    keys = []
    if item is not None and item.used_by == story.story_id:
        keys = [
            *str_map(item.renditions).values(),
            *str_map(item.videos).values(),
            original_key(item.owner_id, item.media_id, "story"),
        ]
        media_bucket.delete_keys(keys)
        item.delete(condition=MediaItem.used_by == story.story_id)
    if not story.expired:
        event = StoryRemoved(
            event_id=f"{story.story_id}.removed", story_id=story.story_id, owner_id=story.owner_id
        )
        try:
            with transaction() as tx:
                tx.emit(event)
        except ConditionFailed:
            pass  # emitted by an earlier delivery of this record
    return len(keys)
