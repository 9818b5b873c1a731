"""Stories, their views and likes, the tray, highlights and close friends.

Expiry is exact for readers: DynamoDB's TTL deletes lazily, so every read compares
`expires_at` with now, and an expired story answers 404 on every route whether or not its
items are gone yet. Who may see a story is glimpse.graph.access's rule (blocks 404, a private
account's stories 403 to non-followers), plus the audience: a close-friends story exists only
for the owner's close friends. Views and likes are items of their own under conditions on
themselves: no request rewrites the story item (its `view_count` is added up from
`story_viewed` events by the counters consumer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from glimpse.adapters import media_bucket
from glimpse.clock import first_id_at, new_id, now, time_of
from glimpse.concurrency import each
from glimpse.config import get_settings
from glimpse.directory import UserSummary, summary, user_id_for
from glimpse.errors import BadRequest, Forbidden, NotFound, field_error
from glimpse.events import StoryCreated, StoryLiked, StoryViewed
from glimpse.graph.access import (
    Relation,
    listed,
    refusal,
    relation,
    relation_from,
    relation_keys,
    require_content,
    still_allowed,
)
from glimpse.graph.service import edge_list
from glimpse.media.service import unused_media
from glimpse.media.service import view as media_view
from glimpse.models.base import conditionally, get_or_none, str_map
from glimpse.models.batch import Fetched, get_many, write_many
from glimpse.models.feed import followed_celebrities
from glimpse.models.graph import CLOSE, FOLLOWS, Edge, edge_key, other_of
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import kept_rendition_key, kept_video_key
from glimpse.models.stories import (
    MARKER,
    SEEN,
    STORY,
    VIEW,
    Highlight,
    Story,
    StoryView,
    TrayMarker,
    highlights_pk,
    owner_pk,
    seen_sk,
    story_pk,
    tray_pk,
    view_sk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from glimpse.pagination import Page, partition_page
from glimpse.stories.schemas import (
    CloseFriends,
    HighlightCreate,
    HighlightOut,
    StoryCreate,
    StoryList,
    StoryOut,
    Tray,
    TrayEntry,
    Viewer,
)

MISSING = "No such story."
LIVE_STORIES = 100  # a user's live stories read per request (oldest first)


def _ttl() -> timedelta:
    return timedelta(seconds=get_settings().story_ttl_seconds)


def _live(story: Story | None) -> Story | None:
    return story if story is not None and story.expires_at > now() else None


def _story(story_id: str) -> Story:
    """A live story, read eventually consistently (every view reads it: a hot item's reads
    cost half), or 404. The writes that depend on it re-check what matters in a condition."""
    story = _live(get_or_none(Story, story_pk(story_id), STORY, consistent=False))
    if story is None:
        raise NotFound(MISSING)
    return story


def story_seen_by(viewer_id: str, story_id: str) -> Story:
    """A live story `viewer` may see: 404 (403 for a private account's non-follower) as
    viewing it would answer."""
    story = _story(story_id)
    if viewer_id != story.owner_id:
        _visible(viewer_id, story)
    return story


def _close_edge(owner_id: str, viewer_id: str) -> tuple[type[Edge], tuple[str, str]]:
    return (Edge, edge_key(owner_id, CLOSE, viewer_id))


def audience_allows(audience: str, is_owner: bool, on_list: bool) -> bool:
    """The audience rule, for every route: a close-friends story is its owner's and the
    close friends list's (whose trays it reaches while they follow); any other story is
    everyone's who may see the owner's content."""
    return audience != "close_friends" or is_owner or on_list


def _in_audience(story: Story, viewer_id: str, fetched: Fetched) -> bool:
    on_list = fetched.get(*_close_edge(story.owner_id, viewer_id)) is not None
    return audience_allows(story.audience, viewer_id == story.owner_id, on_list)


def _visible(viewer_id: str, story: Story) -> tuple[Relation, Fetched]:
    """The owner, the edges, the viewer's view and the media in one BatchGetItem; 404 across
    a block or outside a close-friends audience, 403 for a private account's non-follower."""
    fetched = get_many(
        [
            (UserProfile, (user_pk(story.owner_id), PROFILE)),
            *relation_keys(viewer_id, story.owner_id),
            _close_edge(story.owner_id, viewer_id),
            (StoryView, (story_pk(story.story_id), view_sk(viewer_id))),
            (MediaItem, (media_pk(story.media_id), MEDIA)),
        ]
    )
    owner = fetched.get(UserProfile, (user_pk(story.owner_id), PROFILE))
    if owner is None:
        raise NotFound(MISSING)
    found = relation_from(fetched, viewer_id, owner)
    # Outside the audience the story does not exist, private account or not (404 before 403).
    if not (found.blocked or _in_audience(story, viewer_id, fetched)):
        raise NotFound(MISSING)
    require_content(found, "stories", missing=MISSING)
    return found, fetched


def _view(viewer_id: str, story: Story, owner: UserProfile, fetched: Fetched) -> StoryOut | None:
    """The story as `viewer` sees it; None while its media is not ready (its owner sees it)."""
    media = fetched.get(MediaItem, (media_pk(story.media_id), MEDIA))
    mine = viewer_id == story.owner_id
    if media is None or (not mine and media.status != "ready"):
        return None
    seen = fetched.get(StoryView, (story_pk(story.story_id), view_sk(viewer_id))) is not None
    return StoryOut(
        story_id=story.story_id,
        author=summary(owner),
        media=media_view(media),
        created_at=story.created_at,
        expires_at=story.expires_at,
        seen_by_me=seen,
        view_count=int(story.view_count or 0) if mine else None,
    )


# --------------------------------------------------------------------------- create, read
def create_story(owner_id: str, body: StoryCreate) -> StoryOut:
    """One BatchGetItem (owner, media), one transaction (story, media used, event)."""
    fetched = get_many(
        [
            (UserProfile, (user_pk(owner_id), PROFILE)),
            (MediaItem, (media_pk(body.media_id), MEDIA)),
        ],
        consistent=True,
    )
    owner = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
    if owner is None:
        raise NotFound("No such user.")
    media = unused_media(
        fetched.get(MediaItem, (media_pk(body.media_id), MEDIA)), owner_id, "story", "media_id"
    )
    story_id = new_id()
    created = now()
    expires = (created + _ttl()).replace(microsecond=0)  # what the TTL attribute keeps
    story = Story(
        story_pk(story_id),
        STORY,
        story_id=story_id,
        owner_id=owner_id,
        media_id=media.media_id,
        audience=body.audience,
        view_count=0,
        created_at=created,
        expires_at=expires,
        owner_pk=owner_pk(owner_id),
        story_sk=story_id,
    )
    try:
        with transaction() as tx:
            tx.save(story, condition=Story.pk.does_not_exist())
            tx.update(
                MediaItem(media_pk(media.media_id), MEDIA),
                # The reaper deletes it with the story; this TTL is the backstop.
                actions=[
                    MediaItem.used_by.set(story_id),
                    MediaItem.expires_at.set(expires + timedelta(days=2)),
                ],
                condition=(MediaItem.owner_id == owner_id)
                & MediaItem.used_by.does_not_exist()
                & (MediaItem.status != "rejected"),
            )
            tx.emit(StoryCreated(story_id=story_id, owner_id=owner_id, audience=body.audience))
    except ConditionFailed:
        raise BadRequest(
            "The media item was used or rejected meanwhile.",
            [field_error("media_id", "must be unused and not rejected")],
        ) from None
    return StoryOut(
        story_id=story_id,
        author=summary(owner),
        media=media_view(media),
        created_at=created,
        expires_at=expires,
        seen_by_me=False,
        view_count=0,
    )


def _live_stories(owner_id: str, newest_first: bool = False) -> list[Story]:
    """Up to LIVE_STORIES live stories. The key condition starts at the oldest id a live story
    can have (its time is in the ULID), so expired items the TTL has not deleted yet are never
    read, however many there are; the filter takes care of the last seconds."""
    moment = now()
    oldest = first_id_at(moment - _ttl())
    return list(
        Story.by_owner.query(
            owner_pk(owner_id),
            Story.story_sk >= oldest,
            filter_condition=Story.expires_at > moment,
            scan_index_forward=not newest_first,
            limit=LIVE_STORIES,
        )
    )


def user_stories(viewer_id: str, username: str) -> StoryList:
    """Claim GetItem, relation BatchGetItem, ByOwner Query, views BatchGetItem."""
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "stories")
    owner_id = found.owner.user_id
    stories = _live_stories(owner_id)
    fetched = get_many(
        [_close_edge(owner_id, viewer_id)]
        + [(MediaItem, (media_pk(s.media_id), MEDIA)) for s in stories]
        + [(StoryView, (story_pk(s.story_id), view_sk(viewer_id))) for s in stories]
    )
    items = [
        view
        for story in stories
        if _in_audience(story, viewer_id, fetched)
        and (view := _view(viewer_id, story, found.owner, fetched)) is not None
    ]
    return StoryList(items=items)


