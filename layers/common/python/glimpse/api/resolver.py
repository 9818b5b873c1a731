"""One way to build a REST resolver: pydantic validation of percent-decoded path parameters,
API.md's error body, CORS."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from glimpse.api.identity import group_refusal, identify
from glimpse.api.limits import limit, limit_headers
from glimpse.errors import (
    BUSY_ERROR_CODES,
    GlimpseError,
    UnsupportedMediaType,
    busy,
    error_body,
    field_error,
)

CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    # What a browser's script may read: the rate limits (glimpse.api.limits) and the request id.
    expose_headers=["Retry-After", "RateLimit", "RateLimit-Policy", "x-amzn-RequestId"],
    max_age=600,
)

logger = Logger(child=True)

# The OpenAPI `responses` of a route that answers 204 (Powertools would describe a JSON body).
NO_CONTENT: dict[int, Any] = {204: {"description": "Done; the response has no body."}}
ACCEPTED: dict[int, Any] = {202: {"description": "Accepted; the response has no body."}}


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


MAX_JSON_DEPTH = 32  # nesting a request body may have; no Glimpse request needs more than 3
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}  # DELETE /me reads a body (its password)


def body_refusal(event: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Why a request's body cannot be read as JSON, as (status, error body); None if it can.

    Powertools reads the body inside its validation and answers anything it cannot parse with a
    500: bytes that are not UTF-8, nesting deep enough to exhaust the parser's stack, an integer
    beyond Python's 4,300 digits, a content type it has no parser for. Checked before routing.
    """
    body = event.get("body")
    if not body or str(event.get("httpMethod", "")).upper() not in BODY_METHODS:
        return None  # a GET body is never read
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json":
        error = UnsupportedMediaType(f"Send the body as JSON, not {content_type}.")
        return error.status, error.body()
    try:
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode()
        text = raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return _bad_body("The body is not valid UTF-8.")
    try:
        parsed = json.loads(text)
    except RecursionError:
        return _bad_body(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        return _bad_body(f"The body is not valid JSON: {exc}.")
    if _depth(parsed) > MAX_JSON_DEPTH:
        return _bad_body(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    return None


def _bad_body(message: str) -> tuple[int, dict[str, Any]]:
    return 400, error_body("bad_request", message, [field_error("body", message)])


# A `%` that does not start an escape: two hex digits must follow it.
_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def percent_decoded(text: str) -> str:
    """`text` with its percent-escapes decoded as UTF-8 (`caf%C3%A9` is `café`; `+` stays a
    `+`). ValueError for a `%` without two hex digits, or escapes that are not UTF-8."""
    if _BROKEN_ESCAPE.search(text):
        raise ValueError("a % must start an escape of two hex digits")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("its percent-escapes are not UTF-8") from None


def path_refusal(event: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Why a request's path cannot be percent-decoded, as (status, error body); None if it can.

    API Gateway's REST events carry the path as the client sent it, escapes and all; the
    resolver decodes each path parameter after matching (GlimpseResolver), so a path that
    cannot be decoded is refused before routing."""
    try:
        percent_decoded(str(event.get("path") or ""))
    except ValueError as exc:
        message = f"The path cannot be read: {exc}."
        detail = {**field_error("path", message), "in": "path"}
        return 400, error_body("bad_request", message, [detail])
    return None


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class GlimpseResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, which first refuses paths and bodies it could not read (see
    above), and gives routes their path parameters percent-decoded."""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        refused = group_refusal(event) or path_refusal(event) or body_refusal(event)
        if refused is None:
            return super().resolve(_lowercase_content_type(event), context)
        status, payload = refused
        return {
            "statusCode": status,
            "body": json.dumps(payload),
            "isBase64Encoded": False,
            "multiValueHeaders": {
                "Content-Type": ["application/json"],
                "Access-Control-Allow-Origin": ["*"],
            },
        }

    def _convert_matches_into_route_keys(self, match: re.Match[str]) -> dict[str, str]:
        """The path parameters, decoded before validation sees them. Powertools takes them from
        the path as sent (so `%2F` stays inside its segment) and never decodes them; a path
        that cannot be decoded never gets here (path_refusal)."""
        return {name: percent_decoded(value) for name, value in match.groupdict().items()}


def _lowercase_content_type(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """Media types are case-insensitive; Powertools compares `application/json` exactly."""
    headers = dict(event.get("headers") or {})
    multi = dict(event.get("multiValueHeaders") or {})
    changed = False
    for name in [k for k in headers if k.lower() == "content-type"]:
        headers[name], changed = str(headers[name]).lower(), True
    for name in [k for k in multi if k.lower() == "content-type"]:
        multi[name], changed = [str(v).lower() for v in multi[name] or []], True
    return {**event, "headers": headers, "multiValueHeaders": multi} if changed else event


def create_app(validation: bool = True) -> APIGatewayRestResolver:
    """A resolver whose every failure is `{"error": {...}}` with the status API.md names.

    `validation` (pydantic, a third of a cold start) only where routes take parameters or a
    body: the docs function's routes take none."""
    app = GlimpseResolver(enable_validation=validation, cors=CORS)
    app.use(middlewares=[identify, limit])

    @app.exception_handler(GlimpseError)
    def _domain_error(exc: GlimpseError) -> Response[Any]:
        return json_response(exc.status, exc.body(), {**limit_headers(app), **exc.headers})

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_exc: RequestUnsupportedContentType) -> Response[Any]:
        error = UnsupportedMediaType("Send the body as JSON.")
        return json_response(error.status, error.body(), limit_headers(app))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        details = _validation_details(exc)
        body = error_body("bad_request", "The request is invalid.", details)
        return json_response(400, body, limit_headers(app))

    @app.not_found
    def _no_route(_exc: NotFoundError) -> Response[Any]:
        path = app.current_event.path
        return json_response(404, error_body("not_found", f"No route for {path}."))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        if getattr(exc, "cause_response_code", None) in BUSY_ERROR_CODES:
            error = busy()
            return json_response(
                error.status, error.body(), {**limit_headers(app), **error.headers}
            )
        logger.exception("unhandled error")
        body = error_body("internal", "Something went wrong on our side.")
        return json_response(500, body, limit_headers(app))

    return app
