"""Who is calling: the Cognito claims API Gateway's authorizer put on the event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from glimpse.errors import Unauthorized


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    username: str


def identify(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Middleware (every route): the caller from the authorizer's claims, into the context."""
    claims = app.current_event.request_context.authorizer.claims or {}
    user_id, username = claims.get("sub"), claims.get("cognito:username")
    found = Caller(str(user_id), str(username)) if user_id and username else None
    app.append_context(caller=found)  # type: ignore[no-untyped-call]
    return next_middleware(app)


def caller(app: APIGatewayRestResolver) -> Caller:
    """The signed-in user. API Gateway guarantees the claims; a missing claim is still a 401."""
    found = app.context.get("caller")
    if not isinstance(found, Caller):
        raise Unauthorized("Sign in to use this route.")
    return found
