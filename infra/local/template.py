"""Reading template.yaml: CloudFormation short tags, parameters, conditions and intrinsics.

The local cloud derives everything from the template; this module is the one place that
understands its syntax. Intrinsics are resolved against a :class:`Resolver` that knows the
parameters and what each provisioned resource's `Ref` and `Fn::GetAtt` return.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


class TemplateError(Exception):
    """The template cannot be read or resolved; the message names the place."""


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in {"Ref", "Condition"} else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    function: str
    api: str
    authorizer: str | None  # a Cognito authorizer's name, or None for an open route

    @property
    def needs_token(self) -> bool:
        return self.authorizer is not None


@dataclass(frozen=True)
class WebSocketAuthorizer:
    """A Lambda REQUEST authorizer (`AWS::ApiGatewayV2::Authorizer`), run on `$connect`."""

    logical_id: str
    function: str
    identity_sources: tuple[str, ...]  # e.g. route.request.querystring.token


@dataclass(frozen=True)
class WebSocketRoute:
    route_key: str  # $connect, $disconnect, $default or a custom key such as sendMessage
    function: str | None  # the Lambda proxy integration's function
    authorizer: WebSocketAuthorizer | None


@dataclass(frozen=True)
class WebSocketApi:
    """An `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`, its routes and stage."""

    logical_id: str
    selection_expression: str
    stage: str
    routes: dict[str, WebSocketRoute]


def _only(found: set[str], candidates: Mapping[str, Any], where: str) -> str:
    named = sorted(found & set(candidates))
    if len(named) != 1:
        raise TemplateError(f"{where}: expected one reference, found {named or 'none'}")
    return named[0]


@dataclass
class Template:
    """A parsed SAM template with its parameter values chosen."""

    path: Path
    body: dict[str, Any]
    parameters: dict[str, str]
    stack_name: str

    @classmethod
    def load(
        cls,
        path: Path,
        overrides: Mapping[str, str] | None = None,
        stack_name: str = "glimpse",
        defaults: Mapping[str, str] | None = None,
    ) -> Template:
        """`overrides` must name declared parameters; `defaults` replace the template's own
        defaults for the parameters it declares and are ignored otherwise."""
        body = load_yaml(path)
        declared = body.get("Parameters", {}) or {}
        unknown = set(overrides or {}) - set(declared)
        overrides = {
            **{k: v for k, v in (defaults or {}).items() if k in declared},
            **(overrides or {}),
        }
        if unknown:
            raise TemplateError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, str] = {}
        for name, spec in declared.items():
            if overrides and name in overrides:
                value = str(overrides[name])
            elif "Default" in spec:
                value = str(spec["Default"])
            else:
                raise TemplateError(f"parameter {name} has no default; pass --parameter {name}=…")
            allowed = spec.get("AllowedValues")
            if allowed and value not in [str(v) for v in allowed]:
                raise TemplateError(f"parameter {name}={value} is not one of {allowed}")
            values[name] = value
        return cls(path=path, body=body, parameters=values, stack_name=stack_name)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Resources", {}) or {})

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    def function_properties(self, logical_id: str) -> dict[str, Any]:
        """A function's properties with `Globals.Function` merged in (SAM's merge rules)."""
        globals_ = copy.deepcopy((self.body.get("Globals", {}) or {}).get("Function", {}) or {})
        own = copy.deepcopy(self.resources[logical_id].get("Properties", {}) or {})
        merged = {**globals_, **own}
        if "Environment" in globals_ or "Environment" in own:
            variables = {
                **(globals_.get("Environment", {}) or {}).get("Variables", {}),
                **(own.get("Environment", {}) or {}).get("Variables", {}),
            }
            merged["Environment"] = {"Variables": variables}
        if "Layers" in globals_ and "Layers" in own:
            merged["Layers"] = list(globals_["Layers"]) + list(own["Layers"])
        mappings = self.event_source_mappings(logical_id)
        if mappings:
            merged["Events"] = {**(merged.get("Events") or {}), **mappings}
        return merged

    def event_source_mappings(self, function: str) -> dict[str, dict[str, Any]]:
        """The `AWS::Lambda::EventSourceMapping` resources that invoke `function` (its alias
        or itself), as the SAM events they equal, by their logical ids: a queue's as `SQS`
        (`Queue`), a stream's as `DynamoDB` (`Stream`), every other property as it is. The
        template declares its pollers so, not as SAM events, to give each role its own
        queues and streams only (SAM's events add managed policies that allow every queue
        and stream of the account)."""
        found = {}
        for logical_id, spec in self.of_type("AWS::Lambda::EventSourceMapping").items():
            props = dict(spec.get("Properties") or {})
            target = props.pop("FunctionName", None)
            name = target.get("Ref") if isinstance(target, dict) else target
            if str(name).removesuffix(".Alias") != function:
                continue
            source = props.pop("EventSourceArn")
            attribute = (
                source.get("Fn::GetAtt", [None, None])[1] if isinstance(source, dict) else None
            )
            kind, key = ("DynamoDB", "Stream") if attribute == "StreamArn" else ("SQS", "Queue")
            found[logical_id] = {"Type": kind, "Properties": {key: source, **props}}
        return found

    def handler(self, logical_id: str) -> tuple[str, str]:
        """`(module, attribute)` of a function's handler: `functions/auth/` + `app.lambda_handler`
        is `functions.auth.app`, `lambda_handler`."""
        props = self.function_properties(logical_id)
        code_uri = str(props.get("CodeUri", "")).strip("/")
        handler = str(props.get("Handler", ""))
        if not code_uri or "." not in handler:
            raise TemplateError(f"{logical_id}: needs CodeUri and a module.function Handler")
        module_path, attribute = handler.rsplit(".", 1)
        return ".".join([*code_uri.split("/"), module_path]), attribute

    def api_routes(self) -> dict[tuple[str, str], ApiRoute]:
        """`(METHOD, path)` → the route, for every `Type: Api` event of every function."""
        apis = self.of_type("AWS::Serverless::Api")
        routes: dict[tuple[str, str], ApiRoute] = {}
        for logical_id in self.of_type("AWS::Serverless::Function"):
            events = self.function_properties(logical_id).get("Events") or {}
            for event in events.values():
                if event.get("Type") != "Api":
                    continue
                props = event.get("Properties") or {}
                api_ref = props.get("RestApiId")
                api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else api_ref
                default = (
                    (apis.get(str(api_id), {}).get("Properties") or {}).get("Auth") or {}
                ).get("DefaultAuthorizer")
                authorizer = (props.get("Auth") or {}).get("Authorizer", default)
                key = (str(props["Method"]).upper(), str(props["Path"]))
                if key in routes:
                    raise TemplateError(f"route {key} is declared twice")
                routes[key] = ApiRoute(
                    method=key[0],
                    path=key[1],
                    function=logical_id,
                    api=str(api_id),
                    authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                )
        return routes

    def websocket_apis(self, resolver: Resolver | None = None) -> dict[str, WebSocketApi]:
        """Every WebSocket API: routes with their Lambda proxy integrations and authorizers,
        read from the `AWS::ApiGatewayV2::*` resources that point at it (`ApiId: !Ref Api`);
        with `resolver`, the stage name is resolved (`StageName: !Ref Stage`)."""
        apis = {
            logical_id: spec.get("Properties") or {}
            for logical_id, spec in self.of_type("AWS::ApiGatewayV2::Api").items()
            if (spec.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
        }
        parts = self._websocket_parts(apis)
        return {
            api_id: WebSocketApi(
                logical_id=api_id,
                selection_expression=str(
                    api_props.get("RouteSelectionExpression", "$request.body.action")
                ),
                routes=self._websocket_routes(api_id, parts[api_id]),
                stage=_websocket_stage(parts[api_id], resolver),
            )
            for api_id, api_props in apis.items()
        }

    def _websocket_parts(self, apis: Mapping[str, Any]) -> dict[str, list[_Part]]:
        """Each API's routes, authorizers, stages and integrations (their properties, with
        `Kind` added), found by their `ApiId`."""
        by_api: dict[str, list[_Part]] = {name: [] for name in apis}
        for kind in ("Route", "Authorizer", "Stage", "Integration"):
            for logical_id, spec in self.of_type(f"AWS::ApiGatewayV2::{kind}").items():
                props = spec.get("Properties") or {}
                api = _only(references(props.get("ApiId")), apis, f"{logical_id}.ApiId")
                by_api[api].append((logical_id, {"Kind": kind, **props}))
        return by_api

    def _websocket_routes(self, api_id: str, parts: list[_Part]) -> dict[str, WebSocketRoute]:
        functions = self.of_type("AWS::Serverless::Function", "AWS::Lambda::Function")
        authorizers = {
            logical_id: WebSocketAuthorizer(
                logical_id,
                _only(references(props.get("AuthorizerUri")), functions, logical_id),
                tuple(str(source) for source in props.get("IdentitySource") or []),
            )
            for logical_id, props in parts
            if props["Kind"] == "Authorizer"
        }
        routes: dict[str, WebSocketRoute] = {}
        for logical_id, props in parts:
            if props["Kind"] != "Route":
                continue
            route = self._websocket_route(logical_id, props, authorizers)
            if route.route_key in routes:
                raise TemplateError(f"{api_id}: route {route.route_key} is declared twice")
            routes[route.route_key] = route
        return routes

    def _websocket_route(
        self, logical_id: str, props: dict[str, Any], authorizers: dict[str, WebSocketAuthorizer]
    ) -> WebSocketRoute:
        """A route: its key, its integration's function (if any), its authorizer (if any)."""
        key = str(props["RouteKey"])
        target = references(props.get("Target"))
        function = None
        if target:
            functions = self.of_type("AWS::Serverless::Function", "AWS::Lambda::Function")
            integrations = self.of_type("AWS::ApiGatewayV2::Integration")
            integration = _only(target, integrations, f"{logical_id}.Target")
            uri = (integrations[integration].get("Properties") or {}).get("IntegrationUri")
            function = _only(references(uri), functions, f"{integration}.IntegrationUri")
        authorizer = None
        if str(props.get("AuthorizationType", "NONE")).upper() == "CUSTOM":
            chosen = _only(references(props.get("AuthorizerId")), authorizers, logical_id)
            authorizer = authorizers[chosen]
        if authorizer and key != "$connect":
            raise TemplateError(f"{logical_id}: only $connect takes an authorizer")
        return WebSocketRoute(key, function, authorizer)


