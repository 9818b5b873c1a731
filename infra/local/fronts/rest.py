"""The REST front: API Gateway's REST proxy integration for exactly the template's routes.

Built on chalice's local API Gateway emulation (its route matcher, request handler and
threaded server). Each request becomes a complete REST proxy event with the keys of AWS's
own `AwsProxy` sample event; the Cognito authorizer is enforced before the handler runs;
errors API Gateway makes itself use the template's `GatewayResponses`.
"""

from __future__ import annotations

import base64
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.local import ChaliceRequestHandler, RouteMatcher, ThreadedHTTPServer

from infra.local.fronts import Draining, DrainingHandler, ServerThread
from infra.local.runtime import FunctionRuntime, InvocationError
from infra.local.template import ACCOUNT_ID, ApiRoute, Resolver, Template
from infra.local.tokens import CognitoVerifier, InvalidToken

MAX_BODY_BYTES = 10 * 1024 * 1024

# API Gateway's own defaults for the responses it makes, when the template sets none.
_DEFAULT_GATEWAY_RESPONSES = {
    "UNAUTHORIZED": (401, '{"message":"Unauthorized"}'),
    "MISSING_AUTHENTICATION_TOKEN": (403, '{"message":"Missing Authentication Token"}'),
    "REQUEST_TOO_LARGE": (413, '{"message":"Request Too Long"}'),
    "DEFAULT_5XX": (502, '{"message": "Internal server error"}'),
}
_FAMILY = {
    "UNAUTHORIZED": "DEFAULT_4XX",
    "MISSING_AUTHENTICATION_TOKEN": "DEFAULT_4XX",
    "REQUEST_TOO_LARGE": "DEFAULT_4XX",
    "DEFAULT_5XX": "DEFAULT_5XX",
}


@dataclass
class GatewayResponse:
    status: int
    body: str
    headers: dict[str, str]


class ApiConfig:
    """What one `AWS::Serverless::Api` says: stage, CORS, authorizers, gateway responses."""

    def __init__(self, logical_id: str, props: dict[str, Any], resolver: Resolver) -> None:
        self.logical_id = logical_id
        self.props = resolver.resolve(props)
        self.stage = str(self.props.get("StageName", "Prod"))
        auth = self.props.get("Auth") or {}
        self.default_authorizer: str | None = auth.get("DefaultAuthorizer")
        self.authorizers: dict[str, str] = {}  # name -> user pool id
        for name, spec in (auth.get("Authorizers") or {}).items():
            arn = spec.get("UserPoolArn")
            if arn:
                self.authorizers[name] = str(arn).rsplit("/", 1)[-1]
        self.cors = self.props.get("Cors")
        self.responses = self.props.get("GatewayResponses") or {}

    def gateway_response(self, kind: str) -> GatewayResponse:
        spec = self.responses.get(kind) or self.responses.get(_FAMILY.get(kind, "")) or {}
        status, body = _DEFAULT_GATEWAY_RESPONSES[kind]
        if spec:
            status = int(spec.get("StatusCode", status))
            body = (spec.get("ResponseTemplates") or {}).get("application/json", body)
        headers = {"Content-Type": "application/json"}
        for name, value in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items():
            headers[name] = str(value).strip("'")
        return GatewayResponse(status, body, headers)

    def cors_headers(self) -> dict[str, str]:
        if not self.cors:
            return {}
        cors = self.cors if isinstance(self.cors, dict) else {"AllowOrigin": self.cors}
        names = {
            "AllowOrigin": "Access-Control-Allow-Origin",
            "AllowHeaders": "Access-Control-Allow-Headers",
            "AllowMethods": "Access-Control-Allow-Methods",
            "MaxAge": "Access-Control-Max-Age",
            "AllowCredentials": "Access-Control-Allow-Credentials",
        }
        return {names[k]: str(v).strip("'") for k, v in cors.items() if k in names}


def routes_from_template(
    template: Template, resolver: Resolver
) -> tuple[dict[str, ApiConfig], dict[str, list[ApiRoute]]]:
    """Every API of the template, and its routes."""
    apis = {
        logical_id: ApiConfig(logical_id, spec.get("Properties", {}) or {}, resolver)
        for logical_id, spec in template.of_type("AWS::Serverless::Api").items()
    }
    routes: dict[str, list[ApiRoute]] = {api: [] for api in apis}
    for route in template.api_routes().values():
        if route.api not in apis:
            raise ValueError(f"{route.function}: route on unknown API {route.api!r}")
        routes[route.api].append(route)
    return apis, routes


