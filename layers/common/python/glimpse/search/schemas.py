"""Search's query parameters and results (API.md, "Explore and search")."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import Field

from glimpse.directory import UserSummary
from glimpse.places.schemas import PlaceOut
from glimpse.posts.schemas import PostOut
from glimpse.schema import Schema

SearchType = Literal["users", "hashtags", "posts", "places"]

SearchText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        pattern=r"\S",
        description="What to look for: a username or name prefix, a tag, words of a caption.",
    ),
]
SearchKind = Annotated[
    SearchType, Query(alias="type", description="users (default), hashtags, posts or places")
]
Near = Annotated[
    str | None,
    Query(
        pattern=r"^\s*[-+]?\d{1,3}(\.\d+)?\s*,\s*[-+]?\d{1,3}(\.\d+)?\s*$",
        max_length=64,
        description="`lat,lng` (degrees): places nearest to it first (type=places only).",
    ),
]
Tag = Annotated[
    str,
    Path(
        pattern=r"^#?\w{1,100}$",
        description="A hashtag, without or with its `#` (case does not matter).",
    ),
]


class HashtagOut(Schema):
    tag: str
    post_count: int = Field(
        description="Posts that carry the tag that the caller may see on its page: public "
        "accounts' posts, but those of accounts blocked either way with the caller."
    )


SearchResult = UserSummary | HashtagOut | PostOut | PlaceOut
