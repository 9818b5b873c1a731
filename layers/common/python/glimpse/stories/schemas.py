"""The story objects of API.md as pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from glimpse.directory import UserSummary
from glimpse.inputs import Text
from glimpse.media.schemas import MediaOut
from glimpse.schema import Schema, Timestamp

Audience = Literal["followers", "close_friends"]
MAX_HIGHLIGHT_STORIES = 100
MAX_CLOSE_FRIENDS = 100


def _distinct(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each item may appear once")
    return value


class StoryCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    media_id: str = Field(min_length=1, max_length=64)
    audience: Audience = "followers"


class StoryOut(Schema):
    story_id: str
    author: UserSummary
    media: MediaOut
    audience: Audience = Field(
        description="Who sees it: the owner's followers, or only their close friends."
    )
    created_at: Timestamp
    expires_at: Timestamp
    seen_by_me: bool
    view_count: int | None = Field(default=None, description="The owner's own stories only.")
    removed: bool = False  # a moderator removed it: only its owner sees it


class StoryList(Schema):
    items: list[StoryOut]


class TrayEntry(Schema):
    user: UserSummary
    story_count: int
    latest_at: Timestamp
    has_unseen: bool


class Tray(Schema):
    items: list[TrayEntry]


class Viewer(UserSummary):
    liked: bool


class HighlightCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Text(64, visible=True)]
    story_ids: list[str] = Field(min_length=1, max_length=MAX_HIGHLIGHT_STORIES)

    _unique = field_validator("story_ids")(_distinct)


class HighlightPatch(Schema):
    """`PATCH /highlights/{highlight_id}`: only the fields present change."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Text(64, visible=True)] | None = None
    story_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_HIGHLIGHT_STORIES,
        description="The highlight's stories, in order: those it keeps already (live or not) "
        "and your own live stories whose media are ready.",
    )

    @field_validator("story_ids")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _distinct(value)


class HighlightOut(Schema):
    highlight_id: str
    title: str
    stories: list[StoryOut]


class CloseFriends(Schema):
    model_config = ConfigDict(extra="forbid")

    usernames: list[str] = Field(max_length=MAX_CLOSE_FRIENDS)

    _unique = field_validator("usernames")(_distinct)
