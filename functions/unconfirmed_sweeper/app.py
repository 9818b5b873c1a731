"""Every hour (its `Schedule` event): sign-ups whose email was never confirmed within
`UnconfirmedAccountTtlHours` are removed, their username and email free again
(glimpse.auth.unconfirmed; the eraser finishes the removal). A run stops taking new accounts a
few seconds before its timeout; the next one goes on.
"""

from typing import Any

from glimpse.auth.unconfirmed import sweep
from glimpse.clock import now
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("events_table", "unconfirmed_account_ttl_hours", "user_pool_id", "users_table")
MARGIN_MS = 5_000

plumbing = Plumbing.of("unconfirmed_sweeper")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plumbing.correlate(str(event.get("id", "")))
    swept = sweep(now(), lambda: context.get_remaining_time_in_millis() > MARGIN_MS)
    result = {"removed": swept.removed, "unconfirmed": swept.seen, "finished": swept.finished}
    logger.info("unconfirmed sign-ups swept", extra=result)
    metrics.add_metric(name="UnconfirmedRemoved", unit=MetricUnit.Count, value=swept.removed)
    return result


lambda_handler = plumbing.consumer(handle)
