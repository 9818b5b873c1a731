"""Request and response bodies of `/reports` and `/moderation/*` (API.md, Safety)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from glimpse.events import AutoLabel
from glimpse.inputs import Text
from glimpse.models.moderation import Reason, TargetType
from glimpse.schema import Schema, Timestamp

MAX_NOTE = 1000
Action = Literal["dismiss", "remove", "restore", "suspend", "unsuspend"]
TargetId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_id: TargetId
    reason: Reason
    note: Annotated[str, Text(MAX_NOTE, lines=True)] | None = None


class ReportOut(Schema):
    report_id: str


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_id: TargetId
    action: Action
    note: Annotated[str, Text(MAX_NOTE, lines=True)] | None = None


class QueueItemOut(Schema):
    target_type: TargetType
    target_id: str
    target: dict[str, Any] | None = Field(
        description="The content as its author sees it (null once it is gone)."
    )
    report_count: int
    reasons: dict[str, int]
    auto_labels: list[AutoLabel]
    first_reported_at: Timestamp | None


class LogEntryOut(Schema):
    action_id: str
    moderator: str | None = Field(description="The moderator's username (null once erased).")
    target_type: TargetType
    target_id: str
    action: Action
    note: str | None
    created_at: Timestamp
