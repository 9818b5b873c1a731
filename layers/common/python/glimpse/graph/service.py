"""Follows, follow requests and blocks. Counts change only inside the transaction that creates
or removes the edge, under a condition on that edge, so repeated and concurrent requests
count once. Feed changes that follow (back-fill, pruning) are queued as feed jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.expressions.update import Action

from glimpse.adapters.messaging import send_feed_jobs
from glimpse.clock import now
from glimpse.config import get_settings
from glimpse.errors import BadRequest, NotFound
from glimpse.graph.access import Relation, relation, require_content
from glimpse.models.base import transaction
from glimpse.models.batch import get_many
from glimpse.models.feed import CELEBRITIES, FeedItem, feed_pk
from glimpse.models.graph import BLOCKS, FOLLOWER, FOLLOWS, REQUEST, Edge, edge_key, other_of
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, decode_cursor, encode_cursor
from glimpse.users.schemas import UserSummary
from glimpse.users.service import summaries, user_id_for

FollowResult = Literal["following", "requested"]
MAX_ATTEMPTS = 3  # a transaction that lost a race is re-planned from fresh reads


def _other(caller_id: str, username: str) -> str:
    other_id = user_id_for(username)
    if other_id == caller_id:
        raise BadRequest("You cannot do that to yourself.")
    return other_id


def _edge(owner_id: str, kind: str, other_id: str) -> Edge:
    return Edge(*edge_key(owner_id, kind, other_id), other_id=other_id, created_at=now())


def _no_block_checks(tx: Any, a: str, b: str) -> None:
    for blocker, blocked in ((a, b), (b, a)):
        tx.condition_check(
            Edge,
            *edge_key(blocker, BLOCKS, blocked),
            condition=Edge.pk.does_not_exist(),
            name="block",
        )


def _celebrity_set(reader_id: str) -> FeedItem:
    return FeedItem(feed_pk(reader_id), CELEBRITIES)


def _replanned[T](what: str, attempt: Callable[[], T]) -> T:
    """Run `attempt` (read, then transact) again while its transaction loses a race."""
    for _ in range(MAX_ATTEMPTS):
        try:
            return attempt()
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
    raise RuntimeError(f"{what} kept losing races")


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
            _request(caller_id, target_id)
            return "requested"
        _add_follow(caller_id, found.owner)  # False: a concurrent request made it first
        return "following"

    return _replanned("follow", attempt)


def _request(caller_id: str, target_id: str) -> None:
    with transaction() as tx:
        tx.save(_edge(target_id, REQUEST, caller_id), condition=Edge.pk.does_not_exist())
        _no_block_checks(tx, caller_id, target_id)


def _add_follow(follower_id: str, target: UserProfile, approving: Edge | None = None) -> bool:
    """The follow edge (both directions), both counts, and the celebrity set: one transaction.

    With `approving`, the pending request it replaces is deleted in the same transaction.
    False when the follow already existed (nothing changed); other cancellations raise.
    """
    target_id = target.user_id
    threshold = get_settings().celebrity_follower_threshold
    becomes_celebrity = not target.is_celebrity and int(target.followers_count) + 1 > threshold
    celebrity = target.is_celebrity or becomes_celebrity
    target_actions: list[Action] = [UserProfile.followers_count.add(1)]
    if becomes_celebrity:
        target_actions.append(UserProfile.is_celebrity.set(True))
    try:
        with transaction() as tx:
            _follow_items(tx, follower_id, target_id, target_actions, celebrity, approving)
    except TransactWriteError as exc:
        if "follow" in tx.failed(exc):
            return False
        raise
    jobs: list[dict[str, Any]] = []
    if celebrity:
        if becomes_celebrity:
            jobs.append({"type": "celebrity", "author_id": target_id})
    else:
        jobs.append({"type": "backfill", "reader_id": follower_id, "author_id": target_id})
    send_feed_jobs(jobs)
    return True


def _follow_items(
    tx: Any,
    follower_id: str,
    target_id: str,
    target_actions: list[Action],
    celebrity: bool,
    approving: Edge | None,
) -> None:
    """Items of a follow transaction; the edge `follow` fails its condition if it exists."""
    tx.save(
        _edge(follower_id, FOLLOWS, target_id),
        condition=Edge.pk.does_not_exist(),
        name="follow",
    )
    tx.save(_edge(target_id, FOLLOWER, follower_id))
    tx.update(
        UserProfile(user_pk(target_id), PROFILE),
        actions=target_actions,
        condition=UserProfile.pk.exists(),
    )
    tx.update(
        UserProfile(user_pk(follower_id), PROFILE),
        actions=[UserProfile.following_count.add(1)],
        condition=UserProfile.pk.exists(),
    )
    _no_block_checks(tx, follower_id, target_id)
    if celebrity:
        tx.update(_celebrity_set(follower_id), actions=[FeedItem.celebrity_ids.add({target_id})])
    if approving is not None:
        tx.delete(approving, condition=Edge.pk.exists(), name="request")


def unfollow(caller_id: str, username: str) -> None:
    """Unfollow, or withdraw a pending request. Idempotent."""
    target_id = _other(caller_id, username)

    def attempt() -> None:
        try:
            found = relation(caller_id, target_id)
        except NotFound:
            return  # blocked either way: there is no follow to remove
        if found.follows:
            _remove_follow(caller_id, target_id)
        elif found.requested:
            _withdraw(target_id, caller_id)

    _replanned("unfollow", attempt)


def _remove_follow(follower_id: str, target_id: str) -> None:
    with transaction() as tx:
        _remove_follow_items(tx, follower_id, target_id)
        _count_changes(tx, {target_id: (-1, 0), follower_id: (0, -1)})
    send_feed_jobs([{"type": "prune", "reader_id": follower_id, "author_id": target_id}])


def _remove_follow_items(tx: Any, follower_id: str, target_id: str) -> None:
    """Both edges (the first must exist) and the celebrity-set entry; counts are separate."""
    tx.delete(Edge(*edge_key(follower_id, FOLLOWS, target_id)), condition=Edge.pk.exists())
    tx.delete(Edge(*edge_key(target_id, FOLLOWER, follower_id)))
    tx.update(_celebrity_set(follower_id), actions=[FeedItem.celebrity_ids.delete({target_id})])


def _count_changes(tx: Any, changes: dict[str, tuple[int, int]]) -> None:
    """One update per profile (a transaction may touch an item once): followers, following."""
    for user_id, (followers_delta, following_delta) in changes.items():
        actions: list[Action] = []
        if followers_delta:
            actions.append(UserProfile.followers_count.add(followers_delta))
        if following_delta:
            actions.append(UserProfile.following_count.add(following_delta))
        if actions:
            tx.update(
                UserProfile(user_pk(user_id), PROFILE),
                actions=actions,
                condition=UserProfile.pk.exists(),
            )


def _withdraw(target_id: str, requester_id: str) -> None:
    Edge(*edge_key(target_id, REQUEST, requester_id)).delete()


# --------------------------------------------------------------------------- requests
def approve(caller_id: str, username: str) -> None:
    requester_id = _other(caller_id, username)
    request = Edge(*edge_key(caller_id, REQUEST, requester_id))

    def attempt() -> None:
        if not _exists(request):
            raise NotFound(f"{username} has not asked to follow you.")
        me = relation(requester_id, caller_id).owner  # 404 if blocked since
        if not _add_follow(requester_id, me, approving=request):
            request.delete()  # already following: only the request is left to drop

    _replanned("approve", attempt)


def deny(caller_id: str, username: str) -> None:
    requester_id = _other(caller_id, username)
    request = Edge(*edge_key(caller_id, REQUEST, requester_id))
    try:
        request.delete(condition=Edge.pk.exists())
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(f"{username} has not asked to follow you.") from None
        raise


def _exists(edge: Edge) -> bool:
    try:
        edge.refresh(consistent_read=True)
    except Edge.DoesNotExist:
        return False
    return True


# --------------------------------------------------------------------------- blocks
def block(caller_id: str, username: str) -> None:
    """Block: removes follows and requests both ways, in one transaction. Idempotent."""
    target_id = _other(caller_id, username)

    def attempt() -> bool:
        edges = _edges_between(caller_id, target_id)
        if edges[(caller_id, BLOCKS)]:
            return False
        with transaction() as tx:
            tx.save(_edge(caller_id, BLOCKS, target_id), condition=Edge.pk.does_not_exist())
            changes = {caller_id: [0, 0], target_id: [0, 0]}  # followers, following
            for follower, followed in ((caller_id, target_id), (target_id, caller_id)):
                if edges[(follower, FOLLOWS)]:
                    _remove_follow_items(tx, follower, followed)
                    changes[followed][0] -= 1
                    changes[follower][1] -= 1
            _count_changes(tx, {uid: (f, g) for uid, (f, g) in changes.items()})
            for requester, requested in ((caller_id, target_id), (target_id, caller_id)):
                if edges[(requester, REQUEST)]:
                    tx.delete(Edge(*edge_key(requested, REQUEST, requester)))
        return True

    if _replanned("block", attempt):
        send_feed_jobs(
            [
                {"type": "prune", "reader_id": caller_id, "author_id": target_id},
                {"type": "prune", "reader_id": target_id, "author_id": caller_id},
            ]
        )


def _edges_between(a: str, b: str) -> dict[tuple[str, str], bool]:
    """Which of the follow, request and block edges between a and b exist (consistent)."""
    wanted = [
        (a, FOLLOWS, b),
        (b, FOLLOWS, a),
        (a, BLOCKS, b),
        (b, BLOCKS, a),
        (b, REQUEST, a),  # a asked b
        (a, REQUEST, b),  # b asked a
    ]
    fetched = get_many([(Edge, edge_key(*w)) for w in wanted], consistent=True)
    present = {w: fetched.get(Edge, edge_key(*w)) is not None for w in wanted}
    return {
        (a, FOLLOWS): present[(a, FOLLOWS, b)],
        (b, FOLLOWS): present[(b, FOLLOWS, a)],
        (a, BLOCKS): present[(a, BLOCKS, b)],
        (b, BLOCKS): present[(b, BLOCKS, a)],
        (a, REQUEST): present[(b, REQUEST, a)],
        (b, REQUEST): present[(a, REQUEST, b)],
    }


def unblock(caller_id: str, username: str) -> None:
    target_id = _other(caller_id, username)
    Edge(*edge_key(caller_id, BLOCKS, target_id)).delete()


# --------------------------------------------------------------------------- lists
def _list(
    owner_id: str, kind: str, list_id: str, limit: int, cursor: str | None
) -> Page[UserSummary]:
    """Users on `owner`'s edges of `kind`: one Query, one BatchGetItem of their profiles."""
    position = decode_cursor(list_id, cursor)
    start = {"pk": {"S": user_pk(owner_id)}, "sk": {"S": position["after"]}} if position else None
    query = Edge.query(
        user_pk(owner_id), Edge.sk.startswith(kind), limit=limit, last_evaluated_key=start
    )
    edges = list(query)
    ids = [other_of(edge.sk) for edge in edges]
    found = summaries(ids)
    items = [found[uid] for uid in ids if uid in found]
    last = query.last_evaluated_key
    next_cursor = encode_cursor(list_id, {"after": last["sk"]["S"]}) if last else None
    return Page[UserSummary](items=items, next_cursor=next_cursor)


def _visible_list_owner(viewer_id: str, username: str, what: str) -> Relation:
    found = relation(viewer_id, user_id_for(username))
    require_content(found, what)
    return found


def followers(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    owner = _visible_list_owner(viewer_id, username, "followers").owner.user_id
    return _list(owner, FOLLOWER, f"followers:{owner}", limit, cursor)


def following(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    owner = _visible_list_owner(viewer_id, username, "following list").owner.user_id
    return _list(owner, FOLLOWS, f"following:{owner}", limit, cursor)


def follow_requests(caller_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    return _list(caller_id, REQUEST, f"requests:{caller_id}", limit, cursor)
