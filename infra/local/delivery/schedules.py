"""EventBridge schedules (`Schedule` and `ScheduleV2` events): `rate()` and `cron()`,
delivered as Lambda's asynchronous invocation (two retries, then dropped)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infra.local.delivery.base import ASYNC_ATTEMPTS, Worker, enabled, log
from infra.local.delivery.shapes import scheduled_event
from infra.local.runtime import FunctionSpec
from infra.local.schedule import Schedule
from infra.local.template import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from infra.local.delivery.core import Delivery


@dataclass
class ScheduledSource:
    spec: FunctionSpec
    schedule: Schedule
    input: Any
    rule: str
    next: datetime

    def event(self) -> dict[str, Any]:
        if self.input:
            return json.loads(self.input) if isinstance(self.input, str) else dict(self.input)
        return scheduled_event(self.rule)


def fire(delivery: Delivery, source: ScheduledSource, name: str) -> bool:
    for _attempt in range(ASYNC_ATTEMPTS):
        ok, _ = delivery.invoke(source.spec, source.event())
        if ok:
            return True
    log(f"schedule {name}: dropped after {ASYNC_ATTEMPTS} attempts")
    return False


def wire_schedule(
    delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]
) -> None:
    schedule = Schedule(str(props.get("Schedule") or props.get("ScheduleExpression")))
    source = ScheduledSource(
        spec=spec,
        schedule=schedule,
        input=props.get("Input"),
        rule=f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{spec.name}-{event_name}",
        next=schedule.next_after(datetime.now(UTC)),
    )
    delivery.schedules[(spec.logical_id, event_name)] = source
    if not enabled(props) or str(props.get("State", "ENABLED")).upper() == "DISABLED":
        return
    name = f"{spec.logical_id}.{event_name}"

    def step() -> bool:
        moment = datetime.now(UTC)
        if moment >= source.next:
            source.next = schedule.next_after(moment)
            fire(delivery, source, name)
        return False

    delivery.add_worker(Worker(f"schedule:{name}", step, 0.5))
