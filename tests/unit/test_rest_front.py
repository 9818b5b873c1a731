"""The local cloud's REST front sends the proxy events API Gateway sends."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from infra.local.fronts.rest import Gateway, routes_from_template
from infra.local.template import Resolver, Template
from tests.conftest import ROOT


class Recorded:
    """A function runtime that keeps each event and answers 200."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, _function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}


class AnyToken:
    def claims(self, _header: str | None) -> dict[str, str]:
        return {"sub": "someone", "cognito:username": "someone"}


def test_the_path_and_its_parameters_arrive_percent_encoded() -> None:
    """As in AWS: decoding is the API's (glimpse.api.resolver), so a local run tests it."""
    template = Template.load(ROOT / "template.yaml")
    provisioned = Resolver(
        template,
        refs={name: name for name in template.resources},
        attributes={
            name: lambda attribute, n=name: f"{n}.{attribute}" for name in template.resources
        },
    )
    apis, routes = routes_from_template(template, provisioned)
    ((name, api),) = apis.items()
    runtime = Recorded()
    gateway = Gateway(api, routes[name], runtime, defaultdict(AnyToken))  # type: ignore[arg-type]
    answer = gateway.handle("GET", "/hashtags/caf%C3%A9/posts?limit=5", {}, None, "127.0.0.1")
    assert answer["statusCode"] == 200
    (event,) = runtime.events
    assert (event["resource"], event["path"]) == (
        "/hashtags/{tag}/posts",
        "/hashtags/caf%C3%A9/posts",
    )
    assert event["pathParameters"] == {"tag": "caf%C3%A9"}
