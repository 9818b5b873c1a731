"""The search front: the template's `AWS::OpenSearchService::Domain` as a plain-HTTP
endpoint speaking the part of OpenSearch's REST API that Glimpse uses, on the local search
engine (infra/local/search.py, openmock with documented approximations).

- `GET /`, `GET /_cluster/health`: what a client may ask first.
- `PUT /_index_template/<name>`, `HEAD|PUT /<index>`, `PUT /<index>/_mapping`: templates,
  indexes and fields added to them (the `SearchIndexes`
  custom resource's work, which the local cloud does at start from infra/opensearch).
- `POST /_bulk`, `POST /<index>/_bulk`: NDJSON actions, with external versions.
- `GET|POST /<index>/_search`.

Requests are not signature-checked (the functions sign them with the local credentials).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from infra.local.fronts import DrainingHandler, DrainingHTTPServer, OneServerFront, ServerThread
from infra.local.search import LocalSearch, SearchError


class SearchFront(OneServerFront):
    name = "search"

    @classmethod
    def serving(cls, templates: dict[str, dict[str, Any]], host: str = "127.0.0.1") -> SearchFront:
        """A started front on a free port, on a new engine with `templates` applied."""
        engine = LocalSearch()
        engine.apply(templates)
        front = cls(engine, host, 0)
        front.start()
        return front

    def __init__(self, engine: LocalSearch, host: str, port: int) -> None:
        self.engine = engine
        self._server = ServerThread("search", DrainingHTTPServer((host, port), self._handler()))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class, bound to this front's engine."""
        return type("Handler", (_Handler,), {"engine": self.engine})


class _Handler(DrainingHandler, BaseHTTPRequestHandler):
    """OpenSearch's REST API on `engine` (which the front sets on a subclass)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as opensearch-py's pool expects
    engine: LocalSearch

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_HEAD(self) -> None:
        parts = self._parts()
        self._body()
        self._answer(200 if len(parts) == 1 and self.engine.exists(parts[0]) else 404)

    def do_GET(self) -> None:
        parts = self._parts()
        raw = self._body()
        if not parts:
            return self._answer(200, _INFO)
        if parts == ["_cluster", "health"]:
            return self._answer(200, {"status": "green", "number_of_nodes": 1})
        if len(parts) == 2 and parts[1] == "_search":
            return self._serve(lambda: self._search(parts[0], raw))
        return self._answer(404, _unknown(self.command, self.path))

    def do_POST(self) -> None:
        parts = self._parts()
        raw = self._body()
        if parts and parts[-1] == "_bulk" and len(parts) <= 2:
            default = parts[0] if len(parts) == 2 else None
            return self._serve(lambda: self._bulk(raw, default))
        if len(parts) == 2 and parts[1] == "_search":
            return self._serve(lambda: self._search(parts[0], raw))
        return self._answer(404, _unknown(self.command, self.path))

    def do_PUT(self) -> None:
        parts = self._parts()
        raw = self._body()
        if len(parts) == 2 and parts[0] == "_index_template":
            return self._serve(lambda: self._put_template(parts[1], raw))
        if len(parts) == 1:
            return self._serve(lambda: self._create_index(parts[0]))
        if len(parts) == 2 and parts[1] == "_mapping":
            return self._serve(lambda: self._put_mapping(parts[0], raw))
        return self._answer(404, _unknown(self.command, self.path))

    # The operations: each gives a status and a body, or raises for `_serve` to answer.

    def _search(self, index: str, raw: bytes) -> tuple[int, Any]:
        return 200, self.engine.search(index, _json(raw))

    def _bulk(self, raw: bytes, default: str | None) -> tuple[int, Any]:
        lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        return 200, self.engine.bulk(lines, default)

    def _put_template(self, name: str, raw: bytes) -> tuple[int, Any]:
        self.engine.put_template(name, _json(raw))
        return 200, {"acknowledged": True}

    def _put_mapping(self, index: str, raw: bytes) -> tuple[int, Any]:
        self.engine.put_mapping(index, _json(raw))
        return 200, {"acknowledged": True}

    def _create_index(self, index: str) -> tuple[int, Any]:
        self.engine.create_index(index)
        return 200, {"acknowledged": True, "index": index}

    # The transport: the request's path and body, and a JSON answer.

    def _parts(self) -> list[str]:
        path = unquote(urlsplit(self.path).path)
        return [part for part in path.split("/") if part]

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self, work: Callable[[], tuple[int, Any]]) -> None:
        """Answer with `work`'s status and body, or with the error it raised."""
        try:
            status, body = work()
        except SearchError as exc:
            status, body = exc.status, exc.body()
        except (ValueError, KeyError, TypeError) as exc:
            status = 400
            body = {"error": {"type": "parse_exception", "reason": str(exc)}, "status": 400}
        except Exception as exc:  # an answer always: a keep-alive client waits for one
            status = 500
            body = {"error": {"type": type(exc).__name__, "reason": str(exc)}, "status": 500}
        self._answer(status, body)

    def _answer(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


_INFO = {
    "name": "glimpse-local",
    "cluster_name": "glimpse-local",
    "version": {"distribution": "opensearch", "number": "2.19.0"},
    "tagline": "The local cloud's search stand-in (openmock)",
}


def _json(raw: bytes) -> dict[str, Any]:
    return dict(json.loads(raw)) if raw.strip() else {}


def _unknown(method: str, path: str) -> dict[str, Any]:
    return {
        "error": {
            "type": "unsupported_operation",
            "reason": f"the local search front does not serve {method} {path}",
        },
        "status": 404,
    }
