"""The post and comment objects of API.md as pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from glimpse.directory import UserSummary
from glimpse.inputs import ULID_PATTERN, USERNAME_PATTERN, Flag, Text
from glimpse.media.schemas import MediaOut
from glimpse.places.schemas import PlaceOut
from glimpse.schema import Schema, Timestamp

MAX_CAPTION = 2200
MAX_COMMENT = 500
MAX_ALT_TEXT = 1000

Caption = Annotated[str, Text(MAX_CAPTION, lines=True)]
Location = Annotated[str, Text(100)]
PlaceId = Annotated[str, Field(pattern=ULID_PATTERN)]
# media_id -> its description; an empty text (or null, in an edit) takes it away.
AltTexts = dict[str, Annotated[str, Text(MAX_ALT_TEXT)] | None]

ALT_TEXTS = Field(
    default=None,
    max_length=10,
    description="media_id → a description of it for screen readers (≤ 1000 characters; "
    "empty or null: none). Each id must be one of the post's media.",
)
MAX_TAGS = 20  # API.md: people tagged in one post
MAX_COLLECTION_NAME = 64  # API.md is silent: a display name's limit


class TagIn(Schema):
    """Someone tagged in one of the post's media items, at (x, y) in 0..1 (left, top: 0)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN)
    media_id: str
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class PostCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    media_ids: list[str] = Field(min_length=1, max_length=10)
    caption: Caption = ""
    location: Location | None = None
    place_id: PlaceId | None = Field(default=None, description="A place (`POST /places`).")
    alt_texts: AltTexts | None = ALT_TEXTS
    hide_like_count: Flag = Field(
        default=False, description="Others see `like_count: null`; the author sees the count."
    )
    comments_disabled: Flag = Field(default=False, description="New comments are refused (403).")
    tags: list[TagIn] = Field(default_factory=list, max_length=MAX_TAGS)

    @field_validator("media_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each media item may appear once")
        return value


class PostEdit(Schema):
    """`PATCH /posts/{post_id}`: only the fields present change (as `PATCH /me`); an empty
    `location`, `place_id` or alt text takes it away."""

    model_config = ConfigDict(extra="forbid")

    caption: Caption | None = None
    location: Location | None = Field(default=None, description='"" takes it away.')
    place_id: PlaceId | Literal[""] | None = Field(
        default=None, description='A place (`POST /places`); "" takes it away.'
    )
    alt_texts: AltTexts | None = ALT_TEXTS
    hide_like_count: Flag | None = None
    comments_disabled: Flag | None = None


class TagOut(Schema):
    user: UserSummary
    media_id: str
    x: float
    y: float


class PostOut(Schema):
    post_id: str
    author: UserSummary
    media: list[MediaOut]
    caption: str
    hashtags: list[str]
    mentions: list[str]
    location: str | None
    place: PlaceOut | None = None
    like_count: int | None = Field(
        description="null for anyone but the author when the author hides it"
    )
    hide_like_count: bool = False
    comment_count: int
    liked_by_me: bool
    comments_disabled: bool = False
    created_at: Timestamp
    edited_at: Timestamp | None = None
    tags: list[TagOut] = Field(default_factory=list)
    saved_by_me: bool = False
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


class SaveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    collection_id: str | None = None


class CollectionCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Text(MAX_COLLECTION_NAME, visible=True)]


class CollectionOut(Schema):
    collection_id: str
    name: str
