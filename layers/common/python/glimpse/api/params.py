"""The query parameters every list route takes (validated by the resolver, in OpenAPI)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (default 20).")]
Cursor = Annotated[
    str | None, Query(max_length=4096, description="`next_cursor` of the previous page.")
]