# A WebSocket API's part: its logical id, and its properties with `Kind` (Route, Stage, ...).
_Part = tuple[str, dict[str, Any]]


def _websocket_stage(parts: list[_Part], resolver: Resolver | None) -> str:
    """The API's stage name (its first stage's; `$default` without one)."""
    stages = [
        str(resolver.resolve(props.get("StageName")) if resolver else props.get("StageName"))
        for _, props in parts
        if props["Kind"] == "Stage"
    ]
    return stages[0] if stages else "$default"


@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameters, conditions and provisioned resources."""

    template: Template
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Callable[[str], Any]] = field(default_factory=dict)

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.template.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/"
            f"{self.template.stack_name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def condition(self, name: str) -> bool:
        conditions = self.template.body.get("Conditions", {}) or {}
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def ref(self, name: str) -> Any:
        if name in self.template.parameters:
            return self.template.parameters[name]
        pseudo = self.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(
            f"Ref to {name}, which is neither a parameter nor a provisioned resource"
        )

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.attributes:
            raise TemplateError(f"GetAtt {logical_id}.{attribute}: {logical_id} is not provisioned")
        return self.attributes[logical_id](attribute)

    def sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, local = value[0], {k: self.resolve(v) for k, v in value[1].items()}
        else:
            text, local = value, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return _NO_VALUE if arg == "AWS::NoValue" else self.ref(arg)
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
            if key == "Fn::Sub":
                return self.sub(arg)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Join":
                separator, items = arg
                return str(separator).join(str(i) for i in self.resolve(items))
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
            if key == "Fn::FindInMap":
                map_name, top, second = (self.resolve(v) for v in arg)
                return self.template.body["Mappings"][map_name][top][second]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if key.startswith("Fn::"):
                raise TemplateError(f"intrinsic {key} is not supported by the local cloud")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE: Any = _NoValue()


def references(value: Any) -> set[str]:
    """Logical ids a piece of the template refers to (Ref, GetAtt, ${X} and ${X.Attr} in Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                found.add(str(parts[0]))
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text)):
                    found.add(name.split(".", 1)[0])
                if isinstance(arg, list):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return found
