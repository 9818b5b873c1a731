"""The merged OpenAPI document: every API function's resolver, one document, checked in.

Each function has its own resolver, and in AWS the docs function cannot import the others,
so the document is generated here at build time and shipped in the layer
(`glimpse/openapi.json`). `--check` fails when the shipped file is stale or when the
template's routes and the handlers' routes differ; `--write` regenerates it.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from infra.generated import parse_mode, write_or_check
from infra.local.template import Template
from infra.operation_ids import MissingOperationId, operation_id

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "layers/common/python/glimpse/openapi.json"
TITLE = "Glimpse API"
VERSION = "1.0.0"
SCHEME = "cognito"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": [
                        "bad_request",
                        "unauthorized",
                        "forbidden",
                        "not_found",
                        "conflict",
                        "payload_too_large",
                        "unsupported_media_type",
                        "rate_limited",
                        "internal",
                    ],
                },
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def handler_routes(template: Template) -> dict[tuple[str, str], str]:
    """`(METHOD, path)` → function, as the handlers' resolvers declare them."""
    routes: dict[tuple[str, str], str] = {}
    for logical_id in template.of_type("AWS::Serverless::Function"):
        app = _resolver(template, logical_id)
        if app is None:
            continue
        for route in app._static_routes + app._dynamic_routes:
            path = re.sub(r"<(\w+)>", r"{\1}", route.path)
            routes[(route.method.upper(), path)] = logical_id
    return routes


def _resolver(template: Template, logical_id: str) -> Any:
    module, _ = template.handler(logical_id)
    return getattr(importlib.import_module(module), "app", None)


def build(template: Template) -> dict[str, Any]:
    declared = template.api_routes()
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="Glimpse, an Instagram-style photo-sharing backend (reference: docs/api.md).",
        security_schemes={
            SCHEME: HTTPBearer.model_validate(
                {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The id_token from POST /auth/login",
                }
            )
        },
        on_conflict="error",
    )
    for logical_id in sorted({route.function for route in declared.values()}):
        app = _resolver(template, logical_id)
        merge.add_schema(app.get_openapi_schema(title=TITLE, version=VERSION))
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = declared[(method.upper(), path)]
            operation["operationId"] = operation_id(method, path)
            operation["security"] = [{SCHEME: []}] if route.needs_token else []
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # validation failures are 400s with the error body
            for bodiless in ("202", "204"):  # Powertools describes a JSON null: no body
                content = responses.get(bodiless, {}).get("content", {})
                if content.get("application/json", {}).get("schema", {}).get("type") == "null":
                    responses[bodiless].pop("content")
            for status in ("4XX", "5XX"):
                responses[status] = {
                    "description": 'Error: {"error": {"code", "message", "details"}}',
                    "content": {"application/json": {"schema": error}},
                }
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    write = parse_mode("python -m infra.openapi", __doc__, argv)
    template = Template.load(ROOT / "template.yaml")
    declared = set(template.api_routes())
    handled = set(handler_routes(template))
    if declared != handled:
        print("template.yaml and the handlers declare different routes:", file=sys.stderr)
        for method, path in sorted(declared - handled):
            print(f"  in the template only: {method} {path}", file=sys.stderr)
        for method, path in sorted(handled - declared):
            print(f"  in a handler only:    {method} {path}", file=sys.stderr)
        return 1
    try:
        text = render(build(template))
    except MissingOperationId as missing:
        print(missing, file=sys.stderr)
        return 1
    return write_or_check(DOCUMENT, text, write, f" ({len(declared)} routes)")


if __name__ == "__main__":
    sys.exit(main())
