"""The template, the handlers and the OpenAPI document describe the same API."""

from __future__ import annotations

import json

from functions.docs import app as docs
from infra.asyncapi import DOCUMENT as ASYNCAPI
from infra.local.template import Template
from infra.openapi import DOCUMENT, build, handler_routes, render
from tests.conftest import ROOT, FakeContext, load_event

OPEN_ROUTES = {
    ("POST", "/auth/signup"),
    ("POST", "/auth/login"),
    ("POST", "/auth/login/totp"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/confirm"),
    ("POST", "/auth/forgot-password"),
    ("POST", "/auth/resend-code"),
    ("POST", "/auth/reset-password"),
    ("POST", "/auth/logout"),
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/asyncapi.json"),
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
    response = docs.lambda_handler(load_event("docs/asyncapi"), FakeContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == json.loads(ASYNCAPI.read_text())


def test_the_document_says_what_each_route_answers() -> None:
    """204 routes (and 202 ones that say so) have no body; /docs is HTML; every other success
    is JSON."""
    import ast

    document = build(template())
    no_content: dict[tuple[str, str], str] = {}
    for path in (ROOT / "functions").glob("*/app.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            status = next(
                (getattr(k.value, "value", None) for k in node.keywords if k.arg == "status_code"),
                None,
            )
            bodiless = status == 204 or (status == 202 and "ACCEPTED" in ast.unparse(node))
            if bodiless:
                route = str(getattr(node.args[0], "value", ""))
                key = (node.func.attr.upper(), route.replace("<", "{").replace(">", "}"))
                no_content[key] = str(status)
    assert len(no_content) == 39  # with POST /auth/resend-code's 202
    for (method, path), operation in (
        ((m.upper(), p), o) for p, ops in document["paths"].items() for m, o in ops.items()
    ):
        successes = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
        if (method, path) in no_content:
            assert list(successes) == [no_content[(method, path)]], (method, path)
            assert "content" not in successes[no_content[(method, path)]]
        elif path == "/docs":
            assert list(successes["200"]["content"]) == ["text/html"]
        else:
            assert all("application/json" in r["content"] for r in successes.values()), path


def test_servers_point_at_the_stage_on_api_gateways_own_domain() -> None:
    for host, expected in (
        ("abc123.execute-api.eu-west-1.amazonaws.com", "/dev"),
        ("api.example.com", "/"),
        ("127.0.0.1:3000", "/"),
    ):
        event = load_event("docs/openapi")
        event["headers"]["Host"] = host
        event["multiValueHeaders"]["Host"] = [host]
        event["requestContext"]["stage"] = "dev"
        response = docs.lambda_handler(event, FakeContext())
        assert json.loads(response["body"])["servers"] == [{"url": expected}], host
