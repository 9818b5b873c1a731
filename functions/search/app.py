"""Search and explore: `GET /search`, `GET /hashtags/{tag}/posts`, `GET /explore`; places:
`POST /places`, `GET /places/{place_id}`, `GET /places/{place_id}/posts`."""

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import create_app
from glimpse.directory import UserSummary
from glimpse.pagination import Page
from glimpse.places import service as places
from glimpse.places.schemas import PlaceCreate, PlaceOut
from glimpse.plumbing import Plumbing
from glimpse.posts.schemas import PostOut
from glimpse.search import service
from glimpse.search.schemas import HashtagOut, Near, SearchKind, SearchText, Tag
from glimpse.served import served

from aws_lambda_powertools.event_handler import Response

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
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("search", patch=("botocore", "httplib"))  # OpenSearch over HTTP
app = create_app()


@app.get(
    "/search",
    tags=["search"],
    summary="Accounts by name, hashtags with their post counts, public posts by caption, or "
    "places by name (nearest first with near)",
)
def search(
    q: SearchText,
    kind: SearchKind = "users",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    near: Near = None,
) -> Page[UserSummary] | Page[HashtagOut] | Page[PostOut] | Page[PlaceOut]:
    return service.search(caller(app).user_id, q, kind, limit, cursor, near)


@app.get(
    "/hashtags/<tag>/posts", tags=["search"], summary="Public posts with a hashtag, newest first"
)
def hashtag_posts(tag: Tag, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    user_id = caller(app).user_id
    page = service.hashtag_posts(user_id, tag, limit, cursor)
    served(plumbing.logger, user_id, posts=(post.post_id for post in page.items))
    return page


@app.get(
    "/explore",
    tags=["search"],
    summary="Public posts of accounts you do not follow, by engagement and freshness",
)
def explore(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[PostOut]:
    user_id = caller(app).user_id
    page = service.explore(user_id, limit, cursor)
    served(plumbing.logger, user_id, posts=(post.post_id for post in page.items))
    return page


@app.post(
    "/places",
    status_code=201,
    tags=["places"],
    summary="Add a place (the same name within 100 m is the existing place: 200)",
    responses={
        201: {"description": "The new place"},
        200: {"description": "The existing place of that name within 100 m"},
    },
)
def create_place(body: PlaceCreate) -> Response[PlaceOut]:
    caller(app)
    made = places.create(body.name, body.lat, body.lng)
    return Response(
        status_code=201 if made.created else 200,
        content_type="application/json",
        body=made.place,
    )


@app.get("/places/<place_id>", tags=["places"], summary="A place")
def get_place(place_id: str) -> PlaceOut:
    caller(app)
    return places.get(place_id)


@app.get(
    "/places/<place_id>/posts", tags=["places"], summary="Public posts at a place, newest first"
)
def place_posts(
    place_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[PostOut]:
    user_id = caller(app).user_id
    page = service.place_posts(user_id, place_id, limit, cursor)
    served(plumbing.logger, user_id, posts=(post.post_id for post in page.items))
    return page


lambda_handler = plumbing.http(app)
