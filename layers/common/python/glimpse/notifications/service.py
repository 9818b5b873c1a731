"""The notification routes: the list, the read marker, the settings."""

from __future__ import annotations

from typing import Any

from glimpse.models.base import conditionally, get_or_none
from glimpse.models.notifications import (
    STATE,
    Notification,
    NotificationState,
    allows,
    newest_notification,
    recipient_pk,
)
from glimpse.notifications.kinds import SETTINGS
from glimpse.notifications.schemas import NotificationOut, NotificationSettings
from glimpse.notifications.views import render
from glimpse.pagination import Page, query_page


def _state(user_id: str) -> NotificationState | None:
    return get_or_none(NotificationState, recipient_pk(user_id), STATE)


def notifications(user_id: str, limit: int, cursor: str | None) -> Page[NotificationOut]:
    """Newest first (a Query of ByActivity), shown as they hold now (glimpse.notifications.
    views), read up to the user's marker. A notification that gains an actor while someone
    pages moves above the cursor: it is on the first page when the list is read again."""
    items, next_cursor = query_page(
        Notification,
        Notification.by_activity.query,
        recipient_pk(user_id),
        Notification.activity,
        lambda item: str(item.activity),
        list_id=f"notifications:{user_id}",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    state = _state(user_id)
    read_up_to = state.read_up_to if state else None
    return Page[NotificationOut](items=render(user_id, items, read_up_to), next_cursor=next_cursor)


def mark_read(user_id: str, up_to: str) -> None:
    """Everything up to `up_to` (a notification id) is read; the marker only moves forward,
    and never past the newest notification (a made-up id cannot mark future ones read)."""
    newest = newest_notification(user_id)
    if newest is None:
        return
    marker = min(up_to, str(newest.activity))
    state = NotificationState(recipient_pk(user_id), STATE)
    conditionally(
        lambda: state.update(
            actions=[NotificationState.read_up_to.set(marker)],
            condition=NotificationState.read_up_to.does_not_exist()
            | (NotificationState.read_up_to < marker),
        )
    )


def settings(user_id: str) -> NotificationSettings:
    state = _state(user_id)
    values: dict[str, Any] = {name: allows(state, name) for name in SETTINGS}
    return NotificationSettings(**values)


def update_settings(user_id: str, body: NotificationSettings) -> NotificationSettings:
    NotificationState(recipient_pk(user_id), STATE).update(
        actions=[getattr(NotificationState, name).set(getattr(body, name)) for name in SETTINGS]
    )
    return body
