"""The home feed: `GET /feed`."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import create_app
from glimpse.feed import service
from glimpse.pagination import Page
from glimpse.posts.schemas import PostOut

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "feed_table",
    "media_cdn_domain",
    "media_table",
    "posts_table",
    "users_table",
)

logger = Logger(service="feed")
tracer = Tracer(service="feed")
app = create_app()


@app.get("/feed", tags=["feed"], summary="Posts of followed accounts and your own")
def get_feed(
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    order: Annotated[service.Order, Query(description="chronological (default) or ranked")] = (
        "chronological"
    ),
) -> Page[PostOut]:
    return service.feed(caller(app).user_id, limit, cursor, order)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
