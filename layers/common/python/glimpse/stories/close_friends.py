"""The close friends list: whose trays a close-friends story reaches (while they follow); who
is added gets the owner's live close-friends stories in their tray (glimpse.stories.tray)."""

from __future__ import annotations

from glimpse.clock import now
from glimpse.directory import UserSummary
from glimpse.errors import BadRequest, field_error
from glimpse.graph.access import (
    listed,
)
from glimpse.graph.service import edge_list
from glimpse.models.batch import get_many, write_many
from glimpse.models.graph import CLOSE, Edge, edge_key, new_edge, other_of
from glimpse.models.users import CLAIM, UniqueClaim, user_pk, username_pk
from glimpse.pagination import Page
from glimpse.stories import tray
from glimpse.stories.schemas import (
    CloseFriends,
)


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
    added = sorted(wanted - current)
    write_many(
        Edge,
        puts=[new_edge(owner_id, CLOSE, other, moment) for other in added],
        deletes=[edge_key(owner_id, CLOSE, other) for other in sorted(current - wanted)],
    )
    tray.close_friends_added(owner_id, added)


def close_friends(owner_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    return edge_list(owner_id, owner_id, CLOSE, f"close:{owner_id}", limit, cursor)
