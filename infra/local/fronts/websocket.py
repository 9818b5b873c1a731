"""The WebSocket front: API Gateway's WebSocket API for the template's `AWS::ApiGatewayV2::Api`
(`ProtocolType: WEBSOCKET`), and its management API (`@connections`) on a second port.

- A valid handshake runs the `$connect` route's REQUEST authorizer with the handshake's query
  string and headers; a refusal (an error, or a policy that does not allow) is an HTTP 401, as
  API Gateway answers. Then the `$connect` route's function runs with the authorizer's context;
  a status other than 2xx closes the connection.
- Each message picks its route by the API's `RouteSelectionExpression` (`$request.body.<field>`
  of a JSON body), else `$default`; the function gets API Gateway's event for it.
- A closed connection runs `$disconnect`.
- The management API: `POST /<stage>/@connections/<id>` sends the body as a text frame, `GET`
  describes the connection, `DELETE` closes it; an unknown connection is `410 GoneException`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from infra.local.fronts import DrainingHandler, DrainingHTTPServer, ServerThread
from infra.local.runtime import FunctionRuntime, InvocationError
from infra.local.template import ACCOUNT_ID, REGION, WebSocketApi


class WebSocketFront:
    """The WebSocket API on `port`; its management API on `manage_port`."""

    name = "websocket"

    def __init__(
        self, api: WebSocketApi, runtime: FunctionRuntime, host: str, port: int, manage_port: int
    ) -> None:
        self.api = api
        self.runtime = runtime
        self.api_id = api.logical_id.lower()
        self.connections: dict[str, ServerConnection] = {}
        self.contexts: dict[str, dict[str, Any]] = {}
        self.connected_at: dict[str, float] = {}
        self._handshaken: dict[int, str] = {}  # id(connection) → its connection id
        self._lock = threading.Lock()
        self._server: Server = serve(
            self._serve, host, port, process_response=self._handshake, compression=None
        )
        self.host, self.port = host, int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="websocket", daemon=True
        )
        self.manage = ServerThread(
            "websocket-management", DrainingHTTPServer((host, manage_port), self._manage_handler())
        )

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        return f"{self.manage.url}/{self.api.stage}"

    def start(self) -> None:
        self._thread.start()
        self.manage.start()

    def stop_accepting(self) -> None:
        """No new connection; the open ones are closed (1001, going away) once the frames in
        progress are handled, and their `$disconnect` runs. The management API stays up for
        the functions still running (stop() closes it)."""
        self._server.shutdown()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool:
        return True  # stop_accepting() waited for the connections' handlers

    def stop(self) -> None:
        self.stop_accepting()
        self.manage.stop()

    # ------------------------------------------------------------------ the API's events
    def _context(self, connection_id: str, route: str, event_type: str) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route,
            "eventType": event_type,
            "connectionId": connection_id,
            "messageId": uuid.uuid4().hex[:16] if event_type == "MESSAGE" else None,
            "extendedRequestId": uuid.uuid4().hex,
            "requestId": uuid.uuid4().hex,
            "stage": self.api.stage,
            "apiId": self.api_id,
            "domainName": f"{self.host}:{self.port}",
            "connectedAt": int(self.connected_at.get(connection_id, now) * 1000),
            "requestTimeEpoch": int(now * 1000),
            "requestTime": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "identity": {"sourceIp": "127.0.0.1"},
            "messageDirection": "IN",
        }

    def _invoke(self, route: str, event: dict[str, Any]) -> Any:
        target = self.api.routes.get(route)
        if target is None or target.function is None:
            return {"statusCode": 200}
        return self.runtime.invoke(target.function, event)

    # ------------------------------------------------------------------ handshake, $connect
    def _handshake(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        """Runs once the upgrade request is valid (`response` is the 101), as API Gateway runs
        the authorizer and `$connect` only for a well-formed handshake."""
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            return None
        upgrade = _Upgrade.of(request)
        try:
            context = self._authorize(upgrade)
            self._connect(upgrade, context)
        except _Refused as refused:
            return connection.respond(refused.status, refused.text)
        with self._lock:
            self.contexts[upgrade.connection_id] = context
            self._handshaken[id(connection)] = upgrade.connection_id
        return None

    def _authorize(self, upgrade: _Upgrade) -> dict[str, Any]:
        """The `$connect` authorizer's context (empty without one), or a refusal: 401 if it
        failed, 403 if its policy does not allow the connection."""
        route = self.api.routes.get("$connect")
        if route is None or route.authorizer is None:
            return {}
        arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{self.api_id}/{self.api.stage}"
        event: dict[str, Any] = {
            "type": "REQUEST",
            "methodArn": f"{arn}/$connect",
            "headers": upgrade.headers,
            "multiValueHeaders": {k: [v] for k, v in upgrade.headers.items()},
            "queryStringParameters": upgrade.query,
            "multiValueQueryStringParameters": {k: [v] for k, v in upgrade.query.items()},
            "stageVariables": {},
            "requestContext": self._context(upgrade.connection_id, "$connect", "CONNECT"),
        }
        try:
            answer = self.runtime.invoke(route.authorizer.function, event)
        except InvocationError:
            raise _Refused(HTTPStatus.UNAUTHORIZED, "Unauthorized\n") from None
        if not _allows(answer):
            raise _Refused(HTTPStatus.FORBIDDEN, "Forbidden\n")
        return {**(answer.get("context") or {}), "principalId": answer.get("principalId")}

    def _connect(self, upgrade: _Upgrade, context: dict[str, Any]) -> None:
        """Runs `$connect`; refused (with the function's status) unless it answers 2xx."""
        connection_id = upgrade.connection_id
        self.connected_at[connection_id] = time.time()
        event = {
            "headers": upgrade.headers,
            "multiValueHeaders": {k: [v] for k, v in upgrade.headers.items()},
            "queryStringParameters": upgrade.query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in upgrade.query.items()} or None,
            "requestContext": {
                **self._context(connection_id, "$connect", "CONNECT"),
                "authorizer": context or None,
            },
            "isBase64Encoded": False,
        }
        try:
            result = self._invoke("$connect", event)
        except InvocationError:
            self.connected_at.pop(connection_id, None)
            raise _Refused(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error\n") from None
        status = int((result or {}).get("statusCode", 200))
        if not 200 <= status < 300:
            self.connected_at.pop(connection_id, None)
            raise _Refused(HTTPStatus(status), HTTPStatus(status).phrase + "\n")

    # ------------------------------------------------------------------ messages, $disconnect
    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            connection_id = self._handshaken.pop(id(connection))
            self.connections[connection_id] = connection
        try:
            for frame in connection:
                body = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                route = self._route(body)
                event = {
                    "requestContext": {
                        **self._context(connection_id, route, "MESSAGE"),
                        "authorizer": self.contexts.get(connection_id) or None,
                    },
                    "body": body,
                    "isBase64Encoded": False,
                }
                try:
                    self._invoke(route, event)
                except InvocationError:
                    connection.send(json.dumps({"message": "Internal server error"}))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self.connections.pop(connection_id, None)
            event = {
                "requestContext": {
                    **self._context(connection_id, "$disconnect", "DISCONNECT"),
                    "authorizer": self.contexts.pop(connection_id, None),
                },
                "isBase64Encoded": False,
            }
            with contextlib.suppress(InvocationError):  # logged by the runtime, as in CloudWatch
                self._invoke("$disconnect", event)
            self.connected_at.pop(connection_id, None)

    def _route(self, body: str) -> str:
        """The route key `RouteSelectionExpression` picks (`$request.body.<field>`)."""
        field = self.api.selection_expression.removeprefix("$request.body.")
        try:
            value = json.loads(body).get(field)
        except (ValueError, AttributeError):
            value = None
        return str(value) if isinstance(value, str) and value in self.api.routes else "$default"

    # ------------------------------------------------------------------ @connections
    def _manage_handler(self) -> type[BaseHTTPRequestHandler]:
        """The management API's request handler class, bound to this front."""
        return type("Handler", (_ManagementHandler,), {"front": self})


@dataclass(frozen=True)
class _Upgrade:
    """A valid upgrade request: the connection's new id, its query string and headers."""

    connection_id: str
    query: dict[str, str]
    headers: dict[str, str]

    @classmethod
    def of(cls, request: Request) -> _Upgrade:
        return cls(
            uuid.uuid4().hex[:12] + "=",
            dict(parse_qsl(urlsplit(request.path).query)),
            dict(request.headers.raw_items()),
        )


class _Refused(Exception):
    """The handshake's answer when the authorizer or `$connect` turns the connection down."""

    def __init__(self, status: HTTPStatus, text: str) -> None:
        super().__init__(status, text)
        self.status = status
        self.text = text


class _ManagementHandler(DrainingHandler, BaseHTTPRequestHandler):
    """`@connections` on `front` (which the front sets on a subclass)."""

    front: WebSocketFront

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _id, connection = self._connection()
        if connection is None:
            return self._gone()
        try:
            connection.send(data.decode("utf-8", "replace"))
        except ConnectionClosed:
            return self._gone()
        self._answer(200)
        return None

    def do_GET(self) -> None:
        connection_id, connection = self._connection()
        if connection is None:
            return self._gone()
        at = datetime.fromtimestamp(self.front.connected_at.get(connection_id, time.time()), UTC)
        self._answer(
            200,
            {
                "ConnectedAt": at.isoformat(),
                "Identity": {"SourceIp": "127.0.0.1"},
                "LastActiveAt": datetime.now(UTC).isoformat(),
            },
        )
        return None

    def do_DELETE(self) -> None:
        _id, connection = self._connection()
        if connection is None:
            return self._gone()
        connection.close()
        self._answer(204)
        return None

    def _connection(self) -> tuple[str, ServerConnection | None]:
        path = unquote(urlsplit(self.path).path)
        connection_id = path.rsplit("/@connections/", 1)[-1] if "/@connections/" in path else ""
        with self.front._lock:
            return connection_id, self.front.connections.get(connection_id)

    def _answer(self, status: int, body: dict[str, Any] | None = None, error: str = "") -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _gone(self) -> None:
        self._answer(410, {"message": "Gone"}, "GoneException")


def _allows(answer: Any) -> bool:
    """Whether an authorizer's answer is a policy that allows the connection."""
    if not isinstance(answer, dict):
        return False
    statements = (answer.get("policyDocument") or {}).get("Statement") or []
    return any(s.get("Effect") == "Allow" for s in statements) and not any(
        s.get("Effect") == "Deny" for s in statements
    )
