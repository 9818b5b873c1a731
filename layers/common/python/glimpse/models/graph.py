"""Graph edges, in the Users table next to each profile.

Keys (`pk`, `sk`), for users a and b:
- a follows b:             `USER#a` / `FOLLOWS#b`   (a's following list)
- the same, seen from b:   `USER#b` / `FOLLOWER#a`  (b's followers list)
- a asked to follow b:     `USER#b` / `REQUEST#a`   (b's pending requests)
- a blocks b:              `USER#a` / `BLOCKS#b`
- a's interactions with b: `USER#a` / `AFFINITY#b`  (likes + comments; feed ranking)
- b is on a's close friends: `USER#a` / `CLOSE#b`   (who sees a's close-friends stories)
- a mutes b:               `USER#a` / `MUTES#b`     (`mute_posts`, `mute_stories`: what of b's
  leaves a's feed and tray; glimpse.graph.mutes)

Requests, blocks, affinities, close-friend entries and mutes have no counterpart in the other
account's partition, so they carry `about` = the other's id: ByAbout (sparse, keys only)
finds what others hold about an account (erasing it removes them). Edges from older releases
lack it.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, start_after, table_meta
from glimpse.models.users import user_pk

FOLLOWS, FOLLOWER, REQUEST, BLOCKS, AFFINITY, CLOSE, MUTES = (
    "FOLLOWS#",
    "FOLLOWER#",
    "REQUEST#",
    "BLOCKS#",
    "AFFINITY#",
    "CLOSE#",
    "MUTES#",
)


class ByAbout(GlobalSecondaryIndex["Edge"]):
    class Meta:
        index_name = "ByAbout"
        projection = KeysOnlyProjection()

    about = UnicodeAttribute(hash_key=True)


class Edge(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    other_id = UnicodeAttribute()  # the user at the far end of the edge
    created_at = UTCDateTimeAttribute(null=True)
    interactions = NumberAttribute(null=True)  # affinity edges only
    about = UnicodeAttribute(null=True)  # the other's id, on the kinds in ABOUT_KINDS
    # Follow edges (`FOLLOWS#`), when an account of the two was deleted (glimpse.withdrawal),
    # epoch seconds: the follower (the followee's `followers_count` is without this follow),
    # the followee (the follower's `following_count` is). Each side is withdrawn on its own.
    follower_gone_at = NumberAttribute(null=True)
    followee_gone_at = NumberAttribute(null=True)
    # Follow edges this release writes (glimpse.counters.followers): a `FOLLOWS#` edge whose
    # creation the followers consumer counts and publishes, and the `FOLLOWER#` edge it writes
    # for one (its `created_at` is the follow's: the edge is that follow's applied mark).
    # Edges of earlier releases lack it: their events went through the outbox.
    streamed = BooleanAttribute(null=True)
    approved = BooleanAttribute(null=True)  # a `FOLLOWS#` edge an approved request made
    mute_posts = BooleanAttribute(null=True)  # mute edges only
    mute_stories = BooleanAttribute(null=True)
    by_about = ByAbout()

    @classmethod
    def made_by_count(cls, _pk: str, sk: str) -> list[Action]:
        """An affinity edge is made by the first interaction the counters add."""
        other = other_of(sk)
        return [cls.other_id.set(other), cls.about.set(other)]


ABOUT_KINDS = (REQUEST, BLOCKS, AFFINITY, CLOSE, MUTES)


def new_edge(owner_id: str, kind: str, other_id: str, created_at: datetime) -> Edge:
    """An edge to write: `about` set where the kind needs it (ByAbout)."""
    return Edge(
        *edge_key(owner_id, kind, other_id),
        other_id=other_id,
        created_at=created_at,
        about=other_id if kind in ABOUT_KINDS else None,
    )


def edge_key(owner_id: str, kind: str, other_id: str) -> tuple[str, str]:
    return user_pk(owner_id), f"{kind}{other_id}"


def owner_of(pk: str) -> str:
    """The account whose partition `pk` is."""
    return pk.removeprefix("USER#")


def other_of(sk: str) -> str:
    return sk.split("#", 1)[1]


def edge_page(
    owner_id: str, kind: str, after: str | None, limit: int
) -> tuple[list[str], str | None]:
    """The ids at the far end of up to `limit` of `owner`'s edges of `kind`, after the edge
    sort key `after`, and the sort key to go on after (None: no more). For work that continues
    through a queue; lists clients page go through glimpse.pagination."""
    query = Edge.query(
        user_pk(owner_id),
        Edge.sk.startswith(kind),
        limit=limit,
        last_evaluated_key=start_after(user_pk(owner_id), after),
        attributes_to_get=["pk", "sk"],
    )
    ids = [other_of(edge.sk) for edge in query]
    last = query.last_evaluated_key
    return ids, (last["sk"]["S"] if last and len(ids) == limit else None)


def edge_ids(owner_id: str, kind: str, cap: int, page: int = 1000) -> list[str]:
    """The ids at the far end of `owner`'s edges of `kind`, up to `cap` (a Query page of
    keys only per `page` edges)."""
    ids: list[str] = []
    after: str | None = None
    while len(ids) < cap:
        found, after = edge_page(owner_id, kind, after, min(page, cap - len(ids)))
        ids.extend(found)
        if after is None:
            break
    return ids


def about_ids(other_id: str, kind: str, cap: int) -> list[str]:
    """The owners of the edges of `kind` about `other_id` (ByAbout: who blocks it, ...),
    reading at most `cap` of the edges about it (keys only). The index is keyed on `about`
    alone, so the edges of every kind are read (affinities, one per account that liked or
    commented on its posts, are most of them) and those of other kinds skipped."""
    return [
        owner_of(edge.pk)
        for edge in Edge.by_about.query(other_id, limit=cap)
        if edge.sk.startswith(kind)
    ]
