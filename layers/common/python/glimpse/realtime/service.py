"""WebSocket connections ($connect, $disconnect) and frames to every live connection of a user.

A user may be connected several times (devices); each connection gets every frame. A frame to a
connection API Gateway no longer has (410 Gone) removes it: connections closed without a
$disconnect go at the next frame, or by TTL after two hours at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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

LIFETIME = timedelta(hours=2)  # API Gateway closes a WebSocket connection after two hours


@dataclass
class Delivered:
    sent: int = 0
    removed: list[str] = field(default_factory=list)  # connection ids found gone


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


def answer(connection_id: str, frame: dict[str, Any]) -> bool:
    """A frame to one connection (the one that asked); False if it is gone."""
    return sockets.send(connection_id, frame)


def send_to(frames: Iterable[tuple[str, dict[str, Any]]]) -> Delivered:
    """Each (user id, frame) to every live connection of that user, concurrently."""
    work = list(frames)
    users = list(dict.fromkeys(user_id for user_id, _ in work))
    live = dict(zip(users, each(_connections, users), strict=True))
    posts = [(user_id, c, frame) for user_id, frame in work for c in live[user_id]]
    delivered = Delivered()
    for (user_id, connection_id, _frame), ok in zip(
        posts, each(lambda p: sockets.send(p[1], p[2]), posts), strict=True
    ):
        if ok:
            delivered.sent += 1
        else:
            _forget(user_id, connection_id)
            delivered.removed.append(connection_id)
    return delivered


def _connections(user_id: str) -> list[str]:
    moment = now()
    return [
        c.connection_id
        for c in Connection.query(user_connections_pk(user_id), Connection.sk.startswith(CONN))
        if c.expires_at is None or c.expires_at > moment
    ]
