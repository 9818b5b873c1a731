"""Unsending a message, reacting to one, and what members are sent when a moderator removes
one.

Unsend: the sender's alone. The message item goes (with its client id record, so nothing
points at it), then its reactions; every member's devices get a `message_deleted` frame. Inbox
entries only move forward, so nothing is rewritten there: a list whose entry names an unsent
message shows the newest message left (glimpse.messages.service `_last_messages`), and unread
counts, counted from the messages that are there, drop by themselves.

Reactions: one item per member per message (`REACTS#<conversation>` / `<message>#<member>`),
put or deleted by the member's own request under a condition that the message still exists
(an unsend that commits first wins); counts are made when read (glimpse.messages.reacting).
Each change sends a `reaction` frame with the message's counts to the members.

Who may: a member who sees the message (not one whose sender is blocked either way, removed
by a moderator or hidden from them by their hidden words): anything else is a 404, as for a
message that does not exist; a member who sees a message someone else sent gets 403 for
unsending it. Reacting in a 1:1 across a block is a 404, as sending is.
"""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.clock import now
from glimpse.directory import UserSummary
from glimpse.errors import Forbidden, NotFound
from glimpse.graph.access import listed_and_gone, no_block_checks
from glimpse.messages import reacting
from glimpse.messages.service import MISSING, _hidden, _member_in, _membership_reads, _shown
from glimpse.models.base import get_or_none
from glimpse.models.batch import write_many
from glimpse.models.messages import (
    META,
    Conversation,
    Message,
    Pointer,
    Reaction,
    client_sk,
    conversation_pk,
    messages_pk,
    reaction_sk,
    reactions_pk,
    reactions_prefix,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.realtime.frames import Frame, message_deleted, reaction

MESSAGE_GONE = "No such message."


@dataclass(frozen=True)
class Changed:
    """What a change sends in real time: a frame for each member it reaches (the caller's
    other devices too)."""

    frames: list[tuple[str, Frame]]


@dataclass(frozen=True)
class _Seen:
    conversation: Conversation
    message: Message
    reached: list[str]  # the other members not blocked either way with the caller
    shown: dict[str, UserSummary]  # of them, those whose account is not deleted


def _seen(caller_id: str, conversation_id: str, message_id: str) -> _Seen:
    """The message, if the caller is a member who sees it (404 otherwise): one consistent
    BatchGetItem (the conversation, the caller's inbox entry and hidden words, the message),
    then one of the other members' profiles and the block edges (`listed_and_gone`)."""
    key = (messages_pk(conversation_id), message_id)
    fetched = _membership_reads(caller_id, conversation_id, True, [(Message, key)])
    conversation, entry, hides = _member_in(fetched, caller_id, conversation_id, True)
    message = fetched.get(Message, key)
    if message is None:
        raise NotFound(MESSAGE_GONE)
    shown, gone, reached = _reached(caller_id, conversation)
    if message.sender_id != caller_id and (
        not _shown(message, caller_id, shown, gone)
        or _hidden(caller_id, entry, message.sender_id, message.text, hides)
    ):
        raise NotFound(MESSAGE_GONE)
    return _Seen(conversation, message, reached, shown)


def _reached(
    user_id: str, conversation: Conversation
) -> tuple[dict[str, UserSummary], set[str], list[str]]:
    """The other members as `user` sees them (`listed_and_gone`: shown, deleted), and those
    `user`'s messages reach: every other member not blocked either way with them."""
    others = [m for m in conversation.member_ids if m != user_id]
    shown, gone = listed_and_gone(user_id, others, deleted=True)
    return shown, gone, [m for m in others if m in shown or m in gone]


# --------------------------------------------------------------------------- removal
def recalled(conversation_id: str, message_id: str, sender_id: str) -> Changed:
    """A moderator removed the message: a `message_deleted` frame to every member it reached
    but its sender, who still sees it (`removed: true`). A restore sends nothing: the message
    is back in the lists (frames are a fast path, not a store)."""
    conversation = get_or_none(Conversation, conversation_pk(conversation_id), META)
    if conversation is None:
        return Changed([])
    frame = message_deleted(conversation_id, message_id)
    return Changed([(member, frame) for member in _reached(sender_id, conversation)[2]])


# --------------------------------------------------------------------------- unsend
def unsend(caller_id: str, conversation_id: str, message_id: str) -> Changed:
    """One transaction (the message, conditioned on its sender; its client id record), then
    its reactions (a Query of the message's, one BatchWriteItem per 25). A message its sender
    cannot see any more does not exist for them either (removed by a moderator: they see it,
    and may unsend it)."""
    seen = _seen(caller_id, conversation_id, message_id)
    message = seen.message
    if message.sender_id != caller_id:
        raise Forbidden("Only its sender may unsend a message.")
    try:
        with transaction() as tx:
            tx.delete(message, condition=Message.sender_id == caller_id)
            if message.client_message_id:
                tx.delete(
                    Pointer(
                        conversation_pk(conversation_id),
                        client_sk(caller_id, message.client_message_id),
                    )
                )
    except ConditionFailed:
        raise NotFound(MESSAGE_GONE) from None  # unsent meanwhile
    keys = [
        (str(r.pk), str(r.sk))
        for r in Reaction.query(
            reactions_pk(conversation_id),
            Reaction.sk.startswith(reactions_prefix(message_id)),
            attributes_to_get=["pk", "sk"],
        )
    ]
    write_many(Reaction, deletes=keys)
    frame = message_deleted(conversation_id, message_id)
    return Changed([(member, frame) for member in [caller_id, *seen.reached]])


# --------------------------------------------------------------------------- reactions
def react(caller_id: str, conversation_id: str, message_id: str, emoji: str | None) -> Changed:
    """Put (or, `emoji` None, remove) the caller's reaction: one transaction (the reaction,
    and a check that the message is still there), then the message's reactions read again
    for the frame. Idempotent."""
    seen = _seen(caller_id, conversation_id, message_id)
    if not seen.conversation.is_group and not seen.reached:
        raise NotFound(MISSING)  # a 1:1 across a block
    key = (reactions_pk(conversation_id), reaction_sk(message_id, caller_id))
    try:
        with transaction() as tx:
            if emoji is None:
                tx.delete(Reaction(*key))
            else:
                tx.save(
                    Reaction(
                        *key,
                        of_message=message_id,
                        user_id=caller_id,
                        sender_id=seen.message.sender_id,
                        emoji=emoji,
                        created_at=now(),
                    )
                )
            tx.condition_check(
                Message, messages_pk(conversation_id), message_id, Message.pk.exists()
            )
            if not seen.conversation.is_group:  # a block that commits meanwhile wins
                no_block_checks(tx, caller_id, seen.reached[0])
    except ConditionFailed:
        raise NotFound(MESSAGE_GONE) from None  # unsent (or blocked) meanwhile
    by_member = reacting.message_reactions(conversation_id, message_id)
    counts, _mine = reacting.tally(by_member, caller_id, seen.shown)
    frame = reaction(conversation_id, message_id, counts)
    return Changed([(member, frame) for member in [caller_id, *seen.reached]])
