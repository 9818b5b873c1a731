"""The user objects of API.md as pydantic models (they also feed the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from glimpse.directory import UserSummary
from glimpse.graph.access import FollowStatus
from glimpse.inputs import DisplayName, Flag, Text
from glimpse.schema import Schema, Timestamp


class UserOut(UserSummary):
    bio: str
    is_private: bool
    followers_count: int
    following_count: int
    posts_count: int
    followed_by_me: bool = False
    follows_me: bool = False
    follow_status: FollowStatus = "none"


class MeOut(UserOut):
    email: str


class ProfilePatch(Schema):
    """`PATCH /me`: only the fields present change."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    bio: Annotated[str, Text(150, lines=True)] | None = None
    is_private: Flag | None = None
    avatar_media_id: str | None = Field(default=None, min_length=26, max_length=26)


class DeleteMeIn(Schema):
    """`DELETE /me`: the password, checked again."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)


class DeletionOut(Schema):
    erase_after: Timestamp


MAX_HIDDEN_WORDS = 500
MAX_HIDDEN_WORD = 100  # characters of one word or phrase
HiddenWord = Annotated[str, Text(MAX_HIDDEN_WORD, visible=True)]


class HiddenWordsIn(Schema):
    """`PUT /me/hidden-words`: the whole list, replacing the one stored."""

    model_config = ConfigDict(extra="forbid")

    words: list[HiddenWord] = Field(
        max_length=MAX_HIDDEN_WORDS,
        description="Words or phrases (each at most 100 characters, with a letter, a digit or "
        "a symbol such as an emoji), matched case- and accent-insensitively on whole words.",
    )
    hide_offensive: Flag = Field(description="Hide the built-in list of offensive words too.")


class HiddenWordsOut(Schema):
    words: list[str] = Field(description="As stored: one of each, in the order sent.")
    hide_offensive: bool
