"""Who is calling: the Cognito claims API Gateway's authorizer put on the event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from glimpse import sessions
from glimpse.errors import Forbidden, Unauthorized, error_body

# What an account waiting to be erased may do (glimpse.auth.leaving): come back.
WHILE_LEAVING = frozenset({("POST", "/me/restore")})


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    username: str


def identify(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Middleware (every route): the caller from the authorizer's claims, into the context;
    a token whose session has ended (glimpse.sessions) is a 401, and a deleted account's
    calls but those of WHILE_LEAVING are a 403."""
    claims = app.current_event.request_context.authorizer.claims or {}
    user_id, username = claims.get("sub"), claims.get("cognito:username")
    found = Caller(str(user_id), str(username)) if user_id and username else None
    if found is not None and not sessions.is_live(found.user_id, claims):
        raise Unauthorized("This session has ended; sign in again.")
    if found is not None and sessions.pending_deletion(found.user_id):
        route = (app.current_event.http_method, app.current_event.resource)
        if route not in WHILE_LEAVING:
            raise Forbidden("This account is deleted; POST /me/restore brings it back.")
    app.append_context(caller=found, claims=dict(claims))  # type: ignore[no-untyped-call]
    return next_middleware(app)


MODERATORS = "moderators"  # the user-pool group (template.yaml)
MODERATED = "/moderation/"  # every route under it is the moderators' alone


def groups_of(claims: Mapping[str, Any]) -> set[str]:
    """The caller's user-pool groups from `cognito:groups`, as API Gateway passes it: one
    string (`a,b` from a REST API authorizer; `[a b]` or a JSON list elsewhere)."""
    raw = str(claims.get("cognito:groups") or "").strip().strip("[]")
    return {g.strip().strip('"') for g in re.split(r"[,\s]+", raw) if g.strip().strip('"')}


def group_refusal(event: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """A 403 for a moderators' route called by anyone else, before anything else of the
    request is looked at (its body's validation included: API.md says 403 for anyone else)."""
    if not str(event.get("resource") or "").startswith(MODERATED):
        return None
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    if MODERATORS in groups_of(claims):
        return None
    return 403, error_body("forbidden", "Only moderators may use this route.")


def moderator(app: APIGatewayRestResolver) -> Caller:
    """The caller, if a member of the moderators group (403 otherwise). Membership is what
    the caller's ID token says: someone added to the group signs in again to act."""
    found = caller(app)
    if MODERATORS not in groups_of(app.context.get("claims") or {}):
        raise Forbidden("Only moderators may use this route.")
    return found


def session_id(app: APIGatewayRestResolver) -> str | None:
    """The caller's sign-in (Cognito's `origin_jti`, kept through refreshes), if any."""
    claims = app.context.get("claims") or {}
    return str(claims["origin_jti"]) if claims.get("origin_jti") else None


def caller(app: APIGatewayRestResolver) -> Caller:
    """The signed-in user. API Gateway guarantees the claims; a missing claim is still a 401."""
    found = app.context.get("caller")
    if not isinstance(found, Caller):
        raise Unauthorized("Sign in to use this route.")
    return found
