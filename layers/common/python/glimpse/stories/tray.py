"""The tray: whose live stories a reader sees at the top of the app, its whole life here.

Written on the fan-out (the feed-jobs queue, this aggregate's rows in glimpse.stories.
reactions): `story_created` puts a marker per story into each follower's tray (close friends
only, who follow the owner, for a close-friends story), a page per invocation through
glimpse.jobs' engine; `story_removed` (an owner's delete) takes them out again; a follow
back-fills the owner's live stories, an unfollow prunes them. A celebrity's stories are merged
into trays at read time instead. An expired story's markers expire with it (same
`expires_at`, and every read filters on it), so an expiry costs no second fan-out.

Every write is a put or delete of a key derived from the story, right in any order and under
any re-delivery; an add checks the story after writing a page, and back-fill and prune check
the follow edge before and after, as the feed's do. Someone put on an owner's close friends
list gets the owner's live close-friends stories at once (`close_friends_added`, from the
request that changes the list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from glimpse import events
from glimpse.clock import now, time_of
from glimpse.concurrency import each
from glimpse.directory import summary
from glimpse.graph import celebrities, mutes
from glimpse.graph.access import following, follows
from glimpse.jobs import Audience, Job, Readers, Send, Stats, spread
from glimpse.models.base import get_or_none
from glimpse.models.batch import get_many, write_many
from glimpse.models.feed import followed_celebrities
from glimpse.models.graph import CLOSE, FOLLOWER, FOLLOWS, Edge, edge_key
from glimpse.models.moderation import is_removed
from glimpse.models.stories import (
    MARKER,
    SEEN,
    STORY,
    Story,
    TrayMarker,
    marker_prefix,
    marker_sk,
    owner_pk,
    story_pk,
    tray_pk,
)
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.stories.access import audience_allows, close_edge, in_trays, live_stories

if TYPE_CHECKING:
    from glimpse.stories.schemas import Tray

# Whose trays a story reaches, by audience ("everyone": a removal, markers are per story).
KINDS = {"followers": (FOLLOWER,), "close_friends": (CLOSE,), "everyone": (FOLLOWER, CLOSE)}


@dataclass(frozen=True, kw_only=True)
class StorySpread(Job):
    """A story's markers into (`add`) or out of (`remove`) its audience's trays."""

    type = "story_fanout"
    story_id: str
    owner_id: str
    audience: Literal["followers", "close_friends", "everyone"]  # everyone: a removal
    expires_at: int  # epoch seconds (0 for a removal)
    action: Literal["add", "remove"]


# --------------------------------------------------------------------------- reactions
def story_created(event: events.StoryCreated | events.ContentRestored, send: Send) -> Stats:
    """A new story, or one a moderator restored: its markers into the audience's trays."""
    story_id = event.target_id if isinstance(event, events.ContentRestored) else event.story_id
    story = get_or_none(Story, story_pk(story_id), STORY)
    if story is None or not in_trays(story):
        return Stats(notes=["story gone (or removed) before its fan-out"])
    job = StorySpread(
        event_id=event.event_id,
        story_id=story.story_id,
        owner_id=story.owner_id,
        audience="close_friends" if story.audience == "close_friends" else "followers",
        expires_at=int(story.expires_at.timestamp()),
        action="add",
    )
    return spread_story(job, send)


def story_removed(event: events.StoryRemoved | events.ContentRemoved, send: Send) -> Stats:
    """An owner's delete, or a moderator's removal: the markers go from followers' and close
    friends' trays both."""
    story_id = event.target_id if isinstance(event, events.ContentRemoved) else event.story_id
    if isinstance(event, events.ContentRemoved):
        story = get_or_none(Story, story_pk(story_id), STORY)
        if story is not None and not is_removed(story):
            return Stats(notes=["restored since: its markers stay"])
    job = StorySpread(
        event_id=event.event_id,
        story_id=story_id,
        owner_id=event.owner_id,
        audience="everyone",
        expires_at=0,
        action="remove",
    )
    return spread_story(job, send)


def followed(event: events.FollowCreated | events.RequestApproved, send: Send) -> Stats:
    return Stats(written=backfill(event.follower_id, event.followee_id))


def unfollowed(event: events.FollowRemoved, send: Send) -> Stats:
    return Stats(deleted=prune(event.follower_id, event.followee_id))


