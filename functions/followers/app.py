"""The follow edges on the Users table's stream → the followed account's side of each follow.

Per batch, in stream order: the `FOLLOWER#` edges and the counts (glimpse.counters.followers),
then `follow_created` / `request_approved` for each follow made, on the social-events topic.
Applying the batch again changes nothing twice (the follower edge is each follow's mark), so
a failure to apply it fails the invocation and Lambda retries the batch whole
(BisectBatchOnFunctionError halves one that keeps failing; after MaximumRetryAttempts its
description goes to the failure queue). An event SNS did not accept is reported as a batch item
failure from its record on: the retry applies what is applied already again (nothing changes)
and publishes from there.
"""

from typing import Any

from glimpse.adapters.messaging import publish_events
from glimpse.counters import followers
from glimpse.events import as_published
from glimpse.models.streams import read_batch
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "celebrity_follower_threshold",
    "events_table",
    "feed_table",
    "insights_table",
    "social_events_topic_arn",
    "users_table",
)

plumbing = Plumbing.of("followers")
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = read_batch(event)
    if records:
        plumbing.correlate(records[0].sequence_number)
    done = followers.apply(records)
    pending = done.published
    failed = publish_events([as_published(e) for _, e in pending]) if pending else set()
    metrics.add_metric(name="FollowsCounted", unit=MetricUnit.Count, value=done.counted.events)
    logger.info(
        "follows applied",
        extra={
            "counted": done.counted.events,
            "duplicates": done.counted.duplicates,
            "skipped": done.skipped,
            "unblocked": done.unblocked,
            "published": len(pending) - len(failed),
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": pending[min(failed)][0]}] if failed else []}


lambda_handler = plumbing.consumer(handle)
