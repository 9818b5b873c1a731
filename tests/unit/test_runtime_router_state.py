"""Concurrent invocations in one process each see their own event: Powertools keeps the event
being handled on a class attribute, which the function runtime makes per-thread (else a request
could be handled as another caller's, and a follow answered "following" without being made)."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from infra.local.runtime import per_thread_router_state


def event(path: str) -> dict[str, Any]:
    return {
        "path": path,
        "httpMethod": "GET",
        "resource": path,
        "headers": {},
        "requestContext": {"requestId": path},
        "queryStringParameters": None,
        "body": None,
        "isBase64Encoded": False,
    }


def test_two_resolvers_on_two_threads_each_read_their_own_event() -> None:
    per_thread_router_state()
    both_inside = threading.Barrier(2, timeout=10)
    answers: dict[str, str] = {}

    def environment(name: str) -> None:
        app = APIGatewayRestResolver()  # a module copy's resolver: one per environment

        @app.get(f"/{name}")
        def route() -> dict[str, str]:
            both_inside.wait()  # the other invocation has set its event by now
            return {"path": app.current_event.path}

        answers[name] = app.resolve(event(f"/{name}"), None)["body"]

    threads = [threading.Thread(target=environment, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {"a": '{"path":"/a"}', "b": '{"path":"/b"}'}
