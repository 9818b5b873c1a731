"""Posts, likes and comments; an author's posts."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse.api.identity import caller
from glimpse.api.resolver import create_app
from glimpse.errors import BadRequest, Conflict, field_error
from glimpse.idempotency import idempotent
from glimpse.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from glimpse.posts import service
from glimpse.posts.schemas import CommentCreate, CommentOut, LikeOut, PostCreate, PostOut
from glimpse.users.schemas import UserSummary

logger = Logger(service="posts")
tracer = Tracer(service="posts")
metrics = Metrics(service="posts")
app = create_app()
idempotency = IdempotencyConfig(
    event_key_jmespath="[user_id, key]",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


def _create(request: dict[str, Any]) -> dict[str, Any]:
    body = PostCreate.model_validate(request["body"])
    created = service.create_post(request["user_id"], body)
    metrics.add_metric(name="Posts", unit=MetricUnit.Count, value=1)
    return created.model_dump(mode="json")


_create_once = idempotent("create_post", idempotency, data_keyword_argument="request")(_create)


@app.post(
    "/posts",
    status_code=201,
    tags=["posts"],
    summary="Publish a post (send Idempotency-Key to make retries safe)",
)
def create_post(body: PostCreate) -> PostOut:
    user_id = caller(app).user_id
    key = app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get(
        "idempotency-key"
    )
    request = {"user_id": user_id, "key": key, "body": body.model_dump(mode="json")}
    if not key:
        return PostOut.model_validate(_create(request))
    if len(key) > 255:
        raise BadRequest(
            "Idempotency-Key is too long.", [field_error("Idempotency-Key", "max 255")]
        )
    try:
        return PostOut.model_validate(_create_once(request=request))
    except IdempotencyValidationError:
        raise Conflict("This Idempotency-Key was used with a different request body.") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("A request with this Idempotency-Key is still in progress.") from None


@app.get("/posts/<post_id>", tags=["posts"], summary="A post")
def get_post(post_id: str) -> PostOut:
    return service.get_post(caller(app).user_id, post_id)


@app.delete("/posts/<post_id>", tags=["posts"], summary="Delete your post")
def delete_post(post_id: str) -> Response[None]:
    service.delete_post(caller(app).user_id, post_id)
    return Response(status_code=204)


@app.get("/users/<username>/posts", tags=["posts"], summary="A user's posts, newest first")
def user_posts(username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    return service.user_posts(caller(app).user_id, username, limit, cursor)


@app.post("/posts/<post_id>/like", tags=["likes"], summary="Like a post (once per user)")
def like(post_id: str) -> LikeOut:
    return service.like(caller(app).user_id, post_id)


@app.delete("/posts/<post_id>/like", tags=["likes"], summary="Remove your like")
def unlike(post_id: str) -> LikeOut:
    return service.unlike(caller(app).user_id, post_id)


@app.get("/posts/<post_id>/likes", tags=["likes"], summary="Who liked a post")
def likers(post_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[UserSummary]:
    return service.likers(caller(app).user_id, post_id, limit, cursor)


@app.post("/posts/<post_id>/comments", status_code=201, tags=["comments"], summary="Comment")
def add_comment(post_id: str, body: CommentCreate) -> CommentOut:
    return service.add_comment(caller(app).user_id, post_id, body)


@app.get("/posts/<post_id>/comments", tags=["comments"], summary="Comments, oldest first")
def comments(post_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[CommentOut]:
    return service.comments(caller(app).user_id, post_id, limit, cursor)


@app.delete(
    "/posts/<post_id>/comments/<comment_id>",
    tags=["comments"],
    summary="Delete a comment (its author or the post's author)",
)
def delete_comment(post_id: str, comment_id: str) -> Response[None]:
    service.delete_comment(caller(app).user_id, post_id, comment_id)
    return Response(status_code=204)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
