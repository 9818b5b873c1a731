"""Real time over the local cloud's WebSocket front, with real WebSocket clients: message
frames to every connection of a recipient within a second, ping, the handshake's 401, blocks,
a dropped connection cleaned up at the next frame, and notification frames."""

from __future__ import annotations

import json
import runpy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local.cloud import ROOT, LocalCloud
from tests.e2e.conftest import PASSWORD, Client, sign_up_and_log_in
from tests.e2e.test_messages import conversation_with, send
from tests.e2e.test_social import publish


@contextmanager
def socket(cloud: LocalCloud, client: Client) -> Iterator[ClientConnection]:
    with connect(f"{cloud.websocket_url}/?token={client.token}", open_timeout=5) as connection:
        yield connection


def frames(connection: ClientConnection, within: float = 1.0) -> list[dict[str, Any]]:
    """Every frame that arrives within `within` seconds."""
    received = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            received.append(json.loads(connection.recv(timeout=left)))
        except TimeoutError:
            break
    return received


def first(connection: ClientConnection, within: float = 1.0) -> dict[str, Any]:
    return dict(json.loads(connection.recv(timeout=within)))


def test_a_message_reaches_every_socket_of_the_recipient_within_a_second(
    cloud: LocalCloud,
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    cid = conversation_with(ann, ben)
    with socket(cloud, ben) as phone, socket(cloud, ben) as laptop:
        started = time.monotonic()
        sent = send(ann, cid, "hello in real time")
        for connection in (phone, laptop):
            frame = first(connection, within=1.0)
            assert frame["type"] == "message"
            assert frame["message"]["message_id"] == sent["message_id"]
            assert frame["message"]["text"] == "hello in real time"
        assert time.monotonic() - started < 1.0
        assert frames(phone, within=0.3) == []  # once, not twice
        phone.send(json.dumps({"action": "ping"}))
        assert first(phone) == {"type": "pong"}
        retried = {"text": "sent twice", "client_message_id": "retry-1"}
        for _ in range(2):  # a retried send: the first message, and no second frame
            response = ann.post(f"/conversations/{cid}/messages", json=retried)
            assert response.status_code == 201, response.text
        assert [f["message"]["text"] for f in frames(laptop, within=0.5)] == ["sent twice"]


def test_a_bad_token_is_refused_at_the_handshake(cloud: LocalCloud) -> None:
    for url in (f"{cloud.websocket_url}/?token=forged", cloud.websocket_url):
        with pytest.raises(InvalidStatus) as refused, connect(url, open_timeout=5):
            pass
        assert refused.value.response.status_code == 401


def test_a_request_that_is_no_websocket_handshake_connects_nothing(cloud: LocalCloud) -> None:
    ben = sign_up_and_log_in(cloud, "ben")
    plain = requests.get(
        f"{cloud.websocket_url.replace('ws:', 'http:')}/?token={ben.token}", timeout=5
    )
    assert plain.status_code == 426  # Upgrade Required, before any authorizer or $connect
    stored = cloud.provisioner.client("dynamodb").query(
        TableName=str(cloud.ref("ConnectionsTable")),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{ben.user_id}"}},
    )
    assert stored["Items"] == []


def test_a_blocked_sender_reaches_no_socket(cloud: LocalCloud) -> None:
    ann, ben, cal = (sign_up_and_log_in(cloud, name) for name in ("ann", "ben", "cal"))
    group = conversation_with(cal, ann, ben)
    assert ben.post(f"/users/{ann.username}/block").status_code == 204
    with socket(cloud, ben) as connection:
        send(ann, group, "you will not see this")
        assert frames(connection, within=0.5) == []
        send(cal, group, "but this")
        assert [f["message"]["text"] for f in frames(connection, within=1.0)] == ["but this"]


def test_a_dropped_socket_is_cleaned_up_at_the_next_frame(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    cid = conversation_with(ann, ben)
    table = str(cloud.ref("ConnectionsTable"))
    dynamodb = cloud.provisioner.client("dynamodb")
    ghost = {"connection_id": {"S": "gone000000="}, "user_id": {"S": ben.user_id}}
    dynamodb.put_item(  # a connection API Gateway dropped without a $disconnect
        TableName=table,
        Item={"pk": {"S": f"USER#{ben.user_id}"}, "sk": {"S": "CONN#gone000000="}, **ghost},
    )
    with socket(cloud, ben) as connection:
        send(ann, cid, "one")
        assert [f["message"]["text"] for f in frames(connection, within=1.0)] == ["one"]

    def left() -> list[Any]:
        return list(
            dynamodb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"USER#{ben.user_id}"}},
            )["Items"]
        )

    deadline = time.monotonic() + 3
    while (items := left()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert items == []  # the ghost went at the frame (410), the real one at its $disconnect


def test_a_like_arrives_as_a_notification_frame(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    post_id = publish(ann)
    with socket(cloud, ann) as connection:
        assert ben.post(f"/posts/{post_id}/like").status_code == 200
        (frame,) = [f for f in frames(connection, within=5.0) if f["type"] == "notification"][:1]
        assert frame["notification"]["type"] == "like"
        assert frame["notification"]["text"] == f"{ben.username} liked your post"


def test_the_documented_example_client_prints_the_frames(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    monkeypatch.setenv("GLIMPSE_API", cloud.url)
    monkeypatch.setenv("GLIMPSE_WS", cloud.websocket_url)
    example = runpy.run_path(str(ROOT / "docs" / "realtime_client.py"))
    example["main"](ann.username, PASSWORD, ben.username, "from the example")
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert {"type": "pong"} in printed
    texts = [f["message"]["text"] for f in printed if f["type"] == "message"]
    assert texts == ["from the example"]