# --------------------------------------------------------------------------- views, likes
def view_story(viewer_id: str, story_id: str) -> None:
    """Idempotent: the first view writes the view item and `story_viewed`; any later one
    writes nothing. The viewer's seen marker for the owner moves forward (never back)."""
    story = _story(story_id)
    if viewer_id == story.owner_id:
        return
    found, fetched = _visible(viewer_id, story)
    if fetched.get(StoryView, (story_pk(story_id), view_sk(viewer_id))) is None:
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
    story = _story(story_id)
    if viewer_id == story.owner_id:
        return
    found, fetched = _visible(viewer_id, story)
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
    story = _story(story_id)
    _visible(viewer_id, story)
    conditionally(
        lambda: StoryView(story_pk(story_id), view_sk(viewer_id)).update(
            actions=[StoryView.liked.set(False)],
            condition=StoryView.liked == True,  # noqa: E712
        )
    )


def viewers(owner_id: str, story_id: str, limit: int, cursor: str | None) -> Page[Viewer]:
    """The owner's alone (403 for anyone else who may see the story): each viewer once."""
    story = _story(story_id)
    if owner_id != story.owner_id:
        _visible(owner_id, story)
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


def delete_story(caller_id: str, story_id: str) -> None:
    """The owner's alone. Its media, views and tray markers go after it (the story reaper)."""
    story = _story(story_id)
    if caller_id != story.owner_id:
        _visible(caller_id, story)
        raise Forbidden("Only the story's owner may delete it.")
    if not conditionally(lambda: story.delete(condition=Story.owner_id == caller_id)):
        raise NotFound(MISSING)


