"""The post and comment objects of API.md as pydantic models."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from glimpse.directory import UserSummary
from glimpse.inputs import Text
from glimpse.media.schemas import MediaOut
from glimpse.schema import Schema, Timestamp

MAX_CAPTION = 2200
MAX_COMMENT = 500


class PostCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    media_ids: list[str] = Field(min_length=1, max_length=10)
    caption: Annotated[str, Text(MAX_CAPTION, lines=True)] = ""
    location: Annotated[str, Text(100)] | None = None

    @field_validator("media_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each media item may appear once")
        return value


class PostOut(Schema):
    post_id: str
    author: UserSummary
    media: list[MediaOut]
    caption: str
    hashtags: list[str]
    mentions: list[str]
    location: str | None
    like_count: int
    comment_count: int
    liked_by_me: bool
    created_at: Timestamp
    # A moderator removed it: only its author sees it, with this set (API.md).
    removed: bool = False


class LikeOut(Schema):
    like_count: int
    liked_by_me: bool


class CommentCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Text(MAX_COMMENT, lines=True, visible=True)]


class CommentOut(Schema):
    comment_id: str
    post_id: str
    author: UserSummary
    text: str
    created_at: Timestamp
    removed: bool = False  # as on a post
