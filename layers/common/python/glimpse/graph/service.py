"""Follows, follow requests and blocks.

A follow writes one item, the follower's `FOLLOWS#` edge (a conditional `PutItem`; with the
reader's celebrity set when it follows a celebrity): the followee's `FOLLOWER#` edge, both
counts and `follow_created` follow from that edge's creation on the Users stream
(glimpse.counters.followers), as an unfollow's `FOLLOWER#` removal and counts follow from its
removal there. Other changes write per-pair items (edges, the celebrity set) and their event
in one transaction under conditions on those edges: repeated and concurrent requests change
things once, and no profile is rewritten per follow. Feeds follow from the events (glimpse.
feed.fanout and glimpse.stories.tray: back-fill on follow, prune on unfollow and block;
glimpse.graph.celebrities keeps the celebrity set).

A block wins every race with a follow. A request or an approval commits only while neither
block edge exists, and a block commits only while the follow and request edges are as it read
them (deleting those that exist, checking the others are still absent): whichever commits
second fails its condition, and a block then re-reads and removes what the follow added. A
follow reads the block edges before its write instead of checking them in it (two condition
checks would cost 4 write units): one that commits just after a block is deleted by the
followers function (glimpse.counters.followers), which reads the block edges with the follow,
or by the unblock if that comes first; it was never visible (every read checks blocks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from glimpse.clock import now
from glimpse.directory import UserSummary, get_profile, summary, user_id_for
from glimpse.errors import BadRequest, NotFound
from glimpse.events import (
    AccountMadePublic,
    FollowCreated,
    FollowRemoved,
    RequestDenied,
    UserBlocked,
    UserUnblocked,
)
from glimpse.graph import celebrities
from glimpse.graph.access import (
    Relation,
    listed,
    no_block_checks,
    refusal,
    relation,
    require_content,
)
from glimpse.jobs import Audience, Job, Readers, Send, Stats, spread
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.batch import get_many
from glimpse.models.graph import (
    AFFINITY,
    BLOCKS,
    CLOSE,
    FOLLOWER,
    FOLLOWS,
    MUTES,
    REQUEST,
    Edge,
    edge_key,
    new_edge,
    other_of,
)
from glimpse.models.transactions import ConditionFailed, Contention, Transaction, transaction
from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk
from glimpse.pagination import Page, partition_page
from glimpse.withdrawal import as_read, is_withdrawn

FollowResult = Literal["following", "requested"]
MAX_PLANS = 5  # a transaction whose reads went stale is re-planned from fresh reads


class _Stale(Exception):
    pass


def _other(caller_id: str, username: str) -> str:
    other_id = user_id_for(username)
    if other_id == caller_id:
        raise BadRequest("You cannot do that to yourself.")
    return other_id


def _edge(owner_id: str, kind: str, other_id: str) -> Edge:
    return new_edge(owner_id, kind, other_id, now())


def _replanned[T](attempt: Callable[[], T]) -> T:
    """Run `attempt` (read, then transact) again while the state it read changes under it;
    when that keeps happening, the client is told to come back (429), as for contention."""
    for _ in range(MAX_PLANS):
        try:
            return attempt()
        except _Stale:
            continue
    raise Contention()


def _blocked_or_stale(exc: ConditionFailed) -> Exception:
    """A failed block check is the block's 404; any other failed condition means re-plan."""
    return refusal(exc.names) if "block" in exc.names else _Stale()


# --------------------------------------------------------------------------- follow
def follow(caller_id: str, username: str) -> FollowResult:
    """Follow (public account) or ask to (private). Idempotent: the current state is returned."""
    target_id = _other(caller_id, username)

    def attempt() -> FollowResult:
        found = relation(caller_id, target_id)  # 404 across a block
        if found.follows:
            return "following"
        if found.requested:
            return "requested"
        if found.owner.is_private:
            _ask(caller_id, target_id)
            return "requested"
        edge = _follow_edge(caller_id, target_id)
        if found.owner.is_celebrity:  # its posts are merged into this reader's feed at read time
            try:
                with transaction() as tx:
                    tx.save(edge, condition=Edge.pk.does_not_exist(), name="edge")
                    celebrities.add_in(tx, caller_id, target_id)
            except ConditionFailed:
                raise _Stale from None  # followed meanwhile: read again
        elif not conditionally(lambda: edge.save(condition=Edge.pk.does_not_exist())):
            raise _Stale
        return "following"

    return _replanned(attempt)


