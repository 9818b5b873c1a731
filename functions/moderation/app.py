"""Reports and moderation: `POST /reports`, and the moderators' `/moderation/*` routes."""

from glimpse.api.identity import caller, moderator
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.moderation import actions, queue, reports
from glimpse.moderation.schemas import ActionIn, LogEntryOut, QueueItemOut, ReportIn, ReportOut
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.realtime import service as realtime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "events_table",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "messages_table",
    "moderation_table",
    "posts_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "stories_table",
    "story_ttl_seconds",
    "user_pool_id",
    "users_table",
    "connections_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("moderation")
metrics = plumbing.metrics
app = create_app()


@app.post(
    "/reports",
    status_code=202,
    tags=["safety"],
    summary="Report a post, comment, story, message or user (one report per target)",
)
def report(body: ReportIn) -> ReportOut:
    answer = reports.report(caller(app).user_id, body)
    metrics.add_metric(name="Reports", unit=MetricUnit.Count, value=1)
    return answer


@app.get(
    "/moderation/queue",
    tags=["moderation"],
    summary="Open cases, most reported first (moderators only)",
)
def moderation_queue(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[QueueItemOut]:
    moderator(app)
    return queue.queue(limit, cursor)


@app.post(
    "/moderation/actions",
    status_code=204,
    responses=NO_CONTENT,
    tags=["moderation"],
    summary="Dismiss, remove, restore, suspend or unsuspend (moderators only)",
)
def moderation_action(body: ActionIn) -> Response[None]:
    decided = actions.act(moderator(app).user_id, body)
    realtime.send_logged(decided.frames(), plumbing.logger)
    metrics.add_metric(name="ModerationActions", unit=MetricUnit.Count, value=1)
    return Response(status_code=204)


@app.get(
    "/moderation/log",
    tags=["moderation"],
    summary="Every moderator action, newest first (moderators only)",
)
def moderation_log(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[LogEntryOut]:
    moderator(app)
    return queue.log(limit, cursor)


lambda_handler = plumbing.http(app)
