"""The Messages table: conversations, their messages, and each member's inbox entry.

Keys (`pk`, `sk`):
- conversation: `CONV#<conversation_id>` / `META`   (members, is_group)
- 1:1 pair:     `PAIR#<user a>#<user b>` / `PAIR`   (a < b; the conversation two users share)
- client id:    `CONV#<conversation_id>` / `CLIENT#<sender>#<client_message_id>`   (the message
  a retried send returns)
- message:      `MSGS#<conversation_id>` / `<message_id>`   (a partition per conversation,
  newest first by id)
- inbox entry:  `INBOX#<user>` / `<conversation_id>`   (+ ByActivity: `inbox_pk` / `activity`)
  `activity` is the id of the newest message (or of the conversation, before any), so the
  conversation list is one Query, most recent first; `read_up_to` is the member's read marker,
  `is_request` whether they have yet to accept a conversation from someone they don't follow.
- reaction:     `REACTS#<conversation_id>` / `<message_id>#<member>`   (one per member per
  message: `emoji`; a partition per conversation, so a page of messages reads its reactions
  with one Query of the page's id range)
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, table_meta

META = "META"
PAIR = "PAIR"


def conversation_pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def messages_pk(conversation_id: str) -> str:
    return f"MSGS#{conversation_id}"


def inbox_pk(user_id: str) -> str:
    return f"INBOX#{user_id}"


def reactions_pk(conversation_id: str) -> str:
    return f"REACTS#{conversation_id}"


def reaction_sk(message_id: str, member_id: str) -> str:
    return f"{message_id}#{member_id}"


def reactions_prefix(message_id: str) -> str:
    """What every `reaction_sk` of one message starts with."""
    return f"{message_id}#"


def pair_pk(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"PAIR#{first}#{second}"


def client_sk(sender_id: str, client_message_id: str) -> str:
    return f"CLIENT#{sender_id}#{client_message_id}"


class Conversation(Model):
    Meta = table_meta("messages_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=META)
    conversation_id = UnicodeAttribute()
    member_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    is_group = BooleanAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class Pointer(Model):
    """A 1:1 pair or a client message id: which conversation or message it names."""

    Meta = table_meta("messages_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    target_id = UnicodeAttribute()


class ByMessageId(GlobalSecondaryIndex["Message"]):
    """A message by its id alone (a report names only that): message items only."""

    class Meta:
        index_name = "ByMessageId"
        projection = KeysOnlyProjection()

    message_id = UnicodeAttribute(hash_key=True)


class Message(Model):
    Meta = table_meta("messages_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # the message id
    message_id = UnicodeAttribute()
    conversation_id = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    text = UnicodeAttribute(null=True)
    media_id = UnicodeAttribute(null=True)
    story_id = UnicodeAttribute(null=True)
    client_message_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    removed_at = UTCDateTimeAttribute(null=True)  # by a moderator (shown to its sender only)
    by_message_id = ByMessageId()


class ByActivity(GlobalSecondaryIndex["InboxEntry"]):
    class Meta:
        index_name = "ByActivity"
        projection = AllProjection()

    inbox_pk = UnicodeAttribute(hash_key=True)
    activity = UnicodeAttribute(range_key=True)


class InboxEntry(Model):
    Meta = table_meta("messages_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # the conversation id
    conversation_id = UnicodeAttribute()
    inbox_pk = UnicodeAttribute()
    activity = UnicodeAttribute()
    read_up_to = UnicodeAttribute(null=True)
    is_request = BooleanAttribute(default=False)
    joined_at = UTCDateTimeAttribute()
    by_activity = ByActivity()


class Reaction(Model):
    """A member's reaction to a message (one per member per message)."""

    Meta = table_meta("messages_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # not `message_id`: the ByMessageId index (messages by id) must not take reactions in
    of_message = UnicodeAttribute()
    user_id = UnicodeAttribute()  # who reacted
    sender_id = UnicodeAttribute()  # whose message it is (erasing either removes it)
    emoji = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
