"""Media upload slots: `POST /media`, `GET /media/{media_id}`, `DELETE /media/{media_id}`."""

from typing import Any

from glimpse.api.identity import caller
from glimpse.api.params import IdempotencyKey
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.idempotency import created_once
from glimpse.media import service
from glimpse.media.schemas import FilterList, MediaCreate, MediaOut, UploadOut
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "idempotency_table",
    "media_bucket",
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

plumbing = Plumbing.of("media")
metrics = plumbing.metrics
app = create_app()


@app.post(
    "/media",
    status_code=201,
    tags=["media"],
    summary="Open an upload slot: a presigned S3 POST (send Idempotency-Key to retry safely)",
)
def create_media(body: MediaCreate, idempotency_key: IdempotencyKey = None) -> UploadOut:
    created = create_upload_once(caller(app).user_id, idempotency_key, body.model_dump())
    return UploadOut.model_validate(created)


def _create_upload(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    created = service.create_upload(user_id, MediaCreate.model_validate(body))
    metrics.add_metric(name="UploadSlots", unit=MetricUnit.Count, value=1)
    return created.model_dump(mode="json")


create_upload_once = created_once("create_media", _create_upload)


@app.get("/media/filters", tags=["media"], summary="The filter presets an upload may name")
def list_filters() -> FilterList:
    caller(app)  # signed-in callers only, like every media route
    return service.list_filters()


@app.get("/media/<media_id>", tags=["media"], summary="A media item and its renditions")
def get_media(media_id: str) -> MediaOut:
    return service.get_media(caller(app).user_id, media_id)


@app.delete(
    "/media/<media_id>",
    tags=["media"],
    summary="Delete an upload of yours that nothing uses, with its files",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_media(media_id: str) -> Response[None]:
    service.delete_media(caller(app).user_id, media_id)
    metrics.add_metric(name="MediaDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204)


lambda_handler = plumbing.http(app)
