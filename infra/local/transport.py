"""The handlers' calls to the embedded moto server, made in the process without a socket.

The local cloud runs every handler in the process that serves moto. Over HTTP each AWS call
cost a new TCP connection and a new server thread (werkzeug's server closes every connection
after one answer: it has no keep-alive), and urllib3 and `http.server` on both ends: about
1.2 ms of CPU a call, 2.4 ms for a GetItem in all, a fifth of a GET /feed.

`install(endpoint, app)` registers a botocore `before-send` handler (the hook moto's own
`mock_aws` uses) on every botocore session of the process: a request addressed to `endpoint`
is handed to moto's WSGI `app` (the same object its HTTP server serves, so the journal, the
pause of a save and SQS long polls apply as before) as the HTTP server would hand it, and
its answer becomes botocore's `AWSResponse`. Everything else (S3 through the S3 front, other
processes, the browser) still goes over HTTP. botocore signs, serializes, retries and parses
as it would against AWS; an exception in moto is a 500, as werkzeug's server answers it.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlsplit

from botocore import handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from infra.local.fastpath import FastPath

logger = logging.getLogger("glimpse.local")
SWITCH = FastPath("GLIMPSE_TRANSPORT_CHECK", ("in_process",))
_lock = threading.Lock()
_target: tuple[str, Any] | None = None  # (host:port, the WSGI app)


class _Body(io.BytesIO):
    """The answer's bytes, as botocore reads a urllib3 response (`stream`, `read`)."""

    def stream(self, **kwargs: Any) -> Iterable[bytes]:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _environ(request: AWSPreparedRequest, netloc: str, body: bytes) -> dict[str, Any]:
    url = urlsplit(request.url)
    host, _, port = netloc.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _unquoted(url.path or "/"),
        "RAW_URI": url.path + (f"?{url.query}" if url.query else ""),
        "REQUEST_URI": url.path + (f"?{url.query}" if url.query else ""),
        "QUERY_STRING": url.query,
        "SERVER_NAME": host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in request.headers.items():
        raw: Any = value
        text = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ[key] = text
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = text
    environ.setdefault("HTTP_HOST", netloc)
    return environ


def _unquoted(path: str) -> str:
    """PATH_INFO as werkzeug's server decodes it (percent-escapes, as latin-1)."""
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(path).decode("latin-1")


def _body(request: AWSPreparedRequest) -> bytes:
    body: Any = request.body
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body.read())


def _call(app: Any, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answered["status"], answered["headers"] = status, headers
        return lambda data: answered.setdefault("written", []).append(data)

    try:
        chunks = app(environ, start_response)
        try:
            data = b"".join([*answered.get("written", []), *chunks])
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    except Exception:  # as werkzeug's server: the error is logged and the answer is a 500
        logger.exception("moto failed on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
        return 500, [("Content-Type", "text/plain")], b"Internal Server Error"
    return int(str(answered["status"]).split(" ", 1)[0]), list(answered["headers"]), data


def send(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    """botocore's `before-send`: moto's answer to a request addressed to it (None: send it)."""
    target = _target
    if target is None or not SWITCH.enabled:
        return None
    netloc, app = target
    if urlsplit(request.url).netloc != netloc:
        return None
    status, headers, data = _call(app, _environ(request, netloc, _body(request)))
    SWITCH.counts["in_process"] += 1
    return AWSResponse(request.url, status, _headers(headers), _Body(data))


def _headers(pairs: list[tuple[str, str]]) -> Any:
    from botocore.awsrequest import HeadersDict

    merged = HeadersDict()
    for name, value in pairs:
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    return merged


def install(endpoint: str, app: Any) -> None:
    """Calls to `endpoint` (the embedded moto server) from this process go to `app`."""
    global _target
    with _lock:
        first = _target is None
        _target = (urlsplit(endpoint).netloc, app)
        if not first:
            return
        handlers.BUILTIN_HANDLERS.append(("before-send", send))  # sessions made from now on
        import boto3

        if boto3.DEFAULT_SESSION is not None:  # and the one boto3.client() already uses
            boto3.DEFAULT_SESSION._session.register("before-send", cast(Any, send))


# The fast path's switch, as tests and benchmarks use it.
disabled = SWITCH.disabled
counts = SWITCH.counted
