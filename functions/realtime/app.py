"""The WebSocket API's routes: $connect and $disconnect keep the connections table; $default
answers `{"action": "ping"}` with `{"type": "pong"}` (and anything else with an error frame)."""

import json
from typing import Any

from glimpse.plumbing import Plumbing
from glimpse.realtime import frames, service

from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("connections_table", "websocket_management_url")

plumbing = Plumbing.of("realtime")
logger = plumbing.logger


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    route, connection_id = request.get("routeKey"), str(request.get("connectionId"))
    plumbing.correlate(connection_id)
    if route == "$connect":
        user_id = (request.get("authorizer") or {}).get("user_id")
        if not user_id:  # only the authorizer's context may name the user
            return {"statusCode": 401}
        service.connect(connection_id, str(user_id))
        logger.info("connected", extra={"user_id": user_id})
    elif route == "$disconnect":
        service.disconnect(connection_id)
    else:
        service.answer(connection_id, _answer(event.get("body")))
    return {"statusCode": 200}


def _answer(body: Any) -> frames.Frame:
    try:
        action = json.loads(body).get("action") if body else None
    except (ValueError, AttributeError):
        action = None
    return frames.pong() if action == "ping" else frames.error()


lambda_handler = plumbing.consumer(handle)
