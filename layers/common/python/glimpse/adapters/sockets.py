"""Frames to WebSocket connections through API Gateway's management API (`@connections`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from glimpse.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient


# A frame is worth little late: one retry, short timeouts, so that a slow or dead connection
# does not hold the request (or the notifier's batch) that sends it.
SOCKET_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1, read_timeout=2
)


@cache
def _client() -> ApiGatewayManagementApiClient:
    """The management endpoint of this stage; the local cloud's own when it runs one."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI") or get_settings().require(
        "websocket_management_url"
    )
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name=get_settings().region,
        config=SOCKET_CONFIG,
    )


SENT, GONE, FAILED = "sent", "gone", "failed"


def _outcome(call: Callable[[], object]) -> str:
    """SENT when `call` succeeded, GONE when API Gateway no longer has the connection (410),
    FAILED on any other error."""
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"GoneException", "410"}:
            return GONE
        return FAILED
    except BotoCoreError:
        return FAILED
    return SENT


def send(connection_id: str, frame: Mapping[str, Any]) -> str:
    """Post one JSON frame: SENT, GONE (410: API Gateway no longer has the connection) or
    FAILED (any other error; the frame is lost, the connection kept)."""
    data = json.dumps(frame).encode()
    return _outcome(lambda: _client().post_to_connection(ConnectionId=connection_id, Data=data))


def close(connection_id: str) -> str:
    """Close one connection (DELETE `@connections/<id>`): SENT when closed, GONE when API
    Gateway no longer had it, FAILED otherwise."""
    return _outcome(lambda: _client().delete_connection(ConnectionId=connection_id))
