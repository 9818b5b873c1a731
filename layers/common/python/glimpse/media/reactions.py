"""What the media aggregate does when events arrive (on the feed-jobs queue,
glimpse.consumers): media nothing shows any more go, with every file of theirs, as
`DELETE /media/{media_id}` removes them (glimpse.media.service), so a URL handed out before
stops working within a minute (the CDN caches a file a minute at most)."""

from __future__ import annotations

from glimpse import events
from glimpse.errors import Conflict, NotFound
from glimpse.jobs import Send, Stats
from glimpse.media.service import delete_media
from glimpse.reactions import Table


def withdraw(event: events.MediaWithdrawn, send: Send) -> Stats:
    """Each media item goes unless its owner uses it again meanwhile (a new post, story or
    avatar: 409) or it went already (404); a re-delivered event finds them gone."""
    stats = Stats()
    for media_id in event.media_ids:
        try:
            delete_media(event.owner_id, media_id)
        except (Conflict, NotFound):
            stats.notes.append(f"{media_id} kept (in use again, or gone)")
            continue
        stats.deleted += 1
    return stats


REACTIONS = Table(owner="media", reactions={events.MediaWithdrawn: (withdraw,)})
