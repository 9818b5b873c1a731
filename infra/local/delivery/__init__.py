"""Event delivery: every trigger type the template uses, delivered to the same handlers.

One module per kind of source, registered in `sources.SOURCES` with the properties each
honours (anything else is reported at start as `NOT EMULATED: <Function>.<Event>.<Property>`):

- `queues`: SQS event source mappings (BatchSize, MaximumBatchingWindowInSeconds,
  `ReportBatchItemFailures`, FilterCriteria; failed messages retried after `retry_delay` and
  moved to the DLQ by the queue's own redrive policy); SNS and S3 notifications bridged
  through a hidden queue and delivered as Lambda's asynchronous invocation.
- `streams`: DynamoDB streams, per shard in order, FilterCriteria, partial responses,
  bisection, `MaximumRetryAttempts`, the `OnFailure` destination.
- `schedules`: `rate()` / `cron()`; `ttl`: the TTL sweeper moto lacks.
- `filters`: Lambda's filter-pattern language; `shapes`: the events Lambda delivers.
- `loops`: Lambda's recursive-loop detection (a chain's invocations counted in a message
  attribute; a `RecursiveLoop: Terminate` function stopped at its 17th). Pollers declared as
  `AWS::Lambda::EventSourceMapping` resources arrive as the SAM events they equal
  (`Template.event_source_mappings`).
- Chaos (`chaos` > 0): every batch is shuffled and that share of successfully handled records
  is delivered once more in a later batch, to prove consumers idempotent.
"""

from infra.local.delivery.base import TTL_PRINCIPAL, DeliveryOptions
from infra.local.delivery.core import Delivery
from infra.local.delivery.filters import FilterCriteria, FilterError
from infra.local.delivery.shapes import (
    s3_event,
    scheduled_event,
    sns_event,
    sqs_event,
    sqs_record,
    stream_record,
)

__all__ = [
    "TTL_PRINCIPAL",
    "Delivery",
    "DeliveryOptions",
    "FilterCriteria",
    "FilterError",
    "s3_event",
    "scheduled_event",
    "sns_event",
    "sqs_event",
    "sqs_record",
    "stream_record",
]
