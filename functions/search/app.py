"""Search and explore: `GET /search`, `GET /hashtags/{tag}/posts`, `GET /explore`."""

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import create_app
from glimpse.directory import UserSummary
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.posts.schemas import PostOut
from glimpse.search import service
from glimpse.search.schemas import HashtagOut, SearchKind, SearchText, Tag

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "media_cdn_domain",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "media_table",
    "opensearch_endpoint",
    "posts_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("search", patch=("botocore", "httplib"))  # OpenSearch over HTTP
app = create_app()


@app.get(
    "/search",
    tags=["search"],
    summary="Accounts by name, hashtags with their post counts, or public posts by caption",
)
def search(
    q: SearchText,
    kind: SearchKind = "users",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[UserSummary] | Page[HashtagOut] | Page[PostOut]:
    return service.search(caller(app).user_id, q, kind, limit, cursor)


@app.get(
    "/hashtags/<tag>/posts", tags=["search"], summary="Public posts with a hashtag, newest first"
)
def hashtag_posts(tag: Tag, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    return service.hashtag_posts(caller(app).user_id, tag, limit, cursor)


@app.get(
    "/explore",
    tags=["search"],
    summary="Public posts of accounts you do not follow, by engagement and freshness",
)
def explore(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    return service.explore(caller(app).user_id, limit, cursor)


lambda_handler = plumbing.http(app)
