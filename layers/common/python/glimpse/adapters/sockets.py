"""Frames to WebSocket connections through API Gateway's management API (`@connections`)."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from glimpse.adapters.aws import CONFIG
from glimpse.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient


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
        config=CONFIG,
    )


def send(connection_id: str, frame: dict[str, Any]) -> bool:
    """Post one JSON frame; False if the connection is gone (410)."""
    try:
        _client().post_to_connection(ConnectionId=connection_id, Data=json.dumps(frame).encode())
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"GoneException", "410"}:
            return False
        raise
    return True
