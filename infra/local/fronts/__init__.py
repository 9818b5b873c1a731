"""The local cloud's fronts: the network faces callers talk to, each on its own port.

- `rest`: API Gateway's REST proxy integration for the template's `AWS::Serverless::Api`.
- `s3`: the S3 endpoint as callers outside AWS see it (presigned POST uploads, public reads
  of what the bucket policy opens), in front of the embedded moto S3.

A WebSocket front (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`) plugs in the
same way: the template reader already returns those APIs (`Template.websocket_apis`).
"""

from __future__ import annotations

import threading
from http.server import HTTPServer
from typing import Protocol


class Front(Protocol):
    name: str

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ServerThread:
    """An HTTP server on its own daemon thread (what every front runs on)."""

    def __init__(self, name: str, server: HTTPServer) -> None:
        self.name = name
        self.server = server
        self.host, self.port = str(server.server_address[0]), int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for a loop that never ran otherwise
            self.server.shutdown()
            self._thread.join(timeout=5)
        self.server.server_close()
