"""The parameters routes share: the query parameters every list route takes, the header of
every route that creates something (validated by the resolver, in OpenAPI)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (default 20).")]
Cursor = Annotated[
    str | None, Query(max_length=4096, description="`next_cursor` of the previous page.")
]

# The key of a create that is safe to retry (glimpse.idempotency.created_once keeps its answer).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Makes a retry safe: the same key and body within 24 h return the first "
        "response and create nothing new.",
    ),
]
