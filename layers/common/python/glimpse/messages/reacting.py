"""Reactions to messages, read: one item per member per message (glimpse.models.messages
`Reaction`), counted when read. A message's reactions are few (a conversation has at most 32
members), so counts are not kept anywhere: a page of messages reads its reactions with one
Query of the conversation's reaction partition over the page's id range. Reactions of accounts
the reader does not see (blocked either way, deleted and not yet erased) are left out, as
their messages are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable

from glimpse.models.messages import Reaction, reactions_pk, reactions_prefix

type ByMember = dict[str, str]  # member id -> emoji


def page_reactions(conversation_id: str, message_ids: Iterable[str]) -> dict[str, ByMember]:
    """The reactions to the messages `message_ids` (a page: one Query from the oldest id to
    the newest), by message."""
    ids = sorted(message_ids)
    if not ids:
        return {}
    found: dict[str, ByMember] = {}
    wanted = set(ids)
    for item in Reaction.query(
        reactions_pk(conversation_id),
        Reaction.sk.between(reactions_prefix(ids[0]), reactions_prefix(ids[-1]) + "\uffff"),
    ):
        if item.of_message in wanted:
            found.setdefault(item.of_message, {})[item.user_id] = item.emoji
    return found


def message_reactions(conversation_id: str, message_id: str) -> ByMember:
    """One message's reactions (one Query), by member."""
    return {
        item.user_id: item.emoji
        for item in Reaction.query(
            reactions_pk(conversation_id), Reaction.sk.startswith(reactions_prefix(message_id))
        )
    }


def tally(
    by_member: ByMember, viewer_id: str, visible: Container[str]
) -> tuple[dict[str, int], str | None]:
    """The counts by emoji of the reactions `viewer` may see (theirs and those of the
    `visible` members), most first, and the viewer's own."""
    counts = Counter(
        emoji for member, emoji in by_member.items() if member == viewer_id or member in visible
    )
    return dict(counts.most_common()), by_member.get(viewer_id)
