"""The social graph: follow, unfollow, requests, blocks, mutes, followers and following lists."""

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.directory import UserSummary
from glimpse.graph import mutes, service
from glimpse.graph.schemas import MutedUser, MuteSettings
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "events_table",
    "feed_table",
    "media_cdn_domain",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("graph")
metrics = plumbing.metrics
app = create_app()


class FollowOut(BaseModel):
    follow_status: service.FollowResult


@app.post("/users/<username>/follow", tags=["graph"], summary="Follow (or ask to follow)")
def follow(username: str) -> FollowOut:
    status = service.follow(caller(app).user_id, username)
    metrics.add_metric(name="Follows", unit=MetricUnit.Count, value=1)
    return FollowOut(follow_status=status)


@app.delete(
    "/users/<username>/follow",
    tags=["graph"],
    summary="Unfollow, or withdraw a request",
    status_code=204,
    responses=NO_CONTENT,
)
def unfollow(username: str) -> Response[None]:
    service.unfollow(caller(app).user_id, username)
    return Response(status_code=204)


@app.get("/users/<username>/followers", tags=["graph"], summary="Who follows a user")
def followers(
    username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[UserSummary]:
    return service.followers(caller(app).user_id, username, limit, cursor)


@app.get("/users/<username>/following", tags=["graph"], summary="Whom a user follows")
def following(
    username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[UserSummary]:
    return service.following(caller(app).user_id, username, limit, cursor)


@app.get("/me/follow-requests", tags=["graph"], summary="Pending requests to follow you")
def follow_requests(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[UserSummary]:
    return service.follow_requests(caller(app).user_id, limit, cursor)


@app.post(
    "/me/follow-requests/<username>/approve",
    tags=["graph"],
    summary="Approve a request",
    status_code=204,
    responses=NO_CONTENT,
)
def approve(username: str) -> Response[None]:
    service.approve(caller(app).user_id, username)
    return Response(status_code=204)


@app.post(
    "/me/follow-requests/<username>/deny",
    tags=["graph"],
    summary="Deny a request",
    status_code=204,
    responses=NO_CONTENT,
)
def deny(username: str) -> Response[None]:
    service.deny(caller(app).user_id, username)
    return Response(status_code=204)


@app.post(
    "/users/<username>/block",
    tags=["graph"],
    summary="Block (removes follows both ways)",
    status_code=204,
    responses=NO_CONTENT,
)
def block(username: str) -> Response[None]:
    service.block(caller(app).user_id, username)
    return Response(status_code=204)


@app.delete(
    "/users/<username>/block",
    tags=["graph"],
    summary="Unblock",
    status_code=204,
    responses=NO_CONTENT,
)
def unblock(username: str) -> Response[None]:
    service.unblock(caller(app).user_id, username)
    return Response(status_code=204)


@app.get("/me/blocked", tags=["graph"], summary="The accounts you block")
def blocked(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[UserSummary]:
    return service.blocked(caller(app).user_id, limit, cursor)


@app.delete(
    "/me/followers/<username>",
    tags=["graph"],
    summary="Remove a follower (they are not told)",
    status_code=204,
    responses=NO_CONTENT,
)
def remove_follower(username: str) -> Response[None]:
    service.remove_follower(caller(app).user_id, username)
    return Response(status_code=204)


@app.post(
    "/users/<username>/mute",
    tags=["graph"],
    summary="Mute an account's posts (feed), stories (tray) or both, silently",
    status_code=204,
    responses=NO_CONTENT,
)
def mute(username: str, body: MuteSettings) -> Response[None]:
    mutes.mute(caller(app).user_id, username, body)
    return Response(status_code=204)


@app.delete(
    "/users/<username>/mute",
    tags=["graph"],
    summary="Unmute",
    status_code=204,
    responses=NO_CONTENT,
)
def unmute(username: str) -> Response[None]:
    mutes.unmute(caller(app).user_id, username)
    return Response(status_code=204)


@app.get("/me/muted", tags=["graph"], summary="The accounts you mute, and what of each")
def muted(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[MutedUser]:
    return mutes.muted_list(caller(app).user_id, limit, cursor)


lambda_handler = plumbing.http(app)
