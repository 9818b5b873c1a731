"""CloudWatch Logs subscription deliveries of `served` lines → insights (impressions, reach).

Each invocation is one delivery: a log group's stream's batch of log events (base64 gzip
JSON, `awslogs.data`). Its lines are summed per item and written once per item
(glimpse.insights.aggregator), each chunk under an applied mark named after the delivery's
identity (its log group, stream and event ids), so a delivery Lambda retries, or that
CloudWatch Logs sends again, adds nothing twice. A failure raises: Lambda's asynchronous
invocation retries it twice, then hands the delivery to the function's dead-letter queue.
"""

from typing import Any

from glimpse.insights import aggregator
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "idempotency_table",
    "insights_table",
    "posts_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("impressions")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    data = CloudWatchLogsEvent(event).parse_logs_data()
    if data.message_type != "DATA_MESSAGE":  # CloudWatch Logs' check that it can deliver
        return {"lines": 0}
    batch = aggregator.batch_id(
        f"{data.log_group}/{data.log_stream}", (e.get_id for e in data.log_events)
    )
    plumbing.correlate(batch)
    lines = [
        line
        for e in data.log_events
        if (line := aggregator.parse(e.timestamp, e.message)) is not None
    ]
    applied = aggregator.apply(batch, lines)
    logger.info("insights applied", extra={"applied": vars(applied)})
    metrics.add_metric(name="Impressions", unit=MetricUnit.Count, value=applied.impressions)
    metrics.add_metric(name="InsightWrites", unit=MetricUnit.Count, value=applied.items_written)
    return {"lines": applied.lines, "duplicates": applied.duplicates}


lambda_handler = plumbing.consumer(handle)