def _ask(caller_id: str, target_id: str) -> None:
    """A request to a private account, with no block either way, and its event."""
    try:
        with transaction() as tx:
            tx.save(
                _edge(target_id, REQUEST, caller_id),
                condition=Edge.pk.does_not_exist(),
                name="edge",
            )
            no_block_checks(tx, caller_id, target_id)
            tx.emit(FollowCreated(follower_id=caller_id, followee_id=target_id, status="requested"))
    except ConditionFailed as exc:
        raise _blocked_or_stale(exc) from None


def _follow_edge(follower_id: str, target_id: str, approved: bool = False) -> Edge:
    """A follow's one edge: its creation is counted and published from the Users stream."""
    edge = _edge(follower_id, FOLLOWS, target_id)
    edge.streamed = True
    edge.approved = approved or None
    return edge


def _follow_items(tx: Transaction, follower_id: str, target: UserProfile) -> None:
    """An approved request's follow edge (`edge` fails if the follow exists), no block, the
    celebrity set."""
    target_id = target.user_id
    tx.save(
        _follow_edge(follower_id, target_id, approved=True),
        condition=Edge.pk.does_not_exist(),
        name="edge",
    )
    no_block_checks(tx, follower_id, target_id)
    if target.is_celebrity:  # its posts are merged into this reader's feed at read time
        celebrities.add_in(tx, follower_id, target_id)


GONE_MARKS = ("follower_gone_at", "followee_gone_at")  # a follow edge's withdrawal marks


def _remove_follow_items(
    tx: Transaction,
    follower_id: str,
    target_id: str,
    celebrity_set: bool = True,
    follow: Edge | None = None,
) -> None:
    """The follow edge (`edge` fails unless the follow exists, and, given the `follow` edge as
    read, unless its withdrawal mark is as read: its removal on the stream carries the marks to
    the followers consumer, which removes the `FOLLOWER#` edge and the counts) and the
    celebrity-set entry (not with `celebrity_set=False`: an erased follower's whole feed goes)."""
    condition = Edge.pk.exists()
    if follow is not None:
        condition = condition & as_read(Edge, follow, GONE_MARKS)
    tx.delete(Edge(*edge_key(follower_id, FOLLOWS, target_id)), condition=condition, name="edge")
    if celebrity_set:
        celebrities.remove_in(tx, follower_id, target_id)


def unfollow(caller_id: str, username: str) -> None:
    """Unfollow, or withdraw a pending request. Idempotent, and works across a block too."""
    target_id = _other(caller_id, username)

    def attempt() -> None:
        edges = _edges_between(caller_id, target_id)
        try:
            with transaction() as tx:
                _remove_pair(tx, edges, caller_id, target_id, by_block=False)
        except ConditionFailed:
            raise _Stale from None

    _replanned(attempt)


def _remove_pair(
    tx: Transaction,
    edges: dict[tuple[str, str], Edge | None],
    follower: str,
    followee: str,
    by_block: bool,
    celebrity_set: bool = True,
) -> None:
    """Remove `follower`'s follow of, or request to, `followee` as read in `edges`; with
    `by_block`, also check that whichever is absent still is."""
    if follow := edges[(follower, FOLLOWS)]:
        read = (follower, FOLLOWER) in edges  # erasure's reads: see _follower_edge_as_read
        follower_edge = edges.get((follower, FOLLOWER))
        _remove_follow(
            tx, follow, follower, followee, by_block, celebrity_set, follower_edge is not None
        )
        if read:
            _follower_edge_as_read(tx, follower_edge, follower, followee)
    elif by_block:
        tx.condition_check(
            Edge, *edge_key(follower, FOLLOWS, followee), Edge.pk.does_not_exist(), name="edge"
        )
    request = Edge(*edge_key(followee, REQUEST, follower))
    if asked := edges[(follower, REQUEST)]:
        tx.delete(request, condition=Edge.pk.exists(), name="edge")
        tx.emit(
            FollowRemoved(
                follower_id=follower,
                followee_id=followee,
                status="requested",
                by_block=by_block,
                since=asked.created_at,
            )
        )
    elif by_block:
        tx.condition_check(Edge, request.pk, request.sk, Edge.pk.does_not_exist(), name="edge")


