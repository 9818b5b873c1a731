"""The notification objects of API.md as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from glimpse.directory import UserSummary
from glimpse.inputs import ULID_PATTERN, Flag
from glimpse.notifications.kinds import NotificationType
from glimpse.schema import Schema, Timestamp


class NotificationOut(Schema):
    notification_id: str = Field(
        description="Changes when a grouped notification gains an actor (it moves to the top "
        "and is unread again); `POST /notifications/read` compares these ids."
    )
    type: NotificationType
    actors: list[UserSummary] = Field(description="Newest first, at most 3.")
    actor_count: int
    post_id: str | None = None
    comment_id: str | None = None
    story_id: str | None = None
    export_id: str | None = Field(
        default=None, description="`export_ready`: the export (`GET /me/exports/{export_id}`)."
    )
    text: str
    read: bool
    created_at: Timestamp = Field(description="When the newest of its actions happened.")


class ReadUpTo(Schema):
    model_config = ConfigDict(extra="forbid")

    up_to: str = Field(pattern=ULID_PATTERN, description="A notification id.")


class NotificationSettings(Schema):
    """Per type: off means no notification and no push (likes covers story likes; follows
    covers follow requests and accepted requests)."""

    model_config = ConfigDict(extra="forbid")

    likes: Flag
    comments: Flag
    follows: Flag
    mentions: Flag


class DeviceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    platform: Literal["ios", "android"]
    token: str = Field(
        min_length=8,
        max_length=4096,
        pattern=r"^[A-Za-z0-9:_\-.]+$",
        description="The APNs device token (hex) or the FCM registration token.",
    )


class DeviceOut(Schema):
    device_id: str
    platform: Literal["ios", "android"]


class Badges(Schema):
    """What waits for the caller: each number stops at 100 (a client shows "99+")."""

    notifications_unread: int
    conversations_unread: int = Field(description="Conversations with messages you have not read.")
    follow_requests: int
    message_requests: int


class DeviceRemoval(Schema):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(
        min_length=8,
        max_length=4096,
        pattern=r"^[A-Za-z0-9:_\-.]+$",
        description="The device token registered with POST /me/devices.",
    )
