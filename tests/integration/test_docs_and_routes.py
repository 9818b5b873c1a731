"""The template, the handlers and the OpenAPI document describe the same API."""

from __future__ import annotations

import json

from functions.docs import app as docs
from infra.local.template import Template
from infra.openapi import DOCUMENT, build, handler_routes, render
from tests.conftest import ROOT, FakeContext, load_event

OPEN_ROUTES = {
    ("POST", "/auth/signup"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/confirm"),
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
}


def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def test_template_routes_are_the_handlers_routes() -> None:
    assert set(template().api_routes()) == set(handler_routes(template()))


def test_only_auth_health_and_docs_are_open() -> None:
    routes = template().api_routes()
    open_routes = {key for key, route in routes.items() if not route.needs_token}
    assert open_routes == OPEN_ROUTES


def test_shipped_openapi_document_is_fresh_and_marks_security() -> None:
    document = build(template())
    assert DOCUMENT.read_text() == render(document)
    assert document["paths"]["/me"]["get"]["security"] == [{"cognito": []}]
    assert document["paths"]["/auth/login"]["post"]["security"] == []


def test_health_and_openapi_handlers() -> None:
    response = docs.lambda_handler(load_event("docs/health"), FakeContext())
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"status": "ok"})
    response = docs.lambda_handler(load_event("docs/openapi"), FakeContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["info"]["title"] == "Glimpse API"