def _follower_edge_as_read(
    tx: Transaction, found: Edge | None, follower: str, followee: str
) -> None:
    """Erasure removes the followee's `FOLLOWER#` edge with the follow when the followers
    function had written it, and its `follow_removed` is then counted by the counters (an
    erased account's own partition loses its follower edges at once: the followers function
    would find no mark to take and count nothing); when it had not, checks it is still absent,
    and the followers function applies the removal as any other."""
    key = edge_key(followee, FOLLOWER, follower)
    if found is None:
        tx.condition_check(Edge, *key, Edge.pk.does_not_exist(), name="edge")
    else:
        tx.delete(Edge(*key), condition=Edge.pk.exists(), name="edge")


def _remove_follow(
    tx: Transaction,
    follow: Edge,
    follower: str,
    followee: str,
    by_block: bool = False,
    celebrity_set: bool = True,
    counters_count: bool = False,
) -> None:
    """The follow (as read) removed, with its `follow_removed`: the follower's feed and tray
    are pruned of the followee's posts and stories, and both counts go down (from the edge's
    removal, by the followers function; or, `counters_count`, from the event)."""
    _remove_follow_items(tx, follower, followee, celebrity_set, follow)
    tx.emit(
        FollowRemoved(
            follower_id=follower,
            followee_id=followee,
            status="following",
            by_block=by_block,
            since=follow.created_at,
            followers_withdrawn=is_withdrawn(follow, "follower_gone_at"),
            following_withdrawn=is_withdrawn(follow, "followee_gone_at"),
            edges_counted=not counters_count,
        )
    )


def remove_follower(caller_id: str, username: str) -> None:
    """`username` stops following the caller, exactly as if they had unfollowed (the same
    edges, the same `follow_removed`: their feed and tray lose the caller's posts and stories,
    the counts go down) and without telling them: no notification. Idempotent (not a follower:
    nothing changes); 404 for no such account, or across a block (as everywhere)."""
    follower_id = _other(caller_id, username)
    relation(caller_id, follower_id)  # 404 if missing or blocked either way

    def attempt() -> None:
        follow = get_or_none(Edge, *edge_key(follower_id, FOLLOWS, caller_id))
        if follow is None:
            return
        try:
            with transaction() as tx:
                _remove_follow(tx, follow, follower_id, caller_id)
        except ConditionFailed:
            raise _Stale from None

    _replanned(attempt)


# --------------------------------------------------------------------------- requests
def approve(caller_id: str, username: str) -> None:
    requester_id = _other(caller_id, username)
    if not _approve(caller_id, requester_id):
        raise NotFound(f"{username} has not asked to follow you.")


def _approve(owner_id: str, requester_id: str) -> bool:
    """Turn `requester`'s request into a follow of `owner`; False if there is no request.
    The follow edge's creation is published as `request_approved` (glimpse.counters.followers)."""
    request = Edge(*edge_key(owner_id, REQUEST, requester_id))

    def attempt() -> bool:
        if not _exists(request):
            return False
        me = relation(requester_id, owner_id).owner  # 404 if blocked since
        try:
            with transaction() as tx:
                tx.delete(request, condition=Edge.pk.exists(), name="request")
                _follow_items(tx, requester_id, me)  # `request_approved` from its creation
        except ConditionFailed as exc:
            if exc.names != {"edge"}:
                raise _blocked_or_stale(exc) from None
            _drop_request(request, requester_id, owner_id)  # following already
        return True

    return _replanned(attempt)


