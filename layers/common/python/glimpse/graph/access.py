"""Who may see what: one rule, used by every route that shows someone's content.

- a block, either way: the other side does not exist (404);
- a private account's content, to anyone but the owner and approved followers: 403;
- content a moderator removed, to anyone but its author: as if it did not exist;
- everything else is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from glimpse.directory import UserSummary, summary
from glimpse.errors import Forbidden, NotFound
from glimpse.models.base import Model, get_or_none
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import BLOCKS, FOLLOWS, REQUEST, Edge, about_ids, edge_ids, edge_key
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk

if TYPE_CHECKING:  # annotations only: a read path need not load the write side
    from glimpse.models.transactions import Transaction

FollowStatus = Literal["none", "requested", "following"]


@dataclass(frozen=True)
class Relation:
    """How `viewer` stands towards `owner` (edges read in one consistent batch)."""

    viewer_id: str
    owner: UserProfile
    follows: bool  # viewer follows owner
    followed_by: bool  # owner follows viewer
    requested: bool  # viewer asked to follow owner (pending)
    blocked: bool  # either blocks the other

    @property
    def is_self(self) -> bool:
        return self.viewer_id == self.owner.user_id

    @property
    def follow_status(self) -> FollowStatus:
        return "following" if self.follows else "requested" if self.requested else "none"

    @property
    def can_see_content(self) -> bool:
        return self.is_self or (not self.blocked and (self.follows or not self.owner.is_private))


def removed_for(viewer_id: str, author_id: str, removed_at: object) -> bool:
    """Whether a moderator's removal (`removed_at`, None if none) hides the content from
    `viewer`: from everyone but its author, who sees it with `removed: true`."""
    return removed_at is not None and viewer_id != author_id


def relation_keys(viewer_id: str, owner_id: str) -> list[tuple[type[Edge], tuple[str, str]]]:
    return [
        (Edge, edge_key(viewer_id, FOLLOWS, owner_id)),
        (Edge, edge_key(owner_id, FOLLOWS, viewer_id)),
        (Edge, edge_key(owner_id, REQUEST, viewer_id)),
        *block_keys(viewer_id, owner_id),
    ]


def relation_from(fetched: Fetched, viewer_id: str, owner: UserProfile) -> Relation:
    def has(owner_of_edge: str, kind: str, other: str) -> bool:
        return fetched.get(Edge, edge_key(owner_of_edge, kind, other)) is not None

    owner_id = owner.user_id
    if viewer_id == owner_id:
        return Relation(viewer_id, owner, False, False, False, False)
    return Relation(
        viewer_id=viewer_id,
        owner=owner,
        follows=has(viewer_id, FOLLOWS, owner_id),
        followed_by=has(owner_id, FOLLOWS, viewer_id),
        requested=has(owner_id, REQUEST, viewer_id),
        blocked=blocked_either_way(fetched, viewer_id, owner_id),
    )


def relation(viewer_id: str, owner_id: str) -> Relation:
    """Owner's profile and the edges between the two: one BatchGetItem. 404 if no owner."""
    fetched = get_many(
        [(UserProfile, (user_pk(owner_id), PROFILE)), *relation_keys(viewer_id, owner_id)],
        consistent=True,
    )
    owner = fetched.get(UserProfile, (user_pk(owner_id), PROFILE))
    if owner is None:
        raise NotFound("No such user.")
    found = relation_from(fetched, viewer_id, owner)
    if found.blocked:
        raise NotFound("No such user.")
    return found


def block_keys(a: str, b: str) -> list[tuple[type[Edge], tuple[str, str]]]:
    """The two block edges between a and b (either may block the other)."""
    return [(Edge, edge_key(a, BLOCKS, b)), (Edge, edge_key(b, BLOCKS, a))]


def blocked_either_way(fetched: Fetched, a: str, b: str) -> bool:
    """Whether a blocks b or b blocks a, from what `block_keys` read."""
    return any(fetched.get(Edge, key) is not None for _model, key in block_keys(a, b))


def blocks_either_way(user_id: str, cap: int) -> set[str]:
    """The accounts `user` blocks and those that block it, for a query that must leave them
    out (search): its own block edges (a Query of its partition, up to `cap`) and the block
    edges about it (ByAbout, reading up to `cap` edges about it of any kind). An account that
    more than `cap` edges are about may have a blocker left out of the answer: a read of each
    result (`relation_from`) still checks both ways."""
    return {*edge_ids(user_id, BLOCKS, cap), *about_ids(user_id, BLOCKS, cap)}


