"""The place object of API.md, and what `POST /places` takes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from glimpse.inputs import Text
from glimpse.schema import Schema

MAX_PLACE_NAME = 100  # API.md is silent: the free-text `location`'s limit
RADIUS_M = 100  # API.md: the same normalised name within 100 m is the same place

PlaceName = Annotated[str, Text(MAX_PLACE_NAME, visible=True)]
DEGREE_DIGITS = 7  # about 1 cm; DynamoDB refuses numbers under 1e-130 (a fuzzer's 1e-230)


def _to_a_centimetre(degrees: float) -> float:
    return round(degrees, DEGREE_DIGITS) + 0.0  # + 0.0: no -0.0


# JSON numbers only ("1.5" is refused); finite by the bounds; kept to about a centimetre.
Latitude = Annotated[
    float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True), AfterValidator(_to_a_centimetre)
]
Longitude = Annotated[
    float,
    Field(ge=-180, le=180, allow_inf_nan=False, strict=True),
    AfterValidator(_to_a_centimetre),
]


class PlaceCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlaceName = Field(
        description="≤ 100 characters. The same name (whatever its case, accents and spaces) "
        "within 100 m is the same place."
    )
    lat: Latitude
    lng: Longitude


class PlaceOut(Schema):
    place_id: str
    name: str
    lat: float
    lng: float
    post_count: int = Field(
        description="Posts there of public accounts (counted from events: a moment behind)."
    )