PENDING_PAGE = 100  # requests approved per invocation when an account goes public


@dataclass(frozen=True, kw_only=True)
class PendingApprovals(Job):
    """An account that went public: its pending requests, a page at a time."""

    type = "approve_pending"
    user_id: str


def account_made_public(event: AccountMadePublic, send: Send) -> Stats:
    return approve_pending(PendingApprovals(event_id=event.event_id, user_id=event.user_id), send)


def approve_pending(job: PendingApprovals, send: Send) -> Stats:
    """Approve a page of the account's pending requests (Instagram does the same); each
    approval publishes `request_approved`, which back-fills that reader's feed. Stops if the
    account is private again; a request whose sender is blocked stays pending."""
    if get_profile(job.user_id).is_private:
        return Stats(notes=["0 requests approved"])

    def approve(page: Readers) -> Stats:
        approved = 0
        for requester_id in page.ids:
            try:
                approved += _approve(job.user_id, requester_id)
            except NotFound:
                continue  # blocked either way: a block removes requests itself
        return Stats(notes=[f"{approved} requests approved"])

    return spread(job, Audience(job.user_id, (REQUEST,)), approve, send, size=PENDING_PAGE)


def _drop_request(request: Edge, requester_id: str, target_id: str) -> None:
    """Remove a request that an existing follow made pointless, with its event."""
    try:
        with transaction() as tx:
            tx.delete(request, condition=Edge.pk.exists())
            tx.emit(
                FollowRemoved(follower_id=requester_id, followee_id=target_id, status="requested")
            )
    except ConditionFailed:
        return  # gone already


def deny(caller_id: str, username: str) -> None:
    requester_id = _other(caller_id, username)
    try:
        with transaction() as tx:
            tx.delete(Edge(*edge_key(caller_id, REQUEST, requester_id)), condition=Edge.pk.exists())
            tx.emit(RequestDenied(follower_id=requester_id, followee_id=caller_id))
    except ConditionFailed:
        raise NotFound(f"{username} has not asked to follow you.") from None


def _exists(edge: Edge) -> bool:
    return get_or_none(Edge, edge.pk, edge.sk) is not None


# --------------------------------------------------------------------------- blocks
def block(caller_id: str, username: str) -> None:
    """Block: removes follows and requests both ways, in one transaction. Idempotent: blocking
    again removes any edge that is still there."""
    target_id = _other(caller_id, username)

    def attempt() -> None:
        edges = _edges_between(caller_id, target_id)
        try:
            with transaction() as tx:
                block_edge = Edge(*edge_key(caller_id, BLOCKS, target_id))
                if edges[(caller_id, BLOCKS)]:
                    tx.condition_check(
                        Edge, block_edge.pk, block_edge.sk, Edge.pk.exists(), name="edge"
                    )
                else:
                    tx.save(
                        _edge(caller_id, BLOCKS, target_id),
                        condition=Edge.pk.does_not_exist(),
                        name="edge",
                    )
                    tx.emit(UserBlocked(blocker_id=caller_id, blocked_id=target_id))
                _remove_pair(tx, edges, caller_id, target_id, by_block=True)
                _remove_pair(tx, edges, target_id, caller_id, by_block=True)
        except ConditionFailed:
            raise _Stale from None

    _replanned(attempt)


SEVERED_TOGETHER = 5  # pairs per transaction: at most 20 items each (follows, requests,
# their events, blocks, close, affinity and mute edges, celebrity sets)


def sever(user_id: str, others: list[str]) -> int:
    """Every edge between an erased account and each of `others` goes: follows and requests
    both ways with their `follow_removed` (feeds, trays, counts and notifications follow),
    blocks, close-friend entries and affinities both ways. The edges are read in one batch and
    removed a few pairs per transaction; a pair that changed meanwhile is read again alone.
    Returns how many edges (of those read) went."""
    between = _edges_between_many(user_id, others, with_followers=True)
    erased = _being_erased(others)
    removed = 0
    for start in range(0, len(others), SEVERED_TOGETHER):
        group = others[start : start + SEVERED_TOGETHER]
        try:
            with transaction() as tx:
                for other in group:
                    _sever_in(tx, user_id, other, between[other], other in erased)
        except ConditionFailed:
            for other in group:
                removed += _replanned(partial(_sever_again, user_id, other))
            continue
        removed += sum(_present(between[other]) for other in group)
    return removed


