"""The Connections table: live WebSocket connections, by user and by connection id.

Keys (`pk`, `sk`):
- a user's connection: `USER#<user_id>` / `CONN#<connection_id>`   (every frame for a user: one
  Query)
- the connection:      `CONN#<connection_id>` / `CONN`   (whose it is, for $disconnect)

Both expire (TTL) two hours after connecting, API Gateway's longest connection, so one closed
without a $disconnect goes by itself; a frame to a gone one removes it sooner (410).
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from glimpse.models.base import Model, table_meta

CONN = "CONN#"


def user_connections_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def connection_key(connection_id: str) -> str:
    """`CONN#<id>`: the sort key in a user's partition, and the connection item's own pk."""
    return f"{CONN}{connection_id}"


class Connection(Model):
    Meta = table_meta("connections_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    expires_at = TTLAttribute()