# --------------------------------------------------------------------------- tray
def tray(viewer_id: str) -> Tray:
    """One Query of the viewer's tray partition (markers and seen markers), the followed
    celebrities' live stories (their set: one GetItem; a ByOwner Query each, concurrently),
    then one BatchGetItem per 100 keys: owners and follow edges (an unfollow or a block since
    the markers were written hides them at once), and close-friends edges of the owners whose
    close-friends stories are in the tray (someone taken off the list stops seeing them)."""
    markers: dict[str, dict[str, str]] = {}  # owner -> live story id -> its audience
    seen: dict[str, str] = {}
    moment = now()
    for item in TrayMarker.query(
        tray_pk(viewer_id), filter_condition=TrayMarker.expires_at > moment
    ):
        if item.sk.startswith(SEEN):
            seen[item.owner_id] = item.story_id
        elif item.sk.startswith(MARKER):
            markers.setdefault(item.owner_id, {})[item.story_id] = str(item.audience or "followers")
    for story in _celebrity_stories(viewer_id):
        markers.setdefault(story.owner_id, {})[story.story_id] = story.audience
    owners = [owner for owner in markers if owner != viewer_id]
    with_close = [o for o in owners if "close_friends" in markers[o].values()]
    fetched = get_many(
        [(UserProfile, (user_pk(o), PROFILE)) for o in owners]
        + [(Edge, edge_key(viewer_id, FOLLOWS, o)) for o in owners]
        + [_close_edge(o, viewer_id) for o in with_close]
    )
    entries: list[TrayEntry] = []
    for owner_id in owners:
        profile = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
        if profile is None or fetched.get(Edge, edge_key(viewer_id, FOLLOWS, owner_id)) is None:
            continue  # unfollowed or blocked since: markers go with the clean-up or the TTL
        close = fetched.get(*_close_edge(owner_id, viewer_id)) is not None
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


def _celebrity_stories(viewer_id: str) -> list[Story]:
    newest = each(lambda owner: _live_stories(owner, True), followed_celebrities(viewer_id))
    return [story for stories in newest for story in stories]


# --------------------------------------------------------------------------- highlights
def create_highlight(owner_id: str, body: HighlightCreate) -> HighlightOut:
    """The owner's live stories, copied: their renditions to a prefix that never expires and
    what a story view needs into the highlight item, so both outlive the stories."""
    owner = get_or_none(UserProfile, user_pk(owner_id), PROFILE)
    if owner is None:
        raise NotFound("No such user.")
    fetched = get_many([(Story, (story_pk(s), STORY)) for s in body.story_ids], consistent=True)
    stories = [_live(fetched.get(Story, (story_pk(s), STORY))) for s in body.story_ids]
    bad = [
        sid
        for sid, story in zip(body.story_ids, stories, strict=True)
        if story is None or story.owner_id != owner_id
    ]
    if bad:
        raise BadRequest(
            "Highlights keep your own live stories.",
            [field_error("story_ids", f"no live story of yours: {', '.join(bad)}")],
        )
    live = [story for story in stories if story is not None]
    media = get_many([(MediaItem, (media_pk(s.media_id), MEDIA)) for s in live], consistent=True)
    copies = []
    copying: list[tuple[str, str]] = []
    for story in live:
        item = media.get(MediaItem, (media_pk(story.media_id), MEDIA))
        if item is None or item.status != "ready":
            raise BadRequest(
                "A story's media is not ready yet.",
                [field_error("story_ids", f"media of {story.story_id} is not ready")],
            )
        kept = {size: kept_rendition_key(item.media_id, size) for size in str_map(item.renditions)}
        copying += [(key, kept[size]) for size, key in str_map(item.renditions).items()]
        kept_videos = {edge: kept_video_key(item.media_id, edge) for edge in str_map(item.videos)}
        copying += [(key, kept_videos[edge]) for edge, key in str_map(item.videos).items()]
        copies.append(
            {
                "story_id": story.story_id,
                "audience": story.audience,
                "created_at": story.created_at.isoformat(),
                "expires_at": story.expires_at.isoformat(),
                "media": {
                    "media_id": item.media_id,
                    "content_type": item.content_type,
                    "width": int(item.width or 0),
                    "height": int(item.height or 0),
                    "blurhash": item.blurhash,
                    "renditions": kept,
                    **(
                        {
                            "media_type": "video",
                            "duration_ms": int(item.duration_ms or 0),
                            "videos": kept_videos,
                        }
                        if item.media_type == "video"
                        else {}
                    ),
                },
            }
        )
    each(lambda pair: media_bucket.keep_rendition(*pair), copying)  # hundreds: not one by one
    highlight_id = new_id()
    highlight = Highlight(
        highlights_pk(owner_id),
        highlight_id,
        highlight_id=highlight_id,
        owner_id=owner_id,
        title=body.title,
        stories=copies,
        created_at=now(),
    )
    highlight.save(condition=Highlight.pk.does_not_exist())
    return _highlight_view(highlight, owner, owner_id, close=True)


