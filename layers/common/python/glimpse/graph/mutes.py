"""Mutes: what of an account the caller no longer sees in the feed (posts) and the tray
(stories). Silent: the muted account is told nothing and sees no difference; its profile,
posts, stories and messages stay as they are for the muter everywhere else.

A mute is one edge in the muter's partition (`MUTES#<muted>`, glimpse.models.graph), written
by the request alone: nothing is fanned out or pruned. The feed and the tray apply it at read
time, reading the reader's mutes once per page (`muted`: one Query of that prefix), so a mute
and an unmute take effect at the next read, for pushed entries and pulled celebrity posts and
stories alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.clock import now
from glimpse.graph.access import listed, relation
from glimpse.graph.schemas import MutedUser, MuteSettings
from glimpse.graph.service import _other
from glimpse.models.graph import MUTES, Edge, edge_key, new_edge, other_of
from glimpse.models.users import user_pk
from glimpse.pagination import Page, partition_page

MUTES_READ = 1000  # a reader's mutes applied at read time (one Query page of small items)


@dataclass(frozen=True)
class Muted:
    """Whose posts and whose stories a reader has muted."""

    posts: frozenset[str] = frozenset()
    stories: frozenset[str] = frozenset()


def muted(reader_id: str) -> Muted:
    """The reader's mutes: one Query of its `MUTES#` edges (up to MUTES_READ; eventually
    consistent: a mute shows at the next read or the one after)."""
    posts: set[str] = set()
    stories: set[str] = set()
    for edge in Edge.query(
        user_pk(reader_id),
        Edge.sk.startswith(MUTES),
        limit=MUTES_READ,
        attributes_to_get=["pk", "sk", "mute_posts", "mute_stories"],
    ):
        muted_id = other_of(edge.sk)
        if edge.mute_posts:
            posts.add(muted_id)
        if edge.mute_stories:
            stories.add(muted_id)
    return Muted(frozenset(posts), frozenset(stories))


def mute(caller_id: str, username: str, settings: MuteSettings) -> None:
    """Set what of the account is muted (both false: unmuted). 404 for no such account or
    across a block, as everywhere; a private account may be muted by anyone (nothing shows)."""
    target_id = _other(caller_id, username)
    relation(caller_id, target_id)  # 404 if missing or blocked either way
    if not (settings.posts or settings.stories):
        Edge(*edge_key(caller_id, MUTES, target_id)).delete()
        return
    edge = new_edge(caller_id, MUTES, target_id, now())
    edge.mute_posts = settings.posts
    edge.mute_stories = settings.stories
    edge.save()


def unmute(caller_id: str, username: str) -> None:
    """Idempotent, and works across a block (it is the caller's own list)."""
    target_id = _other(caller_id, username)
    Edge(*edge_key(caller_id, MUTES, target_id)).delete()


def muted_list(caller_id: str, limit: int, cursor: str | None) -> Page[MutedUser]:
    """One Query of the caller's mutes, one BatchGetItem of the profiles and blocks (an
    account blocked either way, or gone, is left out, as in every list)."""
    edges, next_cursor = partition_page(
        Edge,
        user_pk(caller_id),
        prefix=MUTES,
        list_id=f"muted:{caller_id}",
        cursor=cursor,
        limit=limit,
    )
    found = listed(caller_id, [other_of(edge.sk) for edge in edges])
    items = [
        MutedUser(
            **found[uid].model_dump(), posts=bool(edge.mute_posts), stories=bool(edge.mute_stories)
        )
        for edge in edges
        if (uid := other_of(edge.sk)) in found
    ]
    return Page[MutedUser](items=items, next_cursor=next_cursor)
