"""Every SAM event type the local cloud knows, and which of its properties it honours.

Like the provisioner's table of resource types: a type maps to the code that wires it (or
to the part of the local cloud that owns it) and to the properties that behave locally as
in AWS. Any other property in the template is reported at start as
`NOT EMULATED: <Function>.<Event>.<Property>`, so local behaviour never differs silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.local.delivery.logs import wire_logs
from infra.local.delivery.queues import wire_s3, wire_sns, wire_sqs
from infra.local.delivery.schedules import wire_schedule
from infra.local.delivery.streams import wire_stream
from infra.local.runtime import FunctionSpec

if TYPE_CHECKING:
    from infra.local.delivery.core import Delivery

Wire = Callable[["Delivery", FunctionSpec, str, dict[str, Any]], None]


@dataclass(frozen=True)
class SourceType:
    emulates: frozenset[str]
    wire: Wire | None = None  # None: another part of the local cloud delivers it
    owner: str = "delivery"


def _props(*names: str) -> frozenset[str]:
    return frozenset(names)


SOURCES: dict[str, SourceType] = {
    "SQS": SourceType(
        # ScalingConfig: one poller per source runs one batch at a time, within any cap.
        _props(
            "Queue",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "FunctionResponseTypes",
            "FilterCriteria",
            "ScalingConfig",
            "Enabled",
        ),
        wire_sqs,
    ),
    "DynamoDB": SourceType(
        _props(
            "Stream",
            "StartingPosition",
            "BatchSize",
            "FunctionResponseTypes",
            "FilterCriteria",
            "BisectBatchOnFunctionError",
            "MaximumRetryAttempts",
            "DestinationConfig",
            "Enabled",
        ),
        wire_stream,
    ),
    "SNS": SourceType(_props("Topic", "FilterPolicy", "FilterPolicyScope"), wire_sns),
    "S3": SourceType(_props("Bucket", "Events", "Filter"), wire_s3),
    "Schedule": SourceType(
        _props("Schedule", "Input", "Enabled", "Name", "Description"), wire_schedule
    ),
    "ScheduleV2": SourceType(
        _props("ScheduleExpression", "Input", "State", "Name", "Description"), wire_schedule
    ),
    "CloudWatchLogs": SourceType(_props("LogGroupName", "FilterPattern"), wire_logs),
    "Api": SourceType(_props("Path", "Method", "RestApiId", "Auth"), owner="the gateway"),
    "Cognito": SourceType(_props("UserPool", "Trigger"), owner="the Cognito triggers"),
}


def not_emulated(function: str, event_name: str, event: dict[str, Any]) -> list[str]:
    """`<Function>.<Event>.<Property>` for each property of a known event type that the local
    cloud does not honour (empty for an unknown type: that is reported whole)."""
    kind = SOURCES.get(str(event.get("Type")))
    if kind is None:
        return []
    props = event.get("Properties") or {}
    return [f"{function}.{event_name}.{name}" for name in props if name not in kind.emulates]
