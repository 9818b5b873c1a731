"""Open routes: `GET /health`, `GET /openapi.json` (the merged document), `GET /asyncapi.json`
(the WebSocket frames) and `GET /docs`."""

import json
from functools import cache
from importlib import resources
from pathlib import Path

from glimpse.api.resolver import create_app
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ()

plumbing = Plumbing.of("docs", traced=False)
app = create_app(validation=False)  # its routes take no parameters


@cache
def _openapi_text(server: str) -> str:
    """The OpenAPI document merged from every function at build time (`make openapi`), with
    `servers` pointing where this request came in."""
    document = json.loads(
        resources.files("glimpse").joinpath("openapi.json").read_text(encoding="utf-8")
    )
    document["servers"] = [{"url": server}]
    return json.dumps(document)


def _server() -> str:
    """The API's base path as the caller sees it: `/<stage>` on API Gateway's own domain
    (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`), `/` elsewhere (the local
    cloud, or a custom domain whose base path mapping hides the stage)."""
    event = app.current_event
    host = (event.headers.get("Host") or event.headers.get("host") or "").lower()
    stage = event.request_context.stage
    if ".execute-api." in host and stage:
        return f"/{stage}"
    return "/"


@cache
def _swagger_page(server: str) -> str:
    from aws_lambda_powertools.event_handler import api_gateway
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(api_gateway.__file__).parent / "openapi" / "swagger_ui"
    spec = _openapi_text(server).replace("</", "<\\/")
    js = (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    css = (assets / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(spec, js, css, "", None)


@app.get("/health", tags=["meta"], summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/openapi.json", tags=["meta"], summary="This API's OpenAPI 3 document")
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=_openapi_text(_server()))


@app.get(
    "/asyncapi.json",
    tags=["meta"],
    summary="The WebSocket API's AsyncAPI 3 document (its frames)",
    responses={
        200: {
            "description": "The AsyncAPI 3.0 document, generated from the typed frames.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def asyncapi() -> Response[str]:
    body = resources.files("glimpse").joinpath("asyncapi.json").read_text(encoding="utf-8")
    return Response(status_code=200, content_type="application/json", body=body)


@app.get(
    "/docs",
    tags=["meta"],
    summary="Swagger UI for this API",
    include_in_schema=True,
    responses={
        200: {
            "description": "An HTML page that browses this document.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def docs() -> Response[str]:
    return Response(status_code=200, content_type="text/html", body=_swagger_page(_server()))


lambda_handler = plumbing.http(app)
