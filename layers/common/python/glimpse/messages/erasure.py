"""The messages' part of erasing an account (glimpse.erasure): in every conversation in its
inbox, the messages it sent, its retry records, its reactions and the reactions to its messages
go, and it leaves the members; a
conversation it alone remains in goes whole (its pair item too). The other members' messages
and inbox entries stay.

One conversation at a time, the first of the inbox: up to `MESSAGES_PAGE` of its messages
read per invocation (`after` = `<conversation id>/<last message id>` resumes inside it); when
its messages are done, the rest of it is settled and its inbox entry goes, and the next
invocation starts again from the top of the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.expressions.update import Action

from glimpse.erasure import Erasure, table
from glimpse.jobs import Send, Stats, resume
from glimpse.models import erasure as report
from glimpse.models.base import conditionally, get_or_none, start_after
from glimpse.models.batch import write_many
from glimpse.models.messages import (
    META,
    PAIR,
    Conversation,
    InboxEntry,
    Message,
    Pointer,
    Reaction,
    conversation_pk,
    inbox_pk,
    messages_pk,
    pair_pk,
    reactions_pk,
)

MESSAGES_PAGE = 2000  # messages read per invocation (about 80 BatchWriteItem at most)


@dataclass(frozen=True, kw_only=True)
class MessagesErasure(Erasure):
    type = "erase_messages"
    aggregate = "messages"


def erase(job: MessagesErasure, send: Send) -> Stats:
    user_id = job.user_id
    # consistent: an entry settled a moment ago must not come back (it would end the chain)
    query = InboxEntry.query(inbox_pk(user_id), limit=1, consistent_read=True)
    entry = next(iter(query), None)
    if entry is None:
        return Stats(notes=["no conversations left"])
    conversation_id = str(entry.conversation_id)
    conversation = get_or_none(Conversation, conversation_pk(conversation_id), META)
    others = [m for m in (conversation.member_ids if conversation else []) if m != user_id]
    resume_at = _inside(job.after, conversation_id)
    removed, last = _messages(conversation_id, user_id, whole=not others, after=resume_at)
    stats = Stats(deleted=removed)
    if last is not None:  # more of this conversation's messages to read
        resume(job, f"{conversation_id}/{last}", send, stats)
    else:
        stats.deleted += _settle(conversation_id, conversation, user_id, others)
        entry.delete()
        stats.deleted += 1
        resume(job, f"{conversation_id}/", send, stats)  # the next conversation, from the top
    if stats.deleted:
        report.add(user_id, job.aggregate, stats.deleted)
    return stats


def _inside(after: str | None, conversation_id: str) -> str | None:
    """The message to resume after, if `after` points inside this conversation."""
    if after and after.startswith(f"{conversation_id}/"):
        return after.split("/", 1)[1] or None
    return None


def _messages(
    conversation_id: str, user_id: str, whole: bool, after: str | None
) -> tuple[int, str | None]:
    """One page of the conversation's messages: the account's (all of them if `whole`) go.
    Returns how many went and the last message read if there are more."""
    pk = messages_pk(conversation_id)
    query = Message.query(
        pk,
        limit=MESSAGES_PAGE,
        last_evaluated_key=start_after(pk, after),
        attributes_to_get=["pk", "sk", "sender_id"],
    )
    read = list(query)
    gone = [(str(m.pk), str(m.sk)) for m in read if whole or m.sender_id == user_id]
    write_many(Message, deletes=gone)
    more = query.last_evaluated_key is not None and len(read) == MESSAGES_PAGE
    return len(gone), (str(read[-1].sk) if more and read else None)


def _settle(
    conversation_id: str, conversation: Conversation | None, user_id: str, others: list[str]
) -> int:
    """The rest of the conversation once its messages are done: the account's retry records
    go, and it leaves the members (or the conversation goes whole, with its pair item)."""
    pk = conversation_pk(conversation_id)
    records = [
        (str(p.pk), str(p.sk))
        for p in Pointer.query(pk, Pointer.sk.startswith("CLIENT#"), attributes_to_get=["pk", "sk"])
        if not others or p.sk.startswith(f"CLIENT#{user_id}#")
    ]
    write_many(Pointer, deletes=records)
    removed = len(records) + _reactions(conversation_id, user_id, whole=not others)
    if conversation is None:
        return removed
    if not conversation.is_group and others:  # (a partner erased first took it already)
        pair = Pointer(pair_pk(user_id, others[0]), PAIR)
        removed += conditionally(lambda: pair.delete(condition=Pointer.pk.exists()))
    if not others:
        conversation.delete()
        return removed + 1
    actions: list[Action] = [Conversation.member_ids.set(others)]
    if conversation.created_by == user_id:
        actions.append(Conversation.created_by.set(""))
    # as read: another member's erasure changing the members meanwhile makes this one retry
    conversation.update(
        actions=actions, condition=Conversation.member_ids == list(conversation.member_ids)
    )
    return removed


def _reactions(conversation_id: str, user_id: str, whole: bool) -> int:
    """The conversation's reactions the account made or that were made to its messages (all
    of them if `whole`): a Query of the conversation's reactions (keys and who), in pages."""
    gone = [
        (str(r.pk), str(r.sk))
        for r in Reaction.query(
            reactions_pk(conversation_id), attributes_to_get=["pk", "sk", "user_id", "sender_id"]
        )
        if whole or user_id in (r.user_id, r.sender_id)
    ]
    write_many(Reaction, deletes=gone)
    return len(gone)


ERASURE = table("messages", {MessagesErasure: erase})
