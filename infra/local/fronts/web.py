"""The web client's front: the static files of `web/`, and a `config.js` made here.

What a static site host (the template's `WebBucket` behind `WebDistribution`) serves once
`make publish-web` has written the deployed stack's `config.js` next to the files; here the
local cloud's own API and WebSocket URLs go in it.
"""

from __future__ import annotations

import json
import mimetypes
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from infra.local.fronts import DrainingHandler, DrainingHTTPServer, OneServerFront, ServerThread

WEB_ROOT = Path(__file__).resolve().parents[3] / "web"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


def config_js(api_url: str, websocket_url: str) -> str:
    """The module the client imports for where the API is (the deployed one is written by
    infra/publish_web.py, the same way)."""
    config = {"apiUrl": api_url, "websocketUrl": websocket_url}
    return f"export default {json.dumps(config, indent=2)};\n"


class WebFront(OneServerFront):
    """`web/` on its own port: a file for a path, `index.html` for `/` and for any path
    without a dot (the client routes by `#` anyway), `config.js` from memory."""

    name = "web"

    def __init__(self, host: str, port: int, config: str, root: Path = WEB_ROOT) -> None:
        handler = type("Handler", (_Handler,), {"root": root.resolve(), "config": config})
        self._server = ServerThread("web", DrainingHTTPServer((host, port), handler))


class _Handler(DrainingHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path
    config: str

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/config.js":
            self._send(200, TYPES[".js"], self.config.encode(), body)
            return
        found = self._file(path)
        if found is None:
            self._send(404, TYPES[".txt"], b"Not found\n", body)
            return
        kind = TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0]
        self._send(200, kind or "application/octet-stream", found.read_bytes(), body)

    def _file(self, path: str) -> Path | None:
        """The file under the root a path names (None: none, or outside the root)."""
        name = path.lstrip("/")
        if not name or "." not in name.rsplit("/", 1)[-1]:
            name = "index.html"
        candidate = (self.root / name).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _send(self, status: int, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a page load is a dozen files."""