def _highlight_view(
    highlight: Highlight, owner: UserProfile, viewer_id: str, close: bool
) -> HighlightOut:
    stories = []
    for copy in highlight.stories or []:
        if not audience_allows(copy["audience"], viewer_id == owner.user_id, close):
            continue
        media = copy["media"]
        kept = MediaItem(  # the copy, shown as any media item is (never saved)
            media_pk(media["media_id"]),
            MEDIA,
            media_id=media["media_id"],
            kind="story",
            status="ready",
            content_type=media["content_type"],
            width=media["width"],
            height=media["height"],
            renditions=media["renditions"],
            blurhash=media["blurhash"],
            media_type=media.get("media_type"),
            duration_ms=media.get("duration_ms"),
            videos=media.get("videos"),
        )
        stories.append(
            StoryOut(
                story_id=copy["story_id"],
                author=summary(owner),
                media=media_view(kept),
                created_at=datetime.fromisoformat(copy["created_at"]),
                expires_at=datetime.fromisoformat(copy["expires_at"]),
                seen_by_me=False,
                view_count=None,
            )
        )
    return HighlightOut(highlight_id=highlight.highlight_id, title=highlight.title, stories=stories)


def highlights(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[HighlightOut]:
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "highlights")
    owner_id = found.owner.user_id
    page, next_cursor = partition_page(
        Highlight,
        highlights_pk(owner_id),
        list_id=f"highlights:{owner_id}",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    close = found.is_self or get_or_none(Edge, *edge_key(owner_id, CLOSE, viewer_id)) is not None
    return Page[HighlightOut](
        items=[_highlight_view(h, found.owner, viewer_id, close) for h in page],
        next_cursor=next_cursor,
    )


# --------------------------------------------------------------------------- close friends
def set_close_friends(owner_id: str, body: CloseFriends) -> None:
    """Replace the list: the usernames' claims in one BatchGetItem, then only the difference
    written. An unknown username (or one blocked either way) is a 400 that changes nothing."""
    claims = get_many(
        [(UniqueClaim, (username_pk(u), CLAIM)) for u in body.usernames], consistent=True
    )
    ids: dict[str, str] = {}
    for username in body.usernames:
        claim = claims.get(UniqueClaim, (username_pk(username), CLAIM))
        if claim is not None and claim.state == "active" and claim.user_id:
            ids[username] = str(claim.user_id)
    shown = listed(owner_id, [i for i in ids.values() if i != owner_id])
    unknown = [u for u in body.usernames if ids.get(u) not in shown]
    if unknown:
        raise BadRequest(
            "Close friends must be other people's accounts that exist.",
            [field_error("usernames", f"no such user: {', '.join(unknown)}")],
        )
    wanted = set(ids.values())
    current = {
        other_of(edge.sk)
        for edge in Edge.query(
            user_pk(owner_id), Edge.sk.startswith(CLOSE), attributes_to_get=["pk", "sk"]
        )
    }
    moment = now()
    write_many(
        Edge,
        puts=[
            Edge(*edge_key(owner_id, CLOSE, other), other_id=other, created_at=moment)
            for other in sorted(wanted - current)
        ],
        deletes=[edge_key(owner_id, CLOSE, other) for other in sorted(current - wanted)],
    )


def close_friends(owner_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    return edge_list(owner_id, owner_id, CLOSE, f"close:{owner_id}", limit, cursor)
