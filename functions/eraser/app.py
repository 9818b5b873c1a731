"""The erasure queue: `account_erased` (through SNS) and this function's own continuations
(glimpse.consumers.erasure: each aggregate erases what it holds of the account, a page per
invocation), each run once by glimpse.consumers.job_queue. A message that fails five times
rests in the DLQ: docs/operations.md, a stuck erasure.
"""

from glimpse.consumers import erasure, job_queue
from glimpse.jobs import Stats
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "connections_table",
    "erasure_queue_url",
    "events_table",
    "feed_table",
    "idempotency_table",
    "insights_table",
    "media_bucket",
    "media_table",
    "messages_table",
    "moderation_table",
    "notifications_table",
    "posts_table",
    "sessions_table",
    "stories_table",
    "user_pool_id",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("eraser")
metrics = plumbing.metrics


def measured(stats: Stats) -> None:
    metrics.add_metric(name="ErasedItems", unit=MetricUnit.Count, value=stats.deleted)


lambda_handler = job_queue.handler(
    plumbing, "erasure", erasure.run, measured, "erasure job done", received="ErasureJobs"
)
