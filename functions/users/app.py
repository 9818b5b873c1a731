"""Profiles: `GET/PATCH /me`, `GET /users/{username}`."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse.api.identity import caller
from glimpse.api.resolver import create_app
from glimpse.users import service
from glimpse.users.schemas import MeOut, ProfilePatch, UserOut

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("events_table", "media_cdn_domain", "media_table", "users_table")

logger = Logger(service="users")
tracer = Tracer(service="users")
app = create_app()


@app.get("/me", tags=["profiles"], summary="The caller's own profile, with email")
def get_me() -> MeOut:
    return service.me(caller(app).user_id)


@app.patch("/me", tags=["profiles"], summary="Edit the caller's profile")
def patch_me(body: ProfilePatch) -> MeOut:
    return service.update_me(caller(app).user_id, body)


@app.get("/users/<username>", tags=["profiles"], summary="A user's public profile")
def get_user(username: str) -> UserOut:
    return service.view_user(caller(app).user_id, username)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
