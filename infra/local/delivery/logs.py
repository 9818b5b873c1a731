"""CloudWatch Logs subscription filters (SAM's `CloudWatchLogs` event): the lines a function
writes that match the filter pattern, delivered to the subscribed function as AWS does.

The runtime hands every line a function writes to the listeners (infra/local/runtime.py);
a subscription keeps those of its log group (`/aws/lambda/<function name>`) that match its
`FilterPattern`, and a worker delivers what gathered, about every `INTERVAL` seconds, as one
invocation per batch of up to `MAX_EVENTS` lines: `{"awslogs": {"data": base64(gzip(JSON))}}`
with `messageType`, `owner`, `logGroup`, `logStream`, `subscriptionFilters` and `logEvents`
(`id`, `timestamp`, `message`), the shape of AWS's sample event. It is an asynchronous
invocation: a failure is tried twice more, then the event goes to the function's
`DeadLetterQueue` (SQS) if it has one, or is dropped with a log line. Chaos re-delivers a share
of delivered batches, unchanged, as CloudWatch Logs may.

Filter patterns: JSON patterns of one comparison, `{ $.a.b = "text" }` (a `*` in the text
matches anything), `{ $.n = 5 }` and `!=`; an empty pattern matches every line. Anything
else (terms, `&&`, metric patterns) is reported as not emulated and matches every line.
"""

from __future__ import annotations

import base64
import fnmatch
import gzip
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infra.local.delivery.base import ASYNC_ATTEMPTS, Worker, log
from infra.local.runtime import FunctionSpec, listen_to_logs
from infra.local.template import ACCOUNT_ID

if TYPE_CHECKING:
    from infra.local.delivery.core import Delivery

INTERVAL = 0.2  # seconds between deliveries of a subscription (AWS: about a second or less)
MAX_EVENTS = 1000  # log events per delivery (AWS: up to 10,000 or 1 MB)
_PATTERN = re.compile(
    r"^\{\s*\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(=|!=)\s*(\"[^\"]*\"|-?\d+(?:\.\d+)?)\s*\}$"
)
_ids = itertools.count(1)


@dataclass(frozen=True)
class JsonPattern:
    """One comparison of a JSON filter pattern (None `path`: every line matches)."""

    path: tuple[str, ...] | None
    equal: bool = True
    value: str | float = ""

    @classmethod
    def parse(cls, pattern: str) -> JsonPattern | None:
        """The pattern, or None if this module cannot read it."""
        if not pattern.strip():
            return cls(None)
        found = _PATTERN.match(pattern.strip())
        if found is None:
            return None
        path, op, raw = found.groups()
        value: str | float = raw[1:-1] if raw.startswith('"') else float(raw)
        return cls(tuple(path.split(".")[1:]), op == "=", value)

    def matches(self, line: str) -> bool:
        if self.path is None:
            return True
        try:
            found: Any = json.loads(line)
        except ValueError:
            return False
        for name in self.path:
            if not isinstance(found, dict) or name not in found:
                return False
            found = found[name]
        if isinstance(self.value, str):
            same = isinstance(found, str) and fnmatch.fnmatchcase(found, self.value)
        else:
            same = isinstance(found, int | float) and float(found) == self.value
        return same == self.equal


@dataclass
class LogSubscription:
    """One subscription filter: a source function's log group → the destination function."""

    delivery: Delivery
    spec: FunctionSpec  # the destination
    source: str  # the function whose log group it is (its name)
    log_group: str
    filter_name: str
    pattern: JsonPattern
    dead_letters: str | None = None  # the destination's DeadLetterQueue (an SQS ARN)
    pending: list[tuple[int, str]] = field(default_factory=list)
    replays: list[dict[str, Any]] = field(default_factory=list)
    busy: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hear(self, function: str, line: str) -> None:
        if function == self.source and self.pattern.matches(line):
            with self._lock:
                self.pending.append((int(time.time() * 1000), line))

    def step(self) -> bool:
        with self._lock:
            taken, self.pending = self.pending[:MAX_EVENTS], self.pending[MAX_EVENTS:]
            self.busy = bool(taken or self.replays)
        try:
            if taken:
                self._deliver(self._event(taken))
            if self.replays:
                self._deliver(self.replays.pop(0), replayed=True)
        finally:
            self.busy = False
        return bool(taken)

    def _event(self, lines: list[tuple[int, str]]) -> dict[str, Any]:
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        data = {
            "messageType": "DATA_MESSAGE",
            "owner": ACCOUNT_ID,
            "logGroup": self.log_group,
            "logStream": f"{day}/[$LATEST]local",
            "subscriptionFilters": [self.filter_name],
            "logEvents": [
                {"id": f"{ts:020d}{next(_ids):036d}", "timestamp": ts, "message": message}
                for ts, message in lines
            ],
        }
        packed = gzip.compress(json.dumps(data).encode())
        return {"awslogs": {"data": base64.b64encode(packed).decode()}}

    def _deliver(self, event: dict[str, Any], replayed: bool = False) -> None:
        for attempt in range(ASYNC_ATTEMPTS):
            ok, _result = self.delivery.invoke(self.spec, event)
            if ok:
                if not replayed and self.delivery.chaos.replay([event]):
                    self.replays.append(event)
                return
            if attempt + 1 < ASYNC_ATTEMPTS:
                time.sleep(self.delivery.options.retry_delay)
        if self.dead_letters:
            url = self.delivery.client("sqs").get_queue_url(
                QueueName=self.dead_letters.rsplit(":", 1)[-1]
            )["QueueUrl"]
            self.delivery.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(event))
            log(f"{self.filter_name}: a delivery failed {ASYNC_ATTEMPTS} times: dead-lettered")
        else:
            log(f"{self.filter_name}: a delivery failed {ASYNC_ATTEMPTS} times: dropped")


def wire_logs(
    delivery: Delivery, spec: FunctionSpec, event_name: str, props: dict[str, Any]
) -> None:
    log_group = str(props["LogGroupName"])
    source = next(
        (s.name for s in delivery.runtime.specs.values() if f"/aws/lambda/{s.name}" == log_group),
        None,
    )
    if source is None:
        delivery.not_emulated.append(
            f"{spec.logical_id}.{event_name}: log group {log_group} is no function's"
        )
        return
    raw = str(props.get("FilterPattern", ""))
    pattern = JsonPattern.parse(raw)
    if pattern is None:
        delivery.not_emulated.append(
            f"{spec.logical_id}.{event_name}.FilterPattern {raw!r} (every line is delivered)"
        )
        pattern = JsonPattern(None)
    function = delivery.provisioner.template.function_properties(spec.logical_id)
    dead = delivery.provisioner.resolver.resolve(function.get("DeadLetterQueue") or {})
    subscription = LogSubscription(
        delivery,
        spec,
        source,
        log_group,
        f"{delivery.provisioner.template.stack_name}-{spec.logical_id}{event_name}",
        pattern,
        dead_letters=str(dead["TargetArn"]) if dead.get("Type") == "SQS" else None,
    )
    delivery.log_subscriptions.append(subscription)
    delivery.on_stop(listen_to_logs(subscription.hear))
    delivery.add_worker(Worker(f"logs:{spec.logical_id}.{event_name}", subscription.step, INTERVAL))
