"""WebSocket connections ($connect, $disconnect) and frames to every live connection of a user.

A user may be connected several times (devices); each connection gets every frame. A frame to a
connection API Gateway no longer has (410 Gone) removes it: connections closed without a
$disconnect go at the next frame, or by TTL after two hours at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from glimpse.adapters import sockets
from glimpse.clock import now
from glimpse.concurrency import each
from glimpse.models.base import get_or_none
from glimpse.models.realtime import (
    CONN,
    Connection,
    connection_key,
    user_connections_pk,
)
from glimpse.realtime.frames import Frame

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

LIFETIME = timedelta(hours=2)  # API Gateway closes a WebSocket connection after two hours
# API Gateway answers 410 to a connection whose $connect has not finished; one that young is
# kept when a frame finds it gone (its $disconnect or its TTL removes it if it never opens).
OPENING = timedelta(seconds=10)


@dataclass
class Delivered:
    sent: int = 0
    removed: list[str] = field(default_factory=list)  # connection ids found gone
    failed: int = 0  # frames lost to another error (throttling, a timeout)


def connect(connection_id: str, user_id: str) -> None:
    expires = now() + LIFETIME
    for pk, sk in (
        (user_connections_pk(user_id), connection_key(connection_id)),
        (connection_key(connection_id), "CONN"),
    ):
        Connection(pk, sk, connection_id=connection_id, user_id=user_id, expires_at=expires).save()


def disconnect(connection_id: str) -> None:
    """Idempotent: a connection already removed (gone at a frame) changes nothing."""
    pointer = get_or_none(Connection, connection_key(connection_id), "CONN")
    if pointer is None:
        return
    _forget(pointer.user_id, connection_id)


def _forget(user_id: str, connection_id: str) -> None:
    Connection(user_connections_pk(user_id), connection_key(connection_id)).delete()
    Connection(connection_key(connection_id), "CONN").delete()


def answer(connection_id: str, frame: Frame) -> bool:
    """A frame to one connection (the one that asked); False if it did not arrive."""
    return sockets.send(connection_id, frame) == sockets.SENT


def send_to(frames: Iterable[tuple[str, Frame]]) -> Delivered:
    """Each (user id, frame) to every live connection of that user, concurrently. One
    connection's failure loses that frame only."""
    work = list(frames)
    users = list(dict.fromkeys(user_id for user_id, _ in work))
    live = dict(zip(users, each(_connections, users), strict=True))
    posts = [(c, frame) for user_id, frame in work for c in live[user_id]]
    delivered = Delivered()
    moment = now()
    for (connection, _frame), outcome in zip(
        posts, each(lambda p: sockets.send(p[0].connection_id, p[1]), posts), strict=True
    ):
        if outcome == sockets.SENT:
            delivered.sent += 1
        elif outcome == sockets.FAILED:
            delivered.failed += 1
        elif _opened_before(connection, moment - OPENING):
            _forget(connection.user_id, connection.connection_id)
            delivered.removed.append(connection.connection_id)
    return delivered


def send_logged(frames: Iterable[tuple[str, Frame]], logger: Logger) -> None:
    """`send_to` for a handler whose frames show what is stored already (a message, a
    notification): what fails is logged, never raised; the lists have it."""
    try:
        delivered = send_to(frames)
    except Exception:
        logger.exception("frames not sent")
        return
    if delivered.removed:
        logger.info("gone connections removed", extra={"connections": delivered.removed})
    if delivered.failed:
        logger.warning("frames lost", extra={"failed": delivered.failed})


def close_all(user_id: str) -> int:
    """Close every live connection of the user (its sessions ended): how many were closed. A
    connection that failed to close is kept, and the authorizer refuses its session anew."""
    closed = 0
    for connection in _connections(user_id):
        if sockets.close(connection.connection_id) != sockets.FAILED:
            _forget(user_id, connection.connection_id)
            closed += 1
    return closed


def forget_all(user_id: str) -> int:
    """Every connection item of the user gone, live or not (erasure: after `close_all`)."""
    found = list(Connection.query(user_connections_pk(user_id), Connection.sk.startswith(CONN)))
    for connection in found:
        _forget(user_id, connection.connection_id)
    return len(found)


def _opened_before(connection: Connection, moment: datetime) -> bool:
    return connection.expires_at is None or connection.expires_at - LIFETIME < moment


def _connections(user_id: str) -> list[Connection]:
    moment = now()
    return [
        c
        for c in Connection.query(user_connections_pk(user_id), Connection.sk.startswith(CONN))
        if c.expires_at is None or c.expires_at > moment
    ]
