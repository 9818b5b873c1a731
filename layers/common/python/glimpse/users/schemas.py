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
