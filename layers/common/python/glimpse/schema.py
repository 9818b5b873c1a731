"""The base of Glimpse's pydantic models (requests, responses, events).

A model's validator and serializer are built the first time it is used, not when its class is
defined (`defer_build`): a function imports the schemas of every route and event it knows, and
a cold start then pays only for those its first request touches.
"""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)
