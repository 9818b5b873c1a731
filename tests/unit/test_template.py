from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.template import Resolver, Template, TemplateError, references

BODY = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 3}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {OWN: "1"}}
Globals:
  Function:
    Timeout: 9
    Environment: {Variables: {SHARED: "yes", OWN: "0"}}
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(BODY)
    return Template.load(path, {"Stage": "prod"})


@pytest.fixture
def resolver(template: Template) -> Resolver:
    r = Resolver(template)
    r.refs["Queue"] = "https://queue/url"
    r.attributes["Queue"] = lambda name: {"Arn": "arn:aws:sqs:q"}[name]
    return r


def test_parameters_defaults_overrides_and_allowed_values(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(BODY)
    assert Template.load(path).parameters == {"Stage": "dev", "Size": "3"}
    with pytest.raises(TemplateError, match="not one of"):
        Template.load(path, {"Stage": "qa"})
    with pytest.raises(TemplateError, match="unknown parameter"):
        Template.load(path, {"Nope": "1"})


def test_intrinsics(resolver: Resolver) -> None:
    assert resolver.resolve({"Ref": "Stage"}) == "prod"
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:q"
    assert resolver.resolve({"Fn::Sub": "${AWS::Region}-${Stage}-${Queue.Arn}-${!Literal}"}) == (
        "us-east-1-prod-arn:aws:sqs:q-${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${A}/${Queue}", {"A": {"Ref": "Size"}}]}) == (
        "3/https://queue/url"
    )
    assert resolver.resolve({"Fn::If": ["IsProd", "a", "b"]}) == "a"
    assert resolver.condition("NotProd") is False
    assert resolver.resolve({"Fn::Join": ["-", ["x", {"Ref": "Stage"}]]}) == "x-prod"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert resolver.resolve({"K": {"Ref": "AWS::NoValue"}, "L": [1, {"Ref": "AWS::NoValue"}]}) == {
        "L": [1]
    }
    with pytest.raises(TemplateError, match="neither a parameter"):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError, match="not supported"):
        resolver.resolve({"Fn::Transform": {}})


def test_short_tags_and_references(template: Template) -> None:
    assert template.body["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert references({"Fn::Sub": "${Queue.Arn}/${Stage}", "X": {"Fn::GetAtt": "Other.Arn"}}) == {
        "Queue",
        "Stage",
        "Other",
    }


def test_globals_merge_into_functions(template: Template) -> None:
    props = template.function_properties("Fn")
    assert props["Timeout"] == 9
    assert props["Environment"]["Variables"] == {"SHARED": "yes", "OWN": "1"}


WEBSOCKET_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/websocket-template.yaml"


def test_websocket_apis_are_read_with_routes_integrations_and_authorizer() -> None:
    apis = Template.load(WEBSOCKET_FIXTURE).websocket_apis()
    assert set(apis) == {"SocketApi"}  # the HTTP API is not a WebSocket API
    api = apis["SocketApi"]
    assert (api.selection_expression, api.stage) == ("$request.body.action", "live")
    assert {key: route.function for key, route in api.routes.items()} == {
        "$connect": "ConnectFunction",
        "$disconnect": "ConnectFunction",
        "sendMessage": "MessagesFunction",
    }
    authorizer = api.routes["$connect"].authorizer
    assert authorizer is not None
    assert (authorizer.function, authorizer.identity_sources) == (
        "AuthorizerFunction",
        ("route.request.querystring.token",),
    )
    assert api.routes["sendMessage"].authorizer is None
    assert api.routes["$disconnect"].authorizer is None


def test_websocket_authorizers_belong_on_connect_only(tmp_path: Path) -> None:
    text = WEBSOCKET_FIXTURE.read_text().replace(
        "RouteKey: sendMessage\n      AuthorizationType: NONE",
        "RouteKey: sendMessage\n      AuthorizationType: CUSTOM\n"
        "      AuthorizerId: !Ref TokenAuthorizer",
    )
    broken = tmp_path / "template.yaml"
    broken.write_text(text)
    with pytest.raises(TemplateError, match="only \\$connect takes an authorizer"):
        Template.load(broken).websocket_apis()


def test_websocket_parts_must_name_their_api(tmp_path: Path) -> None:
    text = WEBSOCKET_FIXTURE.read_text().replace(
        "      ApiId: !Ref SocketApi\n      RouteKey: sendMessage", "      RouteKey: sendMessage"
    )
    broken = tmp_path / "template.yaml"
    broken.write_text(text)
    with pytest.raises(TemplateError, match=r"SendRoute\.ApiId"):
        Template.load(broken).websocket_apis()
