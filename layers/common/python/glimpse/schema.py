"""The base of Glimpse's pydantic models (requests, responses, events).

A model's validator and serializer are built the first time it is used, not when its class is
defined (`defer_build`): a function imports the schemas of every route and event it knows, and
a cold start then pays only for those its first request touches.
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from glimpse.clock import iso


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)


# A datetime that serialises as API.md's time format (also in the OpenAPI document).
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-11-21T09:30:00.123Z"}
    ),
]
