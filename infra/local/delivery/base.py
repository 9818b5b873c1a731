"""What every event source shares: options, the background worker, chaos, the log."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TTL_PRINCIPAL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries
DEFAULT_STREAM_RETRIES = 10  # AWS's default (-1) retries until the record expires; not locally


@dataclass
class DeliveryOptions:
    retry_delay: float = 1.0  # seconds before a failed SQS message is visible again
    poll_wait: int = 0  # SQS long-poll seconds (0: pollers wait for moto's wake-up instead)
    stream_interval: float = 0.2  # the first wait of an idle stream poller (then it backs off)
    longest_wait: float = 5.0  # the longest an idle poller waits without a wake-up
    ttl_interval: float = 5.0  # seconds between TTL sweeps (0: none, items stay past expiry)
    chaos: float = 0.0
    chaos_conflicts: float = 0.0  # share of DynamoDB transactions cancelled (atomicity.py)
    seed: int | None = None


def log(text: str) -> None:
    sys.stderr.write(f"[events] {text}\n")


def arn_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def enabled(props: dict[str, Any]) -> bool:
    return str(props.get("Enabled", True)).lower() != "false"


@dataclass
class Worker:
    """One background loop; `step` returns True when it did work (then it loops at once).

    Idle, it waits `idle` seconds, twice as long after each idle step up to `longest` (None:
    always `idle`), and wakes at once when `wakes()` (a version: infra/local/activity.py)
    changes, i.e. when its stream or queue got something."""

    name: str
    step: Callable[[], bool]
    idle: float
    longest: float | None = None
    wakes: Callable[[], int] | None = None
    key: str | None = None  # the activity key `wakes` reads (None: woken by any)
    thread: threading.Thread | None = None


class ChaosMonkey:
    """Shuffles batches and re-delivers a share of handled records, to prove consumers
    idempotent and order-independent."""

    def __init__(self, share: float, seed: int | None) -> None:
        self.share = share
        self.random = random.Random(seed)

    @property
    def on(self) -> bool:
        return self.share > 0

    def shuffle(self, items: list[Any]) -> list[Any]:
        if self.on:
            items = list(items)
            self.random.shuffle(items)
        return items

    def replay(self, items: list[Any]) -> list[Any]:
        return [item for item in items if self.on and self.random.random() < self.share]
