"""Every minute (its `Schedule` event): the stories expired within the last ten minutes are
deleted (glimpse.stories.sweeper), and the story reaper, woken by the deletions on the Stories
table's stream, deletes their media. A run stops taking new work a few seconds before its
timeout; the next run, a minute later, goes on where it stopped.
"""

from typing import Any

from glimpse.clock import now
from glimpse.plumbing import Plumbing
from glimpse.stories.sweeper import sweep

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("stories_table",)
# Time kept back from the timeout: the deletes in flight end well within it.
MARGIN_MS = 5_000

plumbing = Plumbing.of("story_sweeper")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plumbing.correlate(str(event.get("id", "")))
    swept = sweep(now(), lambda: context.get_remaining_time_in_millis() > MARGIN_MS)
    result = {"deleted": swept.deleted, "finished": swept.finished}
    logger.info("stories swept", extra={**result, "partitions": swept.partitions})
    metrics.add_metric(name="StoriesSwept", unit=MetricUnit.Count, value=swept.deleted)
    return result


lambda_handler = plumbing.consumer(handle)
