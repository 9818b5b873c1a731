"""The conversation and message objects of API.md as pydantic models."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from glimpse.directory import UserSummary
from glimpse.inputs import ULID_PATTERN, USERNAME_PATTERN, Text
from glimpse.media.schemas import MediaOut
from glimpse.schema import Schema, Timestamp

MAX_MEMBERS = 32  # a group's members, the creator included
MessageText = Annotated[str, Text(1000, lines=True, visible=True)]


class ConversationCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    usernames: list[Annotated[str, Field(pattern=USERNAME_PATTERN)]] = Field(
        min_length=1,
        max_length=MAX_MEMBERS - 1,
        description="The other members: one for a 1:1 conversation (reused), up to 31.",
    )


class MessageCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    text: MessageText | None = None
    media_id: str | None = Field(default=None, min_length=1, max_length=64)
    client_message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Makes a retried send return the first message instead of a second one.",
    )

    @model_validator(mode="after")
    def _says_something(self) -> MessageCreate:
        if self.text is None and self.media_id is None:
            raise ValueError("a message needs text or a media_id")
        return self


class MessageReadUpTo(Schema):
    model_config = ConfigDict(extra="forbid")

    up_to: str = Field(pattern=ULID_PATTERN, description="A message id.")


class StoryReply(Schema):
    model_config = ConfigDict(extra="forbid")

    text: MessageText
    client_message_id: str | None = Field(default=None, min_length=1, max_length=64)


EMOJI_LENGTH = 16  # code points: the longest emoji sequences (families, flags) fit


def _an_emoji(value: str) -> str:
    """One emoji (or a short sequence of them): no spaces, no letters or digits but as part
    of a keycap, at least one symbol."""
    if any(c.isspace() for c in value):
        raise ValueError("must be an emoji, without spaces")
    symbols = [c for c in value if unicodedata.category(c) in ("So", "Sk", "Me")]
    if not symbols or any(c.isascii() and c.isalpha() for c in value):
        raise ValueError("must be an emoji")
    return value


class ReactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    emoji: Annotated[str, Text(EMOJI_LENGTH, visible=True), AfterValidator(_an_emoji)] = Field(
        description="One emoji; reacting again replaces your reaction."
    )


class MessageOut(Schema):
    message_id: str
    conversation_id: str
    sender: UserSummary | None = Field(description="null for a deleted account")
    text: str | None = None
    media: MediaOut | None = None
    story_id: str | None = Field(default=None, description="A reply to this story.")
    client_message_id: str | None = None
    reactions: dict[str, int] = Field(
        default_factory=dict, description="How many members reacted with each emoji."
    )
    my_reaction: str | None = Field(default=None, description="Your reaction, if any.")
    created_at: Timestamp
    removed: bool = False  # a moderator removed it: only its sender sees it


class ConversationOut(Schema):
    conversation_id: str
    members: list[UserSummary] = Field(description="The other members (you are not listed).")
    is_group: bool
    last_message: MessageOut | None = None
    unread_count: int = Field(
        description="Messages from others after your read marker (99+ is 100)."
    )
    is_request: bool = Field(
        description="A conversation started by someone you don't follow, until you accept it."
    )
    updated_at: Timestamp