# --------------------------------------------------------------------------- fan-out
def spread_story(job: StorySpread, send: Send) -> Stats:
    """A page of tray markers for a story: its owner's followers (or, for a close-friends
    story, the close friends who follow the owner). A removal goes to followers and close
    friends both. An add checks the story before each later page and again after writing it
    (once the rest is queued): a page written while the removal overtook it is deleted again."""
    if job.after is None and celebrities.is_celebrity(job.owner_id):
        return Stats(notes=["celebrity: merged into trays at read time"])
    # The first page follows the reaction's own read of the story; later ones check.
    if job.action == "add" and job.after is not None and not _story_exists(job.story_id):
        return Stats(notes=["story gone during fan-out"])
    expires = datetime.fromtimestamp(job.expires_at, UTC)
    written: list[tuple[str, str]] = []

    def write(page: Readers) -> Stats:
        if job.action != "add":
            keys = [(tray_pk(r), marker_sk(job.owner_id, job.story_id)) for r in page.ids]
            return Stats(followers=len(keys), deleted=len(keys), write_requests=_delete(keys))
        readers = following(page.ids, job.owner_id) if page.kind == CLOSE else page.ids
        markers = [_marker(r, job.owner_id, job.story_id, job.audience, expires) for r in readers]
        written.extend((m.pk, m.sk) for m in markers)
        puts = write_many(TrayMarker, puts=markers)
        return Stats(followers=len(markers), written=len(markers), write_requests=puts)

    def recheck(page: Readers) -> Stats:
        if not written or _story_exists(job.story_id):
            return Stats()
        _delete(written)
        return Stats(notes=["story removed meanwhile: the page's markers deleted again"])

    audience = Audience(job.owner_id, KINDS[job.audience])
    return spread(job, audience, write, send, then=recheck)


def _delete(keys: list[tuple[str, str]]) -> int:
    return write_many(TrayMarker, deletes=keys)


def _story_exists(story_id: str) -> bool:
    return in_trays(get_or_none(Story, story_pk(story_id), STORY))


def _marker(
    reader: str, owner_id: str, story_id: str, audience: str, expires: datetime
) -> TrayMarker:
    return TrayMarker(
        tray_pk(reader),
        marker_sk(owner_id, story_id),
        owner_id=owner_id,
        story_id=story_id,
        audience=audience,
        expires_at=expires,
    )


# --------------------------------------------------------------------------- follow changes
def backfill(reader_id: str, owner_id: str) -> int:
    """A new follow: the owner's live stories into the reader's tray (close-friends stories if
    the reader is on the list), while the reader follows; checked before and after writing."""
    live = list(Story.by_owner.query(owner_pk(owner_id), filter_condition=Story.expires_at > now()))
    if not live or not follows(reader_id, owner_id):  # most owners have no live story
        return 0
    close = any(s.audience == "close_friends" for s in live) and (
        get_or_none(Edge, *edge_key(owner_id, CLOSE, reader_id)) is not None
    )
    markers = [
        _marker(reader_id, owner_id, story.story_id, story.audience, story.expires_at)
        for story in live
        if (story.audience != "close_friends" or close) and in_trays(story)
    ]
    write_many(TrayMarker, puts=markers)
    if markers and not follows(reader_id, owner_id):
        _delete([(m.pk, m.sk) for m in markers])
        return 0
    return len(markers)


def close_friends_added(owner_id: str, reader_ids: list[str]) -> int:
    """Readers just put on the owner's close friends list: the owner's live close-friends
    stories into the trays of those who follow the owner (a story's fan-out reached the list as
    it was when it was posted). Run by the request that changes the list: one ByOwner Query
    (no live close-friends story, the usual case: done), the follow edges, the markers, then
    the stories again (consistent): a story deleted meanwhile takes its markers out again.
    Taking someone off the list writes nothing: the tray's read checks the list."""
    if not reader_ids:
        return 0
    close = [s for s in live_stories(owner_id) if s.audience == "close_friends" and in_trays(s)]
    if not close:
        return 0
    readers = following(reader_ids, owner_id, consistent=True)
    markers = [
        _marker(reader, owner_id, story.story_id, story.audience, story.expires_at)
        for reader in readers
        for story in close
    ]
    if not markers:
        return 0
    write_many(TrayMarker, puts=markers)
    keys = {story.story_id: (story_pk(story.story_id), STORY) for story in close}
    still = get_many([(Story, key) for key in keys.values()], consistent=True)
    gone = {sid for sid, key in keys.items() if not in_trays(still.get(Story, key))}
    if gone:
        _delete([(m.pk, m.sk) for m in markers if m.story_id in gone])
    return len([m for m in markers if m.story_id not in gone])