class Gateway:
    """Turns HTTP requests into proxy events, runs the route's function, returns its answer."""

    def __init__(
        self,
        api: ApiConfig,
        routes: list[ApiRoute],
        runtime: FunctionRuntime,
        verifiers: dict[str, CognitoVerifier],
    ) -> None:
        self.api = api
        self.runtime = runtime
        self.verifiers = verifiers
        self.by_path: dict[str, dict[str, ApiRoute]] = {}
        for route in routes:
            self.by_path.setdefault(route.path, {})[route.method] = route
        self.matcher = RouteMatcher(list(self.by_path))

    # -- responses ----------------------------------------------------------------
    def _gateway(self, kind: str, request_id: str) -> dict[str, Any]:
        response = self.api.gateway_response(kind)
        headers = {**response.headers, "x-amzn-RequestId": request_id, "x-amzn-ErrorType": kind}
        return {"statusCode": response.status, "headers": headers, "body": response.body}

    # -- the request ----------------------------------------------------------------
    def handle(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, str],
        body: bytes | None,
        source_ip: str,
    ) -> dict[str, Any]:
        request = _Request.received(method, raw_path, headers, body, source_ip)
        try:
            matched = self._match(request)
            self._check_size(request)
            claims = self._authorize(matched.route, request)
            return self._invoke(matched.route, self.event(request, matched, claims), request)
        except _Answered as answered:
            return answered.response

    def _match(self, request: _Request) -> _Matched:
        """The route for the request's path and method (answering a CORS preflight itself)."""
        try:
            match = self.matcher.match_route(request.path)
        except ValueError:
            raise self._refusal("MISSING_AUTHENTICATION_TOKEN", request) from None
        methods = self.by_path[match.route]
        if request.method == "OPTIONS" and "OPTIONS" not in methods:
            allow = ",".join(sorted({*methods, "OPTIONS"}))
            cors = {"Access-Control-Allow-Methods": allow, **self.api.cors_headers()}
            raise _Answered({"statusCode": 200, "headers": cors, "body": ""})
        route = methods.get(request.method) or methods.get("ANY")
        if route is None:
            raise self._refusal("MISSING_AUTHENTICATION_TOKEN", request)
        # As API Gateway sends them: still percent-encoded (glimpse.api.resolver decodes them).
        return _Matched(route, match.route, dict(match.captured))

    def _check_size(self, request: _Request) -> None:
        if request.body is not None and len(request.body) > MAX_BODY_BYTES:
            raise self._refusal("REQUEST_TOO_LARGE", request)

    def _authorize(self, route: ApiRoute, request: _Request) -> dict[str, str] | None:
        """The token's claims if the route has an authorizer (401 without a valid one)."""
        if not route.authorizer:
            return None
        verifier = self.verifiers[route.authorizer]
        headers = request.headers.items()
        header = next((v for k, v in headers if k.lower() == "authorization"), None)
        try:
            return verifier.claims(header)
        except InvalidToken as exc:
            sys.stderr.write(f"[gateway] 401 {request.method} {request.path}: {exc}\n")
            raise self._refusal("UNAUTHORIZED", request) from None

    def _invoke(self, route: ApiRoute, event: dict[str, Any], request: _Request) -> dict[str, Any]:
        """The function's proxy response, or a 5XX if it failed or answered nonsense."""
        try:
            result = self.runtime.invoke(route.function, event)
        except InvocationError:
            return self._gateway("DEFAULT_5XX", request.request_id)
        if not isinstance(result, dict) or "statusCode" not in result:
            sys.stderr.write(f"[gateway] malformed proxy response from {route.function}\n")
            return self._gateway("DEFAULT_5XX", request.request_id)
        result.setdefault("headers", {})
        result["headers"] = {
            **(result.get("headers") or {}),
            "x-amzn-RequestId": request.request_id,
        }
        return result

    def _refusal(self, kind: str, request: _Request) -> _Answered:
        return _Answered(self._gateway(kind, request.request_id))

    # -- the proxy event --------------------------------------------------------------
    def event(
        self, request: _Request, matched: _Matched, claims: dict[str, str] | None
    ) -> dict[str, Any]:
        """The REST proxy integration's event, with the keys of AWS's `AwsProxy` sample."""
        multi_query = parse_qs(request.query, keep_blank_values=True) if request.query else {}
        multi_headers: dict[str, list[str]] = {}
        for key, value in request.headers.items():
            multi_headers.setdefault(key, []).append(value)
        text_body, is_base64 = _text_body(request.body)
        return {
            "resource": matched.resource,
            "path": request.path,
            "httpMethod": matched.route.method,
            "headers": dict(request.headers) or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": matched.path_parameters or None,
            "stageVariables": None,
            "requestContext": self._request_context(request, matched, claims),
            "body": text_body,
            "isBase64Encoded": is_base64,
        }

    def _request_context(
        self, request: _Request, matched: _Matched, claims: dict[str, str] | None
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        host = request.headers.get("Host") or request.headers.get("host") or "127.0.0.1"
        context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": self.api.logical_id.lower(),
            "resourceId": format(abs(hash(matched.resource)) % 0xFFFFFF, "06x"),
            "resourcePath": matched.resource,
            "httpMethod": matched.route.method,
            "extendedRequestId": request.request_id,
            "requestId": request.request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{self.api.stage}{request.path}",
            "protocol": "HTTP/1.1",
            "stage": self.api.stage,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "identity": _identity(request),
        }
        if claims is not None:
            context["authorizer"] = {"claims": claims}
        return context


