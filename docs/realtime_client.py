"""A minimal real-time client: connects to Glimpse's WebSocket API, prints every frame it gets,
and sends a direct message through the HTTP API so one arrives.

    .venv/bin/python docs/realtime_client.py alice correct-horse-1 bob "Hello from the socket"

On the local cloud (`make run`) it needs nothing else; against a deployment, set GLIMPSE_API to
the stack's ApiUrl and GLIMPSE_WS to its WebSocketUrl.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request

from websockets.sync.client import connect

API = os.environ.get("GLIMPSE_API", "http://127.0.0.1:3000")
WS = os.environ.get("GLIMPSE_WS", "ws://127.0.0.1:3001")


def call(method: str, path: str, body: object = None, token: str = "") -> dict:
    request = urllib.request.Request(  # noqa: S310 - the API's own URL
        f"{API}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def main(username: str, password: str, to: str, text: str) -> None:
    token = call("POST", "/auth/login", {"username": username, "password": password})["id_token"]
    with connect(f"{WS}/?token={token}") as socket:
        printer = threading.Thread(target=lambda: [print(frame) for frame in socket], daemon=True)
        printer.start()
        socket.send(json.dumps({"action": "ping"}))  # answered with {"type": "pong"}
        conversation = call("POST", "/conversations", {"usernames": [to]}, token)
        call(
            "POST",
            f"/conversations/{conversation['conversation_id']}/messages",
            {"text": text},
            token,
        )
        printer.join(timeout=3)  # the pong, and the message as every member's sockets get it


if __name__ == "__main__":
    main(*sys.argv[1:5])
