"""Posts, likes and comments; an author's posts; saved posts and collections; tags."""

from typing import Annotated, Any

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, IdempotencyKey, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.directory import UserSummary
from glimpse.idempotency import created_once
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.posts import saves, service, tags
from glimpse.posts.schemas import (
    CollectionCreate,
    CollectionOut,
    CommentCreate,
    CommentOut,
    LikeOut,
    PostCreate,
    PostEdit,
    PostOut,
    SaveIn,
)
from glimpse.served import served

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "events_table",
    "idempotency_table",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "posts_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("posts")
metrics = plumbing.metrics
app = create_app()


def _create_post(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    created = service.create_post(user_id, PostCreate.model_validate(body))
    metrics.add_metric(name="Posts", unit=MetricUnit.Count, value=1)
    return created.model_dump(mode="json")


def _add_comment(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    comment = CommentCreate.model_validate({"text": body["text"], "reply_to": body.get("reply_to")})
    created = service.add_comment(user_id, body["post_id"], comment)
    metrics.add_metric(name="Comments", unit=MetricUnit.Count, value=1)
    return created.model_dump(mode="json")


def _create_collection(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    created = saves.create_collection(user_id, CollectionCreate.model_validate(body))
    return created.model_dump(mode="json")


create_post_once = created_once("create_post", _create_post)
add_comment_once = created_once("add_comment", _add_comment)
create_collection_once = created_once("create_collection", _create_collection)


@app.post(
    "/posts",
    status_code=201,
    tags=["posts"],
    summary="Publish a post (send Idempotency-Key to make retries safe)",
)
def create_post(body: PostCreate, idempotency_key: IdempotencyKey = None) -> PostOut:
    created = create_post_once(caller(app).user_id, idempotency_key, body.model_dump(mode="json"))
    return PostOut.model_validate(created)


@app.get("/posts/<post_id>", tags=["posts"], summary="A post")
def get_post(post_id: str) -> PostOut:
    user_id = caller(app).user_id
    post = service.get_post(user_id, post_id)
    served(plumbing.logger, user_id, posts=[post.post_id])
    return post


@app.patch(
    "/posts/<post_id>",
    tags=["posts"],
    summary="Edit your post: caption (hashtags and mentions parsed again), location, alt texts, "
    "hiding its like count, turning comments off",
)
def edit_post(post_id: str, body: PostEdit) -> PostOut:
    return service.edit_post(caller(app).user_id, post_id, body)


@app.delete(
    "/posts/<post_id>",
    tags=["posts"],
    summary="Delete your post",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_post(post_id: str) -> Response[None]:
    service.delete_post(caller(app).user_id, post_id)
    return Response(status_code=204)


@app.get("/users/<username>/posts", tags=["posts"], summary="A user's posts, newest first")
def user_posts(username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    user_id = caller(app).user_id
    page = service.user_posts(user_id, username, limit, cursor)
    served(plumbing.logger, user_id, posts=(post.post_id for post in page.items))
    return page


@app.post("/posts/<post_id>/like", tags=["likes"], summary="Like a post (once per user)")
def like(post_id: str) -> LikeOut:
    return service.like(caller(app).user_id, post_id)


@app.delete("/posts/<post_id>/like", tags=["likes"], summary="Remove your like")
def unlike(post_id: str) -> LikeOut:
    return service.unlike(caller(app).user_id, post_id)


@app.get("/posts/<post_id>/likes", tags=["likes"], summary="Who liked a post")
def likers(post_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[UserSummary]:
    return service.likers(caller(app).user_id, post_id, limit, cursor)


@app.post(
    "/posts/<post_id>/comments",
    status_code=201,
    tags=["comments"],
    summary="Comment (send Idempotency-Key to make retries safe)",
)
def add_comment(
    post_id: str, body: CommentCreate, idempotency_key: IdempotencyKey = None
) -> CommentOut:
    request = {"post_id": post_id, **body.model_dump(mode="json")}
    return CommentOut.model_validate(
        add_comment_once(caller(app).user_id, idempotency_key, request)
    )


@app.get("/posts/<post_id>/comments", tags=["comments"], summary="Comments, oldest first")
def comments(post_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[CommentOut]:
    return service.comments(caller(app).user_id, post_id, limit, cursor)


@app.get(
    "/posts/<post_id>/comments/<comment_id>/replies",
    tags=["comments"],
    summary="A comment's replies, oldest first",
)
def replies(
    post_id: str, comment_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[CommentOut]:
    return service.replies(caller(app).user_id, post_id, comment_id, limit, cursor)


@app.post(
    "/posts/<post_id>/comments/<comment_id>/like",
    tags=["comments"],
    summary="Like a comment or reply (once per user)",
)
def like_comment(post_id: str, comment_id: str) -> LikeOut:
    return service.like_comment(caller(app).user_id, post_id, comment_id)


@app.delete(
    "/posts/<post_id>/comments/<comment_id>/like",
    tags=["comments"],
    summary="Remove your like of a comment",
)
def unlike_comment(post_id: str, comment_id: str) -> LikeOut:
    return service.unlike_comment(caller(app).user_id, post_id, comment_id)


@app.delete(
    "/posts/<post_id>/comments/<comment_id>",
    tags=["comments"],
    summary="Delete a comment (its author or the post's author)",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_comment(post_id: str, comment_id: str) -> Response[None]:
    service.delete_comment(caller(app).user_id, post_id, comment_id)
    return Response(status_code=204)


@app.get(
    "/users/<username>/tagged",
    tags=["tags"],
    summary="The posts a user is tagged in (those the caller may see), newest first",
)
def tagged(username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    return tags.tagged_posts(caller(app).user_id, username, limit, cursor)


@app.delete(
    "/posts/<post_id>/tags/me",
    tags=["tags"],
    summary="Remove your tag from a post",
    status_code=204,
    responses=NO_CONTENT,
)
def untag(post_id: str) -> Response[None]:
    tags.untag(caller(app).user_id, post_id)
    return Response(status_code=204)


@app.post(
    "/posts/<post_id>/save",
    tags=["saved"],
    summary="Save a post (into one of your collections too)",
    status_code=204,
    responses=NO_CONTENT,
)
def save(post_id: str, body: Annotated[SaveIn | None, Body()] = None) -> Response[None]:
    saves.save(caller(app).user_id, post_id, body.collection_id if body else None)
    return Response(status_code=204)


@app.delete(
    "/posts/<post_id>/save",
    tags=["saved"],
    summary="Unsave a post (it leaves your collections too)",
    status_code=204,
    responses=NO_CONTENT,
)
def unsave(post_id: str) -> Response[None]:
    saves.unsave(caller(app).user_id, post_id)
    return Response(status_code=204)


@app.get("/me/saved", tags=["saved"], summary="Your saved posts, newest saved first")
def saved(
    collection_id: Annotated[str | None, Query(description="one of your collections")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[PostOut]:
    return saves.saved(caller(app).user_id, collection_id, limit, cursor)


@app.post(
    "/me/collections",
    status_code=201,
    tags=["saved"],
    summary="Create a collection (send Idempotency-Key to make retries safe)",
)
def create_collection(
    body: CollectionCreate, idempotency_key: IdempotencyKey = None
) -> CollectionOut:
    created = create_collection_once(
        caller(app).user_id, idempotency_key, body.model_dump(mode="json")
    )
    return CollectionOut.model_validate(created)


@app.get("/me/collections", tags=["saved"], summary="Your collections, oldest first")
def collections(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[CollectionOut]:
    return saves.collections(caller(app).user_id, limit, cursor)


@app.delete(
    "/me/collections/<collection_id>",
    tags=["saved"],
    summary="Delete a collection (its posts stay saved)",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_collection(collection_id: str) -> Response[None]:
    saves.delete_collection(caller(app).user_id, collection_id)
    return Response(status_code=204)


lambda_handler = plumbing.http(app)
