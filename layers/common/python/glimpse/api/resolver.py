"""One way to build a REST resolver: pydantic validation, API.md's error body, CORS."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from glimpse.errors import GlimpseError, UnsupportedMediaType, error_body, field_error
from glimpse.models.transactions import RETRYABLE_ERRORS, Contention

CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    max_age=600,
)

logger = Logger(child=True)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body),
        headers=headers or {},
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        location = [str(part) for part in err.get("loc", ())]
        source = location[0] if location else "body"
        field = ".".join(location[1:]) or source
        detail = field_error(field, str(err.get("msg", "invalid value")))
        detail["in"] = source
        details.append(detail)
    return details


def create_app() -> APIGatewayRestResolver:
    """A resolver whose every failure is `{"error": {...}}` with the status API.md names."""
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS)

    @app.exception_handler(GlimpseError)
    def _domain_error(exc: GlimpseError) -> Response[Any]:
        return json_response(exc.status, exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        headers = app.current_event.headers
        content_type = (headers.get("content-type") or headers.get("Content-Type") or "").lower()
        if app.current_event.body and content_type and "json" not in content_type:
            # A missing Content-Type is read as JSON; anything else that is not JSON is refused.
            error = UnsupportedMediaType(f"Send the body as JSON, not {content_type}.")
            return json_response(error.status, error.body())
        details = _validation_details(exc)
        return json_response(400, error_body("bad_request", "The request is invalid.", details))

    @app.not_found
    def _no_route(_exc: NotFoundError) -> Response[Any]:
        path = app.current_event.path
        return json_response(404, error_body("not_found", f"No route for {path}."))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        if getattr(exc, "cause_response_code", None) in RETRYABLE_ERRORS:
            # A single write that met a transaction on its item, or throttling that outlasted
            # the SDK's retries: the client's 429, never a 500.
            busy = Contention()
            return json_response(busy.status, busy.body(), busy.headers)
        logger.exception("unhandled error")
        return json_response(500, error_body("internal", "Something went wrong on our side."))

    return app