def _being_erased(others: list[str]) -> set[str]:
    """Those of `others` being erased too (neither a profile nor a moved-aside one is left):
    their whole feed goes, so nothing may write into it (an update would make the item anew)."""
    keys = [
        (m, (user_pk(o), sk))
        for o in others
        for m, sk in ((UserProfile, PROFILE), (DeletedProfile, DELETED))
    ]
    found = get_many(keys, consistent=True)
    return {
        o
        for o in others
        if found.get(UserProfile, (user_pk(o), PROFILE)) is None
        and found.get(DeletedProfile, (user_pk(o), DELETED)) is None
    }


def _sever_again(user_id: str, other_id: str) -> int:
    edges = _edges_between_many(user_id, [other_id], with_followers=True)[other_id]
    erased = _being_erased([other_id])
    try:
        with transaction() as tx:
            _sever_in(tx, user_id, other_id, edges, other_id in erased)
    except ConditionFailed:
        raise _Stale from None
    return _present(edges)


def _present(edges: dict[tuple[str, str], Edge | None]) -> int:
    return sum(e is not None for e in edges.values())


def _sever_in(
    tx: Transaction,
    user_id: str,
    other_id: str,
    edges: dict[tuple[str, str], Edge | None],
    other_erased: bool = False,
) -> None:
    """The removal of every edge between the two, as read in `edges` (close and affinity
    edges are not read: deleting an absent item is a no-op)."""
    # the erased account's own celebrity set goes with its feed (one item: a transaction of
    # several pairs must not write it twice), and so does the other's if it is erased too
    _remove_pair(tx, edges, user_id, other_id, by_block=False, celebrity_set=False)
    _remove_pair(tx, edges, other_id, user_id, by_block=False, celebrity_set=not other_erased)
    for a, b in ((user_id, other_id), (other_id, user_id)):
        if edges[(a, BLOCKS)]:
            tx.delete(Edge(*edge_key(a, BLOCKS, b)))
        for kind in (CLOSE, AFFINITY, MUTES):
            tx.delete(Edge(*edge_key(a, kind, b)))


def _edges_between(a: str, b: str) -> dict[tuple[str, str], Edge | None]:
    """The follow, request and block edges between a and b, None where absent (consistent).

    Keys: (x, FOLLOWS) x follows the other; (x, REQUEST) x asked the other; (x, BLOCKS) x
    blocks the other.
    """
    return _edges_between_many(a, [b])[b]


def _edges_between_many(
    a: str, others: list[str], with_followers: bool = False
) -> dict[str, dict[tuple[str, str], Edge | None]]:
    """`_edges_between` a and each of `others`, in one consistent read (a BatchGetItem per
    16 others, 12 `with_followers`); `with_followers`, also each follow's `FOLLOWER#` edge,
    keyed (x, FOLLOWER) for x's follow of the other (erasure: `_follower_edge_as_read`)."""

    def wanted(b: str) -> list[tuple[str, str, str]]:
        return [
            (a, FOLLOWS, b),
            (b, FOLLOWS, a),
            (a, BLOCKS, b),
            (b, BLOCKS, a),
            (b, REQUEST, a),  # a asked b
            (a, REQUEST, b),  # b asked a
            *([(b, FOLLOWER, a), (a, FOLLOWER, b)] if with_followers else []),
        ]

    fetched = get_many([(Edge, edge_key(*w)) for b in others for w in wanted(b)], consistent=True)

    def edge(owner: str, kind: str, other: str) -> Edge | None:
        return fetched.get(Edge, edge_key(owner, kind, other))

    return {
        b: {
            (a, FOLLOWS): edge(a, FOLLOWS, b),
            (b, FOLLOWS): edge(b, FOLLOWS, a),
            (a, BLOCKS): edge(a, BLOCKS, b),
            (b, BLOCKS): edge(b, BLOCKS, a),
            (a, REQUEST): edge(b, REQUEST, a),
            (b, REQUEST): edge(a, REQUEST, b),
            **(
                {(a, FOLLOWER): edge(b, FOLLOWER, a), (b, FOLLOWER): edge(a, FOLLOWER, b)}
                if with_followers
                else {}
            ),
        }
        for b in others
    }