def prune(reader_id: str, owner_id: str) -> int:
    """An unfollow or a block: the owner's stories leave the reader's tray (unless the reader
    follows again; the follow's back-fill then puts back what is live)."""
    keys = [
        (item.pk, item.sk)
        for item in TrayMarker.query(
            tray_pk(reader_id),
            TrayMarker.sk.startswith(marker_prefix(owner_id)),
            attributes_to_get=["pk", "sk"],
        )
    ]
    if not keys or follows(reader_id, owner_id):  # nothing to prune, or following again
        return 0
    _delete(keys)
    return len(keys)


# --------------------------------------------------------------------------- read
def tray(viewer_id: str) -> Tray:
    """One Query of the viewer's mutes (glimpse.graph.mutes: a muted owner's stories are left
    out), one Query of the viewer's tray partition (markers and seen markers), the followed
    celebrities' live stories (their set: one GetItem; a ByOwner Query each, concurrently),
    then one BatchGetItem per 100 keys: owners and follow edges (an unfollow or a block since
    the markers were written hides them at once), and close-friends edges of the owners whose
    close-friends stories are in the tray (someone taken off the list stops seeing them)."""
    # The response schemas load here: the fanout function writes trays and never shows one.
    from glimpse.stories.schemas import Tray, TrayEntry

    muted = mutes.muted(viewer_id).stories
    markers, seen = _markers(viewer_id, muted)
    owners = [owner for owner in markers if owner != viewer_id and owner not in muted]
    with_close = [o for o in owners if "close_friends" in markers[o].values()]
    fetched = get_many(
        [(UserProfile, (user_pk(o), PROFILE)) for o in owners]
        + [(Edge, edge_key(viewer_id, FOLLOWS, o)) for o in owners]
        + [close_edge(o, viewer_id) for o in with_close]
    )
    entries: list[TrayEntry] = []
    for owner_id in owners:
        profile = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
        if profile is None or fetched.get(Edge, edge_key(viewer_id, FOLLOWS, owner_id)) is None:
            continue  # unfollowed or blocked since: markers go with the clean-up or the TTL
        close = fetched.get(*close_edge(owner_id, viewer_id)) is not None
        stories = [
            sid for sid, aud in markers[owner_id].items() if audience_allows(aud, False, close)
        ]
        if not stories:
            continue
        latest = max(stories)
        entries.append(
            TrayEntry(
                user=summary(profile),
                story_count=len(stories),
                latest_at=time_of(latest),
                has_unseen=latest > seen.get(owner_id, ""),
            )
        )
    entries.sort(key=lambda e: e.latest_at, reverse=True)
    entries.sort(key=lambda e: not e.has_unseen)  # stable: unseen first, each newest first
    return Tray(items=entries)


def _markers(
    viewer_id: str, muted: frozenset[str]
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Live stories by owner (story id → audience), the viewer's tray markers and the followed
    celebrities' live stories together (not those of celebrities whose stories it muted);
    and the newest story seen, by owner."""
    markers: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}
    query = TrayMarker.query(tray_pk(viewer_id), filter_condition=TrayMarker.expires_at > now())
    for item in query:
        if item.sk.startswith(SEEN):
            seen[item.owner_id] = item.story_id
        elif item.sk.startswith(MARKER):
            markers.setdefault(item.owner_id, {})[item.story_id] = str(item.audience or "followers")
    for story in _celebrity_stories(viewer_id, muted):
        markers.setdefault(story.owner_id, {})[story.story_id] = story.audience
    return markers, seen


def _celebrity_stories(viewer_id: str, muted: frozenset[str]) -> list[Story]:
    owners = [c for c in followed_celebrities(viewer_id) if c not in muted]
    newest = each(lambda owner: live_stories(owner, True), owners)
    return [story for stories in newest for story in stories if in_trays(story)]
