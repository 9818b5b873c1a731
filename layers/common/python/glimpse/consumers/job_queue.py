"""The handler of a queue of domain events and continuations (the feed jobs, the erasure):
each message runs once through its router, however often it is delivered.

A message that fails (AWS errors, or not a message the router knows) fails alone and is
retried, then ends in the queue's DLQ. A message completed before is skipped: Powertools
Idempotency keyed on its `type`, `event_id` and `after` (a new fact is a new event, so it runs
again; a continuation's page is its `after`). A chain its hop guard ended (glimpse.jobs) is
logged as an error and counted in the `ContinuationsStopped` metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse.idempotency import idempotent
from glimpse.jobs import Stats
from glimpse.plumbing import Handler, Plumbing

STOPPED = "ContinuationsStopped"  # the metric the hop guard's alarm watches (template.yaml)


def handler(
    plumbing: Plumbing,
    purpose: str,
    run: Callable[[dict[str, Any]], Stats],
    measured: Callable[[Stats], None],
    done: str,
    received: str,
) -> Handler[PartialItemFailureResponse]:
    """The function's `lambda_handler`: each record's message through `run` (idempotent,
    logged as `done` with what it did, measured by `measured`); the metric `received` counts
    the messages of each batch."""
    processor = BatchProcessor(event_type=EventType.SQS)
    idempotency = IdempotencyConfig(
        event_key_jmespath="[type, event_id, after]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=24 * 3600,
    )

    @idempotent(purpose, idempotency, data_keyword_argument="job")
    def run_job(job: dict[str, Any]) -> dict[str, Any]:
        stats = run(job)
        plumbing.logger.info(done, extra={"job": job.get("type"), **asdict(stats)})
        measured(stats)
        if stats.stopped:  # the hop guard ended a chain (glimpse.jobs.HOP_BUDGET): alarms
            plumbing.logger.error(
                "continuation stopped at its hop budget", extra={"job": job, "notes": stats.notes}
            )
            plumbing.metrics.add_metric(name=STOPPED, unit=MetricUnit.Count, value=1)
        return asdict(stats)

    def record_handler(record: SQSRecord) -> None:
        with plumbing.record(record.message_id):
            run_job(job=record.json_body)

    def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        count = len(event["Records"])
        plumbing.metrics.add_metric(name=received, unit=MetricUnit.Count, value=count)
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return plumbing.consumer(handle, idempotency)