def unblock(caller_id: str, username: str) -> None:
    """Idempotent: unblocking someone not blocked changes nothing and emits nothing. A follow
    either way found while the block stands committed after it (the block's transaction removed
    those there were; a follow checks blocks when it reads, not in its write, and the followers
    function deletes one it finds while the block stands): it goes with the block, as the block
    would have removed it, so a block never lets a follow through."""
    target_id = _other(caller_id, username)

    def attempt() -> None:
        edges = _edges_between(caller_id, target_id)
        if edges[(caller_id, BLOCKS)] is None:
            return
        try:
            with transaction() as tx:
                tx.delete(
                    Edge(*edge_key(caller_id, BLOCKS, target_id)),
                    condition=Edge.pk.exists(),
                    name="block",
                )
                tx.emit(UserUnblocked(blocker_id=caller_id, blocked_id=target_id))
                for follower, followee in ((caller_id, target_id), (target_id, caller_id)):
                    follow = edges[(follower, FOLLOWS)]
                    if follow is not None:
                        _remove_follow(tx, follow, follower, followee, by_block=True)
        except ConditionFailed as exc:
            if "block" in exc.names:
                return  # unblocked meanwhile
            raise _Stale from None

    _replanned(attempt)


# --------------------------------------------------------------------------- lists
def edge_list(
    viewer_id: str, owner_id: str, kind: str, list_id: str, limit: int, cursor: str | None
) -> Page[UserSummary]:
    """Users on `owner`'s edges of `kind`, as `viewer` may see them: one Query, one
    BatchGetItem of their profiles and the block edges between them and the viewer."""
    edges, next_cursor = partition_page(
        Edge, user_pk(owner_id), prefix=kind, list_id=list_id, cursor=cursor, limit=limit
    )
    ids = [other_of(edge.sk) for edge in edges]
    found = listed(viewer_id, ids, following=owner_id if kind == FOLLOWER else None)
    return Page[UserSummary](items=[found[u] for u in ids if u in found], next_cursor=next_cursor)


def _visible_list_owner(viewer_id: str, username: str, what: str) -> Relation:
    found = relation(viewer_id, user_id_for(username))
    require_content(found, what)
    return found


def followers(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    owner = _visible_list_owner(viewer_id, username, "followers").owner.user_id
    return edge_list(viewer_id, owner, FOLLOWER, f"followers:{owner}", limit, cursor)


def following(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    owner = _visible_list_owner(viewer_id, username, "following list").owner.user_id
    return edge_list(viewer_id, owner, FOLLOWS, f"following:{owner}", limit, cursor)


def follow_requests(caller_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    return edge_list(caller_id, caller_id, REQUEST, f"requests:{caller_id}", limit, cursor)


def blocked(caller_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    """The accounts the caller blocks: one Query of its `BLOCKS#` edges, one BatchGetItem of
    their profiles (an account gone meanwhile is left out)."""
    edges, next_cursor = partition_page(
        Edge,
        user_pk(caller_id),
        prefix=BLOCKS,
        list_id=f"blocked:{caller_id}",
        cursor=cursor,
        limit=limit,
    )
    ids = [other_of(edge.sk) for edge in edges]
    fetched = get_many([(UserProfile, (user_pk(uid), PROFILE)) for uid in ids])
    profiles = [fetched.get(UserProfile, (user_pk(uid), PROFILE)) for uid in ids]
    return Page[UserSummary](
        items=[summary(p) for p in profiles if p is not None], next_cursor=next_cursor
    )