@dataclass(frozen=True)
class _Request:
    """One HTTP request as the gateway received it."""

    method: str
    path: str  # without the query string or a trailing slash
    query: str
    headers: dict[str, str]
    body: bytes | None
    source_ip: str
    request_id: str

    @classmethod
    def received(
        cls, method: str, raw_path: str, headers: dict[str, str], body: bytes | None, ip: str
    ) -> _Request:
        parts = urlsplit(raw_path)
        path = parts.path if parts.path == "/" else parts.path.rstrip("/")
        return cls(method, path, parts.query, headers, body, ip, str(uuid.uuid4()))


@dataclass(frozen=True)
class _Matched:
    """The route a request reached: its resource template and the path's parameters."""

    route: ApiRoute
    resource: str
    path_parameters: dict[str, str]


class _Answered(Exception):
    """An answer the gateway makes itself, without running the route's function."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__(response.get("statusCode"))
        self.response = response


def _text_body(body: bytes | None) -> tuple[str | None, bool]:
    """The event's body: text as is, other bytes base64-encoded (and flagged so)."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _identity(request: _Request) -> dict[str, Any]:
    return {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "accessKey": None,
        "sourceIp": request.source_ip,
        "principalOrgId": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": request.headers.get("User-Agent") or request.headers.get("user-agent"),
        "user": None,
    }


class _RequestHandler(DrainingHandler, ChaliceRequestHandler):
    """chalice's HTTP handler, with our gateway in place of chalice's app-bound one."""

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: Any,
        app_object: Gateway,
        config: Any = None,
    ) -> None:
        self.gateway = app_object
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"[gateway] {self.address_string()} {format % args}\n")

    def _generic_handle(self) -> None:
        headers, body = self._parse_payload()
        try:
            response = self.gateway.handle(
                self.command, self.path, headers, body, self.client_address[0]
            )
        except Exception as exc:  # the front never dies with a request
            sys.stderr.write(f"[gateway] error: {exc!r}\n")
            response = self.gateway._gateway("DEFAULT_5XX", str(uuid.uuid4()))
        out_headers: dict[str, Any] = {}
        for key, value in (response.get("headers") or {}).items():
            out_headers["Content-Type" if key.lower() == "content-type" else key] = value
        for key, values in (response.get("multiValueHeaders") or {}).items():
            if key.lower() == "content-type":
                out_headers["Content-Type"] = values[-1] if values else ""
            else:
                out_headers[key] = values
        body_out = response.get("body")
        if response.get("isBase64Encoded") and body_out:
            body_out = base64.b64decode(body_out)
        if isinstance(body_out, str) and body_out == "" and response["statusCode"] == 204:
            body_out = None
        self._send_http_response(response["statusCode"], out_headers, body_out)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY, ...) reaches the gateway too, which answers a route
        the API lacks as API Gateway does (a JSON 404), where the HTTP server would say 501."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


class _Server(Draining, ThreadedHTTPServer):
    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        self._draining_init()
        super().__init__(address, handler)


class RestFront(ServerThread):
    """The threaded HTTP server that feeds one gateway."""

    def __init__(self, gateway: Gateway, host: str, port: int) -> None:
        def factory(request: Any, address: Any, server: Any) -> _RequestHandler:
            return _RequestHandler(request, address, server, app_object=gateway)

        super().__init__("api", _Server((host, port), factory))
