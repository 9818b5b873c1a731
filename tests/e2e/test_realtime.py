"""Real time over the local cloud's WebSocket front, with real WebSocket clients: message
frames to every connection of a recipient within a second, ping, the handshake's 401, blocks,
a dropped connection cleaned up at the next frame, and notification frames."""

from __future__ import annotations

import json
import runpy
import time
from collections.abc import Callable, Iterator
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
from tests.e2e.waiting import DEADLINE, HTTP_TIMEOUT, until, within_promise

Frame = dict[str, Any]


@contextmanager
def socket(cloud: LocalCloud, client: Client) -> Iterator[ClientConnection]:
    url = f"{cloud.websocket_url}/?token={client.token}"
    with connect(url, open_timeout=HTTP_TIMEOUT) as connection:
        yield connection


def frames_until(
    connection: ClientConnection, last: Callable[[Frame], bool], what: str
) -> list[Frame]:
    """Every frame received up to the first one for which `last` holds (included), waiting
    for it as long as DEADLINE. A message's frames are posted before its POST answers, so
    frames a test wants to rule out (a second copy, a blocked sender's) arrive before the
    next message's: a test sends one after, and waits for it."""
    received: list[Frame] = []
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            frame = json.loads(connection.recv(timeout=max(0.0, deadline - time.monotonic())))
        except TimeoutError:
            raise AssertionError(
                f"never received {what} within {DEADLINE:.0f} s; received: {received}"
            ) from None
        received.append(frame)
        if last(frame):
            return received


def message(message_id: str) -> Callable[[Frame], bool]:
    return lambda frame: frame["type"] == "message" and frame["message"]["message_id"] == message_id


def texts(received: list[Frame]) -> list[object]:
    """Each frame's text if it is a message, else the whole frame."""
    return [frame["message"]["text"] if frame["type"] == "message" else frame for frame in received]


def test_a_message_reaches_every_socket_of_the_recipient_within_a_second(
    cloud: LocalCloud,
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    cid = conversation_with(ann, ben)
    with socket(cloud, ben) as phone, socket(cloud, ben) as laptop:
        started = time.monotonic()
        sent = send(ann, cid, "hello in real time")
        for connection in (phone, laptop):
            (frame,) = frames_until(connection, message(sent["message_id"]), "the message")
            assert frame["message"]["text"] == "hello in real time"
        within_promise(started, 1.0, "a message reaching both sockets")
        phone.send(json.dumps({"action": "ping"}))
        pong = frames_until(phone, lambda frame: frame["type"] == "pong", "the pong")
        assert pong == [{"type": "pong"}]  # and no second copy of the message before it
        retried = {"text": "sent twice", "client_message_id": "retry-1"}
        for _ in range(2):  # a retried send: the first message, and no second frame
            response = ann.post(f"/conversations/{cid}/messages", json=retried)
            assert response.status_code == 201, response.text
        after = send(ann, cid, "after the retry")
        for connection in (phone, laptop):
            received = frames_until(connection, message(after["message_id"]), "the next message")
            assert texts(received) == ["sent twice", "after the retry"]


def test_a_bad_token_is_refused_at_the_handshake(cloud: LocalCloud) -> None:
    for url in (f"{cloud.websocket_url}/?token=forged", cloud.websocket_url):
        with pytest.raises(InvalidStatus) as refused, connect(url, open_timeout=HTTP_TIMEOUT):
            pass
        assert refused.value.response.status_code == 401


def test_a_request_that_is_no_websocket_handshake_connects_nothing(cloud: LocalCloud) -> None:
    ben = sign_up_and_log_in(cloud, "ben")
    plain = requests.get(
        f"{cloud.websocket_url.replace('ws:', 'http:')}/?token={ben.token}",
        timeout=HTTP_TIMEOUT,
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
        shown = send(cal, group, "but this")
        received = frames_until(connection, message(shown["message_id"]), "cal's message")
        assert texts(received) == ["but this"]


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
        one = send(ann, cid, "one")
        assert texts(frames_until(connection, message(one["message_id"]), "the message")) == ["one"]

    def left() -> list[Any]:
        return list(
            dynamodb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"USER#{ben.user_id}"}},
            )["Items"]
        )

    # the ghost went at the frame (410), the real one at its $disconnect
    until(left, lambda items: items == [], what="no connection of ben's is stored")


def test_a_like_arrives_as_a_notification_frame(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    post_id = publish(ann)
    with socket(cloud, ann) as connection:
        assert ben.post(f"/posts/{post_id}/like").status_code == 200
        received = frames_until(connection, lambda f: f["type"] == "notification", "a notification")
        frame = received[-1]
        assert frame["notification"]["type"] == "like"
        assert frame["notification"]["text"] == f"{ben.username} liked your post"


def test_the_documented_example_client_prints_the_frames(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    monkeypatch.setenv("GLIMPSE_API", cloud.url)
    monkeypatch.setenv("GLIMPSE_WS", cloud.websocket_url)
    example = runpy.run_path(str(ROOT / "docs" / "realtime_client.py"))
    # What the example prints, and only that: the in-process cloud writes to the same stdout
    # meanwhile (its functions' log lines and metrics, its own notes).
    out: list[str] = []
    main = example["main"]
    monkeypatch.setitem(main.__globals__, "print", lambda *args: out.append(" ".join(args)))
    main(ann.username, PASSWORD, ben.username, "from the example")
    printed = [json.loads(line) for line in out]
    assert all("type" in frame for frame in printed), printed
    assert {"type": "pong"} in printed
    texts = [f["message"]["text"] for f in printed if f["type"] == "message"]
    assert texts == ["from the example"]
