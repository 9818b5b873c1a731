"""A media item's objects in the media bucket, and deleting them: the one place that says
what they are, for erasure, `DELETE /media` and an upload whose item went while it was being
processed.

A media item's objects are its upload, its original and what is made from it (renditions,
a video's MP4s and posters, story renditions, highlights' kept copies). What is made from it
is found by listing its prefixes, not read from the item, so a file written before the item
named it (a thumbnailer that had not settled yet) goes too.
"""

from __future__ import annotations

from glimpse.adapters.media_bucket import delete_keys, keys_under
from glimpse.models.media import MediaItem
from glimpse.models.objects import derived_prefixes, original_key, upload_key


def derived_keys(media_ids: list[str]) -> list[str]:
    """The objects made from these media items, listed."""
    return [k for m in media_ids for prefix in derived_prefixes(m) for k in keys_under(prefix)]


def delete_files(items: list[MediaItem]) -> int:
    """Delete every object of `items`, what is made from them first (a retry after a failure
    still finds the rest by the item); a missing object is no error. Returns how many objects
    made from them were found."""
    named = [
        key
        for item in items
        for key in (
            original_key(item.owner_id, item.media_id, item.kind),
            upload_key(item.owner_id, item.media_id, item.media_type or "image"),
        )
    ]
    derived = derived_keys([item.media_id for item in items])
    delete_keys(derived + named)
    return len(derived)
