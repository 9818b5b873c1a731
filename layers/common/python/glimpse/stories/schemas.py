"""The story objects of API.md as pydantic models."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, StrictInt, field_validator, model_validator

from glimpse.directory import UserSummary
from glimpse.inputs import ULID_PATTERN, USERNAME_PATTERN, Text
from glimpse.media.schemas import MediaOut
from glimpse.places.schemas import PlaceOut
from glimpse.schema import Schema, Timestamp

Audience = Literal["followers", "close_friends"]
MAX_HIGHLIGHT_STORIES = 100
MAX_CLOSE_FRIENDS = 100


def _distinct(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each item may appear once")
    return value


# --------------------------------------------------------------------------- stickers
# API.md: at most 10 stickers a story; a link at most 2,048 characters; a poll 2..4 options; an
# answer at most 300 characters. Where it is silent: a question, prompt or option is a title's
# length (a poll's question and a prompt ≤ 100, an option ≤ 40), a slider's emoji ≤ 16.
MAX_STICKERS = 10
MAX_URL = 2048
MAX_ANSWER = 300
_TAG = re.compile(r"^\w{1,100}$")
Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Placed(Schema):
    """Where a sticker sits on the media: its centre (`x`, `y` in 0..1 from the left and the
    top), its `scale` (0.2..5) and `rotation` (degrees, -360..360). Overlay data: the media
    is never re-rendered."""

    model_config = ConfigDict(extra="forbid")

    x: Unit
    y: Unit
    scale: float = Field(default=1.0, ge=0.2, le=5, allow_inf_nan=False)
    rotation: float = Field(default=0.0, ge=-360, le=360, allow_inf_nan=False)


class MentionSticker(_Placed):
    type: Literal["mention"]
    username: str = Field(pattern=USERNAME_PATTERN)

    @field_validator("username")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class HashtagSticker(_Placed):
    type: Literal["hashtag"]
    tag: Annotated[str, Text(101, visible=True)] = Field(description="With or without its #")

    @field_validator("tag")
    @classmethod
    def _normal(cls, value: str) -> str:
        tag = value.strip().lstrip("#").lower()
        if not _TAG.match(tag):
            raise ValueError("must be one hashtag: letters, digits and _ (at most 100)")
        return tag


class PlaceSticker(_Placed):
    type: Literal["place"]
    place_id: str = Field(pattern=ULID_PATTERN)


class LinkSticker(_Placed):
    type: Literal["link"]
    url: str = Field(max_length=MAX_URL, description="https only, without credentials")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        return safe_url(value)


class PollSticker(_Placed):
    type: Literal["poll"]
    question: Annotated[str, Text(100, visible=True)]
    options: list[Annotated[str, Text(40, visible=True)]] = Field(min_length=2, max_length=4)

    @field_validator("options")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _distinct(value)


class SliderSticker(_Placed):
    type: Literal["slider"]
    prompt: Annotated[str, Text(100, visible=True)]
    emoji: Annotated[str, Text(16, visible=True)]


class QuestionSticker(_Placed):
    type: Literal["question"]
    prompt: Annotated[str, Text(100, visible=True)]


StickerIn = Annotated[
    MentionSticker
    | HashtagSticker
    | PlaceSticker
    | LinkSticker
    | PollSticker
    | SliderSticker
    | QuestionSticker,
    Field(discriminator="type"),
]


def safe_url(value: str) -> str:
    """A link sticker's URL: https, a host, no credentials (`user:pass@`), no spaces or
    control characters."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        raise ValueError("must be a URL") from None
    if parts.scheme.lower() != "https":
        raise ValueError("must be an https URL")
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials (user:password@)")
    if not parts.hostname:
        raise ValueError("must name a host")
    return value


class _Identified(Schema):
    sticker_id: str


class MentionStickerOut(MentionSticker, _Identified):
    pass


class HashtagStickerOut(HashtagSticker, _Identified):
    pass


class PlaceStickerOut(PlaceSticker, _Identified):
    pass


class LinkStickerOut(LinkSticker, _Identified):
    pass


class PollStickerOut(PollSticker, _Identified):
    results: list[int] | None = Field(
        default=None,
        description="Votes per option: shown to the story's owner and to those who voted, "
        "null for anyone else.",
    )
    my_vote: int | None = Field(default=None, description="The option you voted for, if any.")


class SliderStickerOut(SliderSticker, _Identified):
    average: float | None = Field(
        default=None, description="The owner's and voters' only (null for anyone else)."
    )
    count: int | None = Field(default=None, description="As `average`.")
    my_vote: float | None = Field(default=None, description="Your value, if you voted.")


class QuestionStickerOut(QuestionSticker, _Identified):
    pass


StickerOut = Annotated[
    MentionStickerOut
    | HashtagStickerOut
    | PlaceStickerOut
    | LinkStickerOut
    | PollStickerOut
    | SliderStickerOut
    | QuestionStickerOut,
    Field(discriminator="type"),
]


class VoteIn(Schema):
    """A poll's `option` (its index, from 0) or a slider's `value` (0..1): one of the two."""

    model_config = ConfigDict(extra="forbid")

    option: StrictInt | None = Field(default=None, ge=0, le=3)
    value: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False, strict=True)

    @model_validator(mode="after")
    def _one(self) -> VoteIn:
        if (self.option is None) == (self.value is None):
            raise ValueError("send one of option (a poll) and value (a slider)")
        return self


class PollResults(Schema):
    results: list[int]
    my_vote: int


class SliderResults(Schema):
    average: float
    count: int


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Text(MAX_ANSWER, lines=True, visible=True)]


class AnswerOut(Schema):
    answer_id: str
    user: UserSummary
    text: str
    created_at: Timestamp


class StoryCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    media_id: str = Field(min_length=1, max_length=64)
    audience: Audience = "followers"
    stickers: list[StickerIn] = Field(default_factory=list, max_length=MAX_STICKERS)
    place_id: str | None = Field(
        default=None, pattern=ULID_PATTERN, description="A place (`POST /places`)."
    )


class StoryOut(Schema):
    story_id: str
    author: UserSummary
    media: MediaOut
    audience: Audience = Field(
        description="Who sees it: the owner's followers, or only their close friends."
    )
    place: PlaceOut | None = None
    created_at: Timestamp
    expires_at: Timestamp
    seen_by_me: bool
    view_count: int | None = Field(default=None, description="The owner's own stories only.")
    stickers: list[StickerOut] = Field(default_factory=list)
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
