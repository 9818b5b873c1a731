"""Who is calling: the Cognito claims API Gateway's authorizer put on the event."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from glimpse.errors import Unauthorized


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    username: str


def caller(app: APIGatewayRestResolver) -> Caller:
    """The signed-in user. API Gateway guarantees the claims; a missing claim is still a 401."""
    claims = app.current_event.request_context.authorizer.claims or {}
    user_id = claims.get("sub")
    username = claims.get("cognito:username")
    if not user_id or not username:
        raise Unauthorized("Sign in to use this route.")
    return Caller(user_id=str(user_id), username=str(username))
