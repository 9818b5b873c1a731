"""What follows a story's end (its TTL delete, or its owner's DELETE): the Stories table's
stream REMOVE of the story item comes here. Its media go (renditions, original, media item:
a highlight keeps copies of its own), and `story_removed` is emitted, on which the fan-out
takes the tray markers out again. Every step is a delete or a new event: a re-delivery
repeats them harmlessly (a second `story_removed` deletes nothing more).
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.adapters import media_bucket
from glimpse.events import StoryRemoved
from glimpse.models.base import get_or_none, str_map
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import original_key
from glimpse.models.transactions import transaction


@dataclass(frozen=True)
class Ended:
    story_id: str
    owner_id: str
    media_id: str


def reap(story: Ended) -> int:
    """Delete the story's media and announce its end; returns how many objects went."""
    item = get_or_none(MediaItem, media_pk(story.media_id), MEDIA)
    keys = []
    if item is not None and item.used_by == story.story_id:
        keys = [
            *str_map(item.renditions).values(),
            original_key(item.owner_id, item.media_id, "story"),
        ]
        media_bucket.delete_keys(keys)
        item.delete(condition=MediaItem.used_by == story.story_id)
    with transaction() as tx:
        tx.emit(StoryRemoved(story_id=story.story_id, owner_id=story.owner_id))
    return len(keys)
