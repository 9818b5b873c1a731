"""The feed-jobs queue (the fanout function): domain events, and the continuations the
reactions send back to it. Its SNS filter policy is `ROUTER.event_types()`.

| aggregate | reacts to | does |
| --- | --- | --- |
| posts | post_deleted | its likes and comments go, a page per invocation |
| feed | post_created, post_deleted | the post into / out of followers' feeds |
| feed | follow_created, request_approved, follow_removed | back-fill / prune the feed |
| stories | story_created, story_removed | markers into / out of followers' trays |
| stories | follow_created, request_approved, follow_removed | back-fill / prune the tray |
| stories | content_removed, content_restored (a story's) | markers out of / back into trays |
| graph | celebrity_reached | the account joins its followers' celebrity sets |
| graph | account_made_public | its pending requests are approved, a page per invocation |
| media | media_withdrawn | a deleted post's media, a replaced avatar: deleted with their files |
| moderation | media_flagged, post_created, story_created | flagged media: its post, story queued |
"""

from __future__ import annotations

from typing import Any

from glimpse import events
from glimpse.adapters.messaging import send_feed_jobs
from glimpse.feed.reactions import REACTIONS as FEED
from glimpse.graph.reactions import REACTIONS as GRAPH
from glimpse.jobs import Send, Stats
from glimpse.media.reactions import REACTIONS as MEDIA
from glimpse.moderation.reactions import REACTIONS as MODERATION
from glimpse.posts.reactions import REACTIONS as POSTS
from glimpse.reactions import Router
from glimpse.stories.reactions import REACTIONS as STORIES

ROUTER = Router((POSTS, FEED, STORIES, GRAPH, MEDIA, MODERATION))


def run(message: dict[str, Any], send: Send = send_feed_jobs) -> Stats:
    """One message of the queue: a continuation, or else a domain event."""
    return ROUTER.run(message, send)


def on_event(event: events.Event, send: Send = send_feed_jobs) -> Stats:
    return ROUTER.on_event(event, send)
