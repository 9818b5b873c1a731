"""Every HTTP front answers keep-alive requests without waiting on Nagle's algorithm.

With Nagle on, a response written as headers then body waits for the client's delayed ACK:
40 ms per keep-alive request on Linux, which capped every route of the local cloud at about
45 requests a second (benchmarks/local_cloud.py measured it on GET /health).
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from infra.local.fronts import DrainingHandler, DrainingHTTPServer
from infra.local.fronts.rest import _RequestHandler as RestHandler
from infra.local.fronts.s3 import _Handler as S3Handler
from infra.local.fronts.search import _Handler as SearchHandler
from infra.local.fronts.websocket import _ManagementHandler


@pytest.mark.parametrize("handler", [RestHandler, S3Handler, SearchHandler, _ManagementHandler])
def test_every_front_handler_drains_and_sets_no_delay(handler: type[Any]) -> None:
    assert issubclass(handler, DrainingHandler)
    assert handler.disable_nagle_algorithm is True


class _Seen(DrainingHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    no_delay: list[int] = []

    def do_GET(self) -> None:
        self.no_delay.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[DrainingHTTPServer]:
    running = DrainingHTTPServer(("127.0.0.1", 0), _Seen)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def test_an_accepted_connection_has_tcp_nodelay(server: DrainingHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    for _ in range(2):  # the same keep-alive connection twice
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"ok"
    connection.close()
    assert len(_Seen.no_delay) == 2
    assert all(_Seen.no_delay)
