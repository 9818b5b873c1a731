"""The post and comment objects of API.md as pydantic models."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, field_validator

from glimpse.directory import UserSummary
from glimpse.inputs import Flag, Text
from glimpse.media.schemas import MediaOut
from glimpse.schema import Schema, Timestamp

MAX_CAPTION = 2200
MAX_COMMENT = 500
MAX_ALT_TEXT = 1000

Caption = Annotated[str, Text(MAX_CAPTION, lines=True)]
Location = Annotated[str, Text(100)]
# media_id -> its description; an empty text (or null, in an edit) takes it away.
AltTexts = dict[str, Annotated[str, Text(MAX_ALT_TEXT)] | None]

ALT_TEXTS = Field(
    default=None,
    max_length=10,
    description="media_id → a description of it for screen readers (≤ 1000 characters; "
    "empty or null: none). Each id must be one of the post's media.",
)


class PostCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    media_ids: list[str] = Field(min_length=1, max_length=10)
    caption: Caption = ""
    location: Location | None = None
    alt_texts: AltTexts | None = ALT_TEXTS
    hide_like_count: Flag = Field(
        default=False, description="Others see `like_count: null`; the author sees the count."
    )
    comments_disabled: Flag = Field(default=False, description="New comments are refused (403).")

    @field_validator("media_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each media item may appear once")
        return value


class PostEdit(Schema):
    """`PATCH /posts/{post_id}`: only the fields present change (as `PATCH /me`); an empty
    `location` or alt text takes it away. `place_id` is not taken: places are not built."""

    model_config = ConfigDict(extra="forbid")

    caption: Caption | None = None
    location: Location | None = Field(default=None, description='"" takes it away.')
    alt_texts: AltTexts | None = ALT_TEXTS
    hide_like_count: Flag | None = None
    comments_disabled: Flag | None = None


class PostOut(Schema):
    post_id: str
    author: UserSummary
    media: list[MediaOut]
    caption: str
    hashtags: list[str]
    mentions: list[str]
    location: str | None
    like_count: int | None = Field(
        description="null for anyone but the author when the author hides it"
    )
    hide_like_count: bool = False
    comment_count: int
    liked_by_me: bool
    comments_disabled: bool = False
    created_at: Timestamp
    edited_at: Timestamp | None = None
    # A moderator removed it: only its author sees it, with this set (API.md).
    removed: bool = False


class LikeOut(Schema):
    like_count: int | None = Field(description="null when the post's author hides it")
    liked_by_me: bool


class CommentCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Text(MAX_COMMENT, lines=True, visible=True)]
    # A reply: the comment it answers (a reply to a reply joins that reply's thread).
    reply_to: str | None = Field(default=None, min_length=1, max_length=64)


class CommentOut(Schema):
    comment_id: str
    post_id: str
    author: UserSummary
    text: str
    reply_to: str | None = None  # a reply: its top-level comment
    reply_count: int = 0
    like_count: int = 0
    liked_by_me: bool = False
    created_at: Timestamp
    removed: bool = False  # as on a post
