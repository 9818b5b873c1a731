"""The home feed: `GET /feed`."""

from typing import Annotated

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import create_app
from glimpse.feed import service
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.posts.schemas import PostOut
from glimpse.served import served

from aws_lambda_powertools.event_handler.openapi.params import Query

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "feed_table",
    "media_cdn_domain",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "media_table",
    "posts_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("feed")
app = create_app()


@app.get("/feed", tags=["feed"], summary="Posts of followed accounts and your own")
def get_feed(
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    order: Annotated[service.Order, Query(description="chronological (default) or ranked")] = (
        "chronological"
    ),
) -> Page[PostOut]:
    user_id = caller(app).user_id
    page = service.feed(user_id, limit, cursor, order)
    served(plumbing.logger, user_id, posts=(post.post_id for post in page.items))
    return page


lambda_handler = plumbing.http(app)
