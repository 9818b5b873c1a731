"""The local cloud's fronts: the network faces callers talk to, each on its own port.

- `rest`: API Gateway's REST proxy integration for the template's `AWS::Serverless::Api`.
- `s3`: the S3 endpoint as callers outside AWS see it (requests signed with the local
  credential, checked; presigned POST uploads, public reads of what the bucket policy opens),
  in front of the embedded moto S3.

A WebSocket front (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`) plugs in the
same way: the template reader already returns those APIs (`Template.websocket_apis`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import Any, Protocol

# How long a front gives the requests in progress to finish when it is stopped by itself.
STOP_GRACE = 5.0
# How often a server's accept loop looks whether it is to stop (socketserver's default, 0.5 s,
# made each front's stop wait up to that long, one after another: a second of every Ctrl-C).
# Looking ten times as often took an idle local cloud from 0.9% to 1.2% of a core (measured).
ACCEPT_POLL = 0.05


class Front(Protocol):
    name: str

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop_accepting(self) -> None: ...

    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool: ...

    def stop(self) -> None: ...


class Draining:
    """A threaded HTTP server that can stop cleanly (mixed in before the server class).

    `stop_accepting()` closes the listening socket and every keep-alive connection that is
    between requests, and from then on answers no new request (a request line read after it
    is dropped with the connection, unanswered); requests in progress finish, their answers
    saying `Connection: close`. `drain()` waits for them.
    """

    daemon_threads = True
    stopping = False

    def _draining_init(self) -> None:
        self._drain = threading.Condition()
        self._connections: dict[Any, bool] = {}  # socket → busy with a request
        self._busy = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._drain:
            if self.stopping:  # accepted in the moment the listener closed
                self.shutdown_request(request)
                return
            self._connections[request] = False
        super().process_request(request, client_address)  # type: ignore[misc]

    def shutdown_request(self, request: Any) -> None:
        with self._drain:
            self._connections.pop(request, None)
        super().shutdown_request(request)  # type: ignore[misc]

    def begin(self, connection: Any) -> bool:
        """A request line was read on `connection`: serve it (False: drop it, stopping)."""
        with self._drain:
            if self.stopping or connection not in self._connections:
                return False
            self._connections[connection] = True
            self._busy += 1
            return True

    def end(self, connection: Any) -> None:
        with self._drain:
            if self._connections.get(connection):
                self._connections[connection] = False
            self._busy -= 1
            self._drain.notify_all()

    def stop_accepting(self) -> None:
        with self._drain:
            self.stopping = True
            idle = [c for c, busy in self._connections.items() if not busy]
            for connection in idle:
                del self._connections[connection]
        with contextlib.suppress(OSError):
            self.socket.close()  # type: ignore[attr-defined]
        for connection in idle:  # its handler's read ends: the connection closes, unanswered
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool:
        """Wait until no request is in progress (False: `deadline` or `hurry` came first)."""
        with self._drain:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or (hurry is not None and hurry.is_set()):
                    return False
                self._drain.wait(min(left, 0.1))
            return True


class DrainingHandler(BaseHTTPRequestHandler):
    """The request handler side of `Draining` (mixed in before the handler class)."""

    server: Any
    _begun = False
    # TCP_NODELAY: headers and body go out in separate writes, and with Nagle's algorithm the
    # body waits for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
    disable_nagle_algorithm = True

    def parse_request(self) -> bool:
        if not self.server.begin(self.connection):
            self.close_connection = True
            return False
        self._begun = True
        return super().parse_request()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        finally:
            if self._begun:
                self._begun = False
                self.server.end(self.connection)

    def end_headers(self) -> None:
        if self.server.stopping and not getattr(self, "_closing", False):
            self._closing = True
            self.send_header("Connection", "close")
        super().end_headers()


class DrainingHTTPServer(Draining, ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        self._draining_init()
        super().__init__(address, handler)


class ServerThread:
    """An HTTP server on its own daemon thread (what every front runs on); a `Draining` one
    stops cleanly (see there)."""

    def __init__(self, name: str, server: HTTPServer) -> None:
        self.name = name
        self.server = server
        self.host, self.port = str(server.server_address[0]), int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, args=(ACCEPT_POLL,), name=name, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop_accepting(self) -> None:
        """No new connection or request; the requests in progress go on."""
        if self._thread.is_alive():  # shutdown() waits for a loop that never ran otherwise
            self.server.shutdown()
            self._thread.join(timeout=5)
        if isinstance(self.server, Draining):
            self.server.stop_accepting()
        else:
            self.server.server_close()

    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool:
        if isinstance(self.server, Draining):
            return self.server.drain(deadline, hurry)
        return True

    def stop(self) -> None:
        self.stop_accepting()
        self.drain(time.monotonic() + STOP_GRACE)
        self.server.server_close()


class OneServerFront:
    """A front that is one `ServerThread` (`_server`): its lifecycle is the server's."""

    name: str
    _server: ServerThread

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> None:
        self._server.start()

    def stop_accepting(self) -> None:
        self._server.stop_accepting()

    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool:
        return self._server.drain(deadline, hurry)

    def stop(self) -> None:
        self._server.stop()