def listed(
    viewer_id: str, user_ids: list[str], *, following: str | None = None
) -> dict[str, UserSummary]:
    """Summaries of the users a list (followers, likers, commenters) shows to `viewer`: users
    who no longer exist and users blocked either way are left out, as they are everywhere
    else; with `following`, so are those whose follow of that account is gone (a followers
    list's `FOLLOWER#` edge outlives its follow until the followers function removes it).
    Profiles and block (and follow) edges in one BatchGetItem (per 33 users; 25)."""
    return listed_and_gone(viewer_id, user_ids, following=following)[0]


def listed_and_gone(
    viewer_id: str, user_ids: list[str], *, deleted: bool = False, following: str | None = None
) -> tuple[dict[str, UserSummary], set[str]]:
    """`listed`, and, with `deleted`, apart those of `user_ids` whose account is deleted and
    not erased yet (where it shows as such, like a conversation's messages) that neither
    blocks the other. Profiles, deleted-account items and block edges in one BatchGetItem."""
    unique = list(dict.fromkeys(user_ids))
    keys: list[tuple[type[Model], tuple[str, str]]] = [
        (UserProfile, (user_pk(uid), PROFILE)) for uid in unique
    ]
    if deleted:
        keys += [(DeletedProfile, (user_pk(uid), DELETED)) for uid in unique]
    keys += [key for uid in unique if uid != viewer_id for key in block_keys(viewer_id, uid)]
    if following:
        keys += [(Edge, edge_key(uid, FOLLOWS, following)) for uid in unique]
    fetched = get_many(keys)
    shown, gone = {}, set()
    for uid in unique:
        if uid != viewer_id and blocked_either_way(fetched, viewer_id, uid):
            continue
        if following and fetched.get(Edge, edge_key(uid, FOLLOWS, following)) is None:
            continue
        profile = fetched.get(UserProfile, (user_pk(uid), PROFILE))
        if profile is not None:
            shown[uid] = summary(profile)
        elif fetched.get(DeletedProfile, (user_pk(uid), DELETED)) is not None:
            gone.add(uid)
    return shown, gone


def no_block_checks(tx: Transaction, a: str, b: str) -> None:
    """Conditions (named `block`) that neither of a and b blocks the other when `tx` commits."""
    for blocker, blocked in ((a, b), (b, a)):
        tx.condition_check(
            Edge,
            *edge_key(blocker, BLOCKS, blocked),
            condition=Edge.pk.does_not_exist(),
            name="block",
        )


def still_allowed(tx: Transaction, found: Relation) -> None:
    """The conditions that keep `found` (viewer may see owner's content) true until `tx`
    commits: no block either way (`block`) and, for a private owner, the follow (`follows`).
    Per-pair items only, never the owner's profile or the content item: those may be hot."""
    viewer_id, owner_id = found.viewer_id, found.owner.user_id
    if viewer_id == owner_id:
        return
    no_block_checks(tx, viewer_id, owner_id)
    if found.owner.is_private:
        tx.condition_check(
            Edge,
            *edge_key(viewer_id, FOLLOWS, owner_id),
            condition=Edge.pk.exists(),
            name="follows",
        )


def require_content(found: Relation, what: str = "content", missing: str = "No such user.") -> None:
    """404 (`missing`) across a block, 403 for a private account's content seen by a
    non-follower."""
    if found.blocked and not found.is_self:
        raise NotFound(missing)
    if not found.can_see_content:
        raise Forbidden(f"This account is private: only its followers see its {what}.")


def refusal(failed: set[str], what: str = "content", missing: str = "No such user.") -> Exception:
    """The error for a transaction whose `still_allowed` / `no_block_checks` conditions failed
    (their names in `failed`): a block is `missing` (404), a lost follow a 403."""
    if "block" in failed:
        return NotFound(missing)
    if "follows" in failed:
        return Forbidden(f"This account is private: only its followers see its {what}.")
    raise ValueError(f"not a visibility condition: {sorted(failed)}")


def follows(reader_id: str, author_id: str, consistent: bool = True) -> bool:
    """Whether the reader follows the author now (one GetItem of the follow edge)."""
    return (
        get_or_none(Edge, *edge_key(reader_id, FOLLOWS, author_id), consistent=consistent)
        is not None
    )


def following(reader_ids: list[str], author_id: str, consistent: bool = False) -> list[str]:
    """Those of `reader_ids` who follow the author (one BatchGetItem per 100)."""
    keys = {reader: edge_key(reader, FOLLOWS, author_id) for reader in reader_ids}
    fetched = get_many([(Edge, key) for key in keys.values()], consistent=consistent)
    return [reader for reader, key in keys.items() if fetched.get(Edge, key) is not None]
