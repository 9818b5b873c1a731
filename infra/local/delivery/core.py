"""The delivery service: wires every event source of every function from the table in
`sources.py`, runs their pollers, and invokes functions as their sources would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra.local import activity
from infra.local.delivery import loops
from infra.local.delivery.base import ChaosMonkey, DeliveryOptions, Worker, log
from infra.local.delivery.schedules import ScheduledSource, fire
from infra.local.delivery.sources import SOURCES, not_emulated
from infra.local.delivery.streams import StreamPoller
from infra.local.delivery.ttl import TtlSweeper
from infra.local.provision import Provisioner
from infra.local.runtime import FunctionRuntime, FunctionSpec, InvocationError

if TYPE_CHECKING:
    from infra.local.delivery.logs import LogSubscription
    from infra.local.delivery.queues import SqsPoller

# What a queue holds that its poller has still to deliver.
_BACKLOG = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class Delivery:
    """Builds and runs the pollers for every event source of every function."""

    def __init__(
        self,
        provisioner: Provisioner,
        runtime: FunctionRuntime,
        options: DeliveryOptions,
        resume: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """`resume`: stream checkpoints saved by an earlier run (`stream_checkpoints()`)."""
        self.provisioner = provisioner
        self.runtime = runtime
        self.options = options
        self.resume = resume or {}
        self.chaos = ChaosMonkey(options.chaos, options.seed)
        self.workers: list[Worker] = []
        self.schedules: dict[tuple[str, str], ScheduledSource] = {}
        self.stream_pollers: dict[str, StreamPoller] = {}
        self.sqs_pollers: list[SqsPoller] = []
        self.log_subscriptions: list[LogSubscription] = []
        self._on_stop: list[Callable[[], None]] = []
        # Batches pollers took up so far: a drain that sees it move knows work started.
        self.started = 0
        self.ttl: TtlSweeper | None = None
        self.unsupported: list[str] = []
        self.not_emulated: list[str] = []
        self._stop = threading.Event()
        self.loops_stopped: list[str] = []  # "<function>: <message id>", in order
        loops.install()  # before any handler makes its clients (each copies the hooks)

    def client(self, service: str) -> Any:
        return self.provisioner.client(service)

    def add_worker(self, worker: Worker) -> None:
        self.workers.append(worker)

    def on_stop(self, undo: Callable[[], None]) -> None:
        """Something to undo when the delivery stops (a log listener)."""
        self._on_stop.append(undo)

    # ------------------------------------------------------------------ wiring
    def wire(self) -> None:
        resolver = self.provisioner.resolver
        for spec in self.runtime.specs.values():
            for event_name, event in spec.events.items():
                kind = SOURCES.get(str(event.get("Type")))
                if kind is None:
                    self.unsupported.append(f"{spec.logical_id}.{event_name} ({event.get('Type')})")
                    continue
                props = resolver.resolve(event.get("Properties", {}) or {})
                self.not_emulated += not_emulated(
                    spec.logical_id, event_name, {**event, "Properties": props}
                )
                if kind.wire is not None:
                    kind.wire(self, spec, event_name, props)
        self._wire_ttl()

    def report_lines(self) -> list[str]:
        return [f"NOT EMULATED: {name}" for name in self.not_emulated] + [
            f"NOT DELIVERED (unsupported event type): {name}" for name in self.unsupported
        ]

    def _wire_ttl(self) -> None:
        resolver = self.provisioner.resolver
        tables = []
        for logical_id, spec in self.provisioner.template.of_type("AWS::DynamoDB::Table").items():
            ttl = (spec.get("Properties") or {}).get("TimeToLiveSpecification") or {}
            if str(resolver.resolve(ttl.get("Enabled"))).lower() == "true":
                name = self.provisioner.resources[logical_id].ref
                tables.append((name, str(ttl["AttributeName"])))
        if not tables:
            return
        self.ttl = TtlSweeper(self.client("dynamodb"), tables)
        sweeper = self.ttl
        if self.options.ttl_interval <= 0:
            return

        def step() -> bool:
            sweeper.sweep()
            return False

        self.add_worker(Worker("ttl", step, self.options.ttl_interval))

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        activity.install()
        for worker in self.workers:
            worker.thread = threading.Thread(
                target=self._loop, args=(worker,), name=worker.name, daemon=True
            )
            worker.thread.start()

    def stop(self) -> None:
        self._stop.set()
        for undo in self._on_stop:
            undo()
        activity.wake_all()
        deadline = time.monotonic() + 10
        for worker in self.workers:
            if worker.thread:
                worker.thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _loop(self, worker: Worker) -> None:
        wait = worker.idle
        longest = max(worker.idle, worker.longest or worker.idle)
        while not self._stop.is_set():
            seen = worker.wakes() if worker.wakes else 0
            try:
                busy = worker.step()
            except Exception as exc:  # a poller never dies; it says why and goes on
                log(f"{worker.name}: {type(exc).__name__}: {exc}")
                busy = False
            if busy:
                wait = worker.idle
                continue
            activity.wait(self._woken(worker, seen), wait, worker.key if worker.wakes else "")
            wait = min(wait * 2, longest)

    def _woken(self, worker: Worker, seen: int) -> Callable[[], bool]:
        """Whether an idle worker should look again before its wait is over."""
        wakes = worker.wakes
        if wakes is None:
            return self._stop.is_set
        return lambda: self._stop.is_set() or wakes() != seen

    # ------------------------------------------------------------------ draining (a clean stop)
    def drain(self, deadline: float, hurry: threading.Event | None = None) -> bool:
        """Wait until every event the pollers deliver has been delivered (their queues and
        streams empty, no batch in progress), until `deadline` (monotonic) or `hurry` is set;
        whether it settled. Schedules and the TTL sweeper are not waited for."""
        calm = 0
        while time.monotonic() < deadline and not (hurry and hurry.is_set()):
            calm = calm + 1 if self.settled() else 0
            if calm >= 2:  # twice in a row, a moment apart
                return True
            if hurry:
                hurry.wait(0.05)
            else:
                time.sleep(0.05)
        return False

    def settled(self) -> bool:
        """Nothing left to deliver: no poller in a batch, nothing fetched or to be replayed,
        every stream read to its end and every polled queue empty, and no batch started
        while this looked (each poller counts a batch in `started` before it begins it)."""
        started = self.started
        if any(p.busy or p.replays for p in self.sqs_pollers):
            return False
        if any(s.busy or s.pending or s.replays for s in self.log_subscriptions):
            return False
        if any(not p.caught_up() for p in self.stream_pollers.values()):
            return False
        sqs = self.client("sqs")
        for poller in self.sqs_pollers:
            counts = sqs.get_queue_attributes(QueueUrl=poller.url, AttributeNames=list(_BACKLOG))
            if any(int(v) for v in counts.get("Attributes", {}).values()):
                return False
        return self.started == started

    # ------------------------------------------------------------------ for sources, tools, tests
    def invoke(self, function: FunctionSpec | str, event: dict[str, Any]) -> tuple[bool, Any]:
        """Run a function once with an event as a source would: (succeeded, its result)."""
        name = function if isinstance(function, str) else function.logical_id
        try:
            return True, self.runtime.invoke(name, event)
        except InvocationError:
            return False, None

    def fire_schedule(self, function: str, event_name: str) -> bool:
        """Deliver one scheduled event now (what the timer does)."""
        return fire(self, self.schedules[(function, event_name)], f"{function}.{event_name}")

    def sweep_ttl(self) -> int:
        return self.ttl.sweep() if self.ttl else 0

    def deleted_by_ttl(self, table: str, keys: dict[str, Any]) -> bool:
        return self.ttl.deleted_by_ttl(table, keys) if self.ttl else False

    def stream_checkpoints(self) -> dict[str, dict[str, Any]]:
        """Per stream source: its stream, and per shard the last sequence number consumed."""
        return {
            name: {"stream": p.stream_arn, "shards": dict(p.checkpoints)}
            for name, p in self.stream_pollers.items()
        }
