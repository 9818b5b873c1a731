"""The feed-jobs queue: domain events (through SNS) and this function's own continuations,
each run once by glimpse.consumers.job_queue (a re-follow is a new event, so it runs again).
"""

from glimpse.consumers import feed_jobs, job_queue
from glimpse.jobs import Stats
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "events_table",
    "feed_jobs_queue_url",
    "feed_table",
    "idempotency_table",
    "media_bucket",
    "media_table",
    "moderation_table",
    "posts_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("fanout")
metrics = plumbing.metrics


def measured(stats: Stats) -> None:
    metrics.add_metric(name="FeedEntriesWritten", unit=MetricUnit.Count, value=stats.written)
    metrics.add_metric(name="FeedEntriesDeleted", unit=MetricUnit.Count, value=stats.deleted)


lambda_handler = job_queue.handler(
    plumbing, "feed_jobs", feed_jobs.run, measured, "feed job done", received="FeedJobs"
)
