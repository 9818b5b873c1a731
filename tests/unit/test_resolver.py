"""The shared resolver turns every failure into API.md's error body."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field

from glimpse.api.resolver import create_app, percent_decoded
from glimpse.config import get_settings
from glimpse.errors import Conflict, RateLimited
from tests.conftest import FakeContext, load_event

app = create_app()


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AWS here: the rate limits (glimpse.api.limits, tested on their own) are off."""
    monkeypatch.setenv("RATE_LIMIT_SCALE", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class Body(BaseModel):
    name: str = Field(max_length=3)


@app.post("/auth/signup")
def create(body: Body) -> dict[str, str]:
    if body.name == "dup":
        raise Conflict("taken", [{"field": "name", "message": "taken"}])
    if body.name == "hot":
        raise RateLimited("slow down", retry_after_seconds=7)
    if body.name == "bug":
        raise RuntimeError("secret stack detail")
    return {"name": body.name}


def post(body: str) -> tuple[int, dict, dict]:
    response = app.resolve(load_event("auth/signup", body=body), FakeContext())
    headers = {**(response.get("headers") or {})}
    headers.update({k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()})
    return response["statusCode"], json.loads(response["body"]), headers


def test_validation_error_lists_fields() -> None:
    status, body, _ = post(json.dumps({"name": "toolong"}))
    assert status == 400
    assert body["error"]["code"] == "bad_request"
    assert body["error"]["details"][0]["field"] == "name"


def test_domain_errors_carry_status_details_and_headers() -> None:
    assert post(json.dumps({"name": "dup"}))[:2] == (
        409,
        {
            "error": {
                "code": "conflict",
                "message": "taken",
                "details": [{"field": "name", "message": "taken"}],
            }
        },
    )
    status, body, headers = post(json.dumps({"name": "hot"}))
    assert (status, body["error"]["code"], headers.get("Retry-After")) == (429, "rate_limited", "7")


def test_unexpected_errors_are_500_without_details() -> None:
    status, body, _ = post(json.dumps({"name": "bug"}))
    assert status == 500
    assert body["error"]["code"] == "internal"
    assert "secret" not in json.dumps(body)


def test_unknown_route_is_404_json() -> None:
    event = load_event("auth/signup", path="/nowhere", resource="/nowhere")
    response = app.resolve(event, FakeContext())
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "not_found"


def test_a_delete_body_that_cannot_be_read_is_refused_before_routing() -> None:
    """`DELETE /me` reads a body: one Powertools could not read is a 415 or a 400 before
    routing (it would answer a 500), as for `POST`."""
    for content_type, body, status in (
        ("multipart/form-data", '{"password": "x"}', 415),
        ("application/json", '{"password": ', 400),
    ):
        event = load_event(
            "auth/signup", httpMethod="DELETE", headers={"Content-Type": content_type}, body=body
        )
        assert app.resolve(event, FakeContext())["statusCode"] == status


def test_path_parameters_are_decoded_as_utf_8_or_refused() -> None:
    assert percent_decoded("caf%C3%A9") == "café"
    assert percent_decoded("caf%c3%a9+au%20lait") == "café+au lait"  # `+` is not a space
    assert percent_decoded("a%2Fb%25") == "a/b%"
    for broken in ("caf%E9", "%C3", "%ED%A0%80", "100%", "%G1", "%%41"):
        with pytest.raises(ValueError, match=r"escape|UTF-8"):
            percent_decoded(broken)
