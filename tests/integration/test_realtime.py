"""The WebSocket API's functions against moto: the $connect authorizer, the connections
table kept by $connect and $disconnect, ping, and frames to a user's connections."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from joserfc.jwk import KeySet
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID

from functions.realtime import app as realtime
from functions.socket_authorizer import app as authorizer
from glimpse.adapters import sockets
from glimpse.models.realtime import Connection, connection_key, user_connections_pk
from glimpse.realtime import service
from glimpse.realtime.tokens import IdTokenVerifier
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack
from tests.unit.test_tokens import KEY, OTHER_KEY, token

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"


def posted(connection_id: str) -> list[object]:
    """The frames the management API was given for a connection (moto keeps them joined)."""
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    data = backend.connections[connection_id.replace("=", "%3D")].data.decode()
    frames, decoder, at = [], json.JSONDecoder(), 0
    while at < len(data):
        frame, at = decoder.raw_decode(data, at)
        frames.append(frame)
    return frames


def test_the_authorizer_allows_a_valid_id_token_only(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = IdTokenVerifier(ISSUER, frozenset({"client"}), KeySet([KEY]))
    monkeypatch.setattr(authorizer, "verifier", lambda: verifier)
    event = load_event("socket_authorizer/connect")
    event["queryStringParameters"] = {"token": token()}
    answer = authorizer.lambda_handler(event, FakeContext())
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123defg/*"
    assert answer["context"] == {"user_id": "user-1", "username": "alice"}
    for bad in (
        token(OTHER_KEY),  # forged
        token(exp=1),  # expired
        token(aud="another-client"),
        token(token_use="access"),
        None,
    ):
        event["queryStringParameters"] = {"token": bad} if bad else None
        with pytest.raises(PermissionError, match=r"^Unauthorized$"):
            authorizer.lambda_handler(event, FakeContext())


def test_connect_ping_and_disconnect_keep_the_connections_table(stack: Stack) -> None:
    connect = load_event("realtime/connect")
    connection_id = connect["requestContext"]["connectionId"]
    user_id = connect["requestContext"]["authorizer"]["user_id"]
    assert realtime.lambda_handler(connect, FakeContext()) == {"statusCode": 200}
    stored = list(Connection.query(user_connections_pk(user_id)))
    assert [c.connection_id for c in stored] == [connection_id]

    assert realtime.lambda_handler(load_event("realtime/ping"), FakeContext())["statusCode"] == 200
    assert posted(connection_id) == [{"type": "pong"}]

    delivered = service.send_to([(user_id, {"type": "message", "message": {"text": "hi"}})])
    assert delivered.sent == 1
    assert posted(connection_id)[-1] == {"type": "message", "message": {"text": "hi"}}

    disconnect = load_event("realtime/disconnect")
    for _ in range(2):  # a $disconnect after a frame found it gone changes nothing
        assert realtime.lambda_handler(disconnect, FakeContext())["statusCode"] == 200
    assert list(Connection.query(user_connections_pk(user_id))) == []
    assert Connection.count(connection_key(connection_id)) == 0
    assert service.send_to([(user_id, {"type": "pong"})]).sent == 0


def test_connect_without_the_authorizer_s_user_is_refused(stack: Stack) -> None:
    connect = load_event("realtime/connect")
    connect["requestContext"]["authorizer"] = None
    assert realtime.lambda_handler(connect, FakeContext()) == {"statusCode": 401}


def test_a_gone_connection_is_removed_unless_it_is_still_opening(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = "user-410"
    for connection_id in ("old=", "young=", "flaky="):
        service.connect(connection_id, user_id)
    opened = {"old=": 60, "young=": 2, "flaky=": 60}  # seconds ago
    for c in Connection.query(user_connections_pk(user_id)):
        c.update(
            actions=[
                Connection.expires_at.set(c.expires_at - timedelta(seconds=opened[c.connection_id]))
            ]
        )
    outcomes = {"old=": sockets.GONE, "young=": sockets.GONE, "flaky=": sockets.FAILED}
    monkeypatch.setattr(sockets, "send", lambda connection_id, frame: outcomes[connection_id])
    delivered = service.send_to([(user_id, {"type": "pong"})])
    assert delivered.removed == ["old="]
    assert delivered.failed == 1
    assert sorted(c.connection_id for c in Connection.query(user_connections_pk(user_id))) == [
        "flaky=",
        "young=",
    ]
    assert Connection.count(connection_key("old=")) == 0
