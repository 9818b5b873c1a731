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
from urllib.parse import parse_qs, unquote, urlsplit

from chalice.local import ChaliceRequestHandler, RouteMatcher, ThreadedHTTPServer

from infra.local.fronts import ServerThread
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
        request_id = str(uuid.uuid4())
        parts = urlsplit(raw_path)
        path = parts.path if parts.path == "/" else parts.path.rstrip("/")
        try:
            match = self.matcher.match_route(path)
        except ValueError:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", request_id)
        methods = self.by_path[match.route]
        if method == "OPTIONS" and "OPTIONS" not in methods:
            allow = ",".join(sorted({*methods, "OPTIONS"}))
            cors = {"Access-Control-Allow-Methods": allow, **self.api.cors_headers()}
            return {"statusCode": 200, "headers": cors, "body": ""}
        route = methods.get(method) or methods.get("ANY")
        if route is None:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", request_id)
        if body is not None and len(body) > MAX_BODY_BYTES:
            return self._gateway("REQUEST_TOO_LARGE", request_id)

        claims = None
        if route.authorizer:
            verifier = self.verifiers[route.authorizer]
            header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
            try:
                claims = verifier.claims(header)
            except InvalidToken as exc:
                sys.stderr.write(f"[gateway] 401 {method} {path}: {exc}\n")
                return self._gateway("UNAUTHORIZED", request_id)

        event = self.event(
            route,
            match.route,
            path,
            parts.query,
            headers,
            body,
            source_ip,
            request_id,
            claims,
            {k: unquote(v) for k, v in match.captured.items()},
        )
        try:
            result = self.runtime.invoke(route.function, event)
        except InvocationError:
            return self._gateway("DEFAULT_5XX", request_id)
        if not isinstance(result, dict) or "statusCode" not in result:
            sys.stderr.write(f"[gateway] malformed proxy response from {route.function}\n")
            return self._gateway("DEFAULT_5XX", request_id)
        result.setdefault("headers", {})
        result["headers"] = {**(result.get("headers") or {}), "x-amzn-RequestId": request_id}
        return result

    def event(
        self,
        route: ApiRoute,
        resource: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes | None,
        source_ip: str,
        request_id: str,
        claims: dict[str, str] | None,
        path_parameters: dict[str, str],
    ) -> dict[str, Any]:
        multi_query = parse_qs(query, keep_blank_values=True) if query else {}
        multi_headers: dict[str, list[str]] = {}
        for key, value in headers.items():
            multi_headers.setdefault(key, []).append(value)
        text_body: str | None = None
        is_base64 = False
        if body:
            try:
                text_body = body.decode("utf-8")
            except UnicodeDecodeError:
                text_body, is_base64 = base64.b64encode(body).decode("ascii"), True
        now = datetime.now(UTC)
        host = headers.get("Host") or headers.get("host") or "127.0.0.1"
        context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": self.api.logical_id.lower(),
            "resourceId": format(abs(hash(resource)) % 0xFFFFFF, "06x"),
            "resourcePath": resource,
            "httpMethod": route.method,
            "extendedRequestId": request_id,
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{self.api.stage}{path}",
            "protocol": "HTTP/1.1",
            "stage": self.api.stage,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "accessKey": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": headers.get("User-Agent") or headers.get("user-agent"),
                "user": None,
            },
        }
        if claims is not None:
            context["authorizer"] = {"claims": claims}
        return {
            "resource": resource,
            "path": path,
            "httpMethod": route.method,
            "headers": dict(headers) or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": context,
            "body": text_body,
            "isBase64Encoded": is_base64,
        }


class _RequestHandler(ChaliceRequestHandler):
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


class RestFront(ServerThread):
    """The threaded HTTP server that feeds one gateway."""

    def __init__(self, gateway: Gateway, host: str, port: int) -> None:
        def factory(request: Any, address: Any, server: Any) -> _RequestHandler:
            return _RequestHandler(request, address, server, app_object=gateway)

        super().__init__("api", ThreadedHTTPServer((host, port), factory))
