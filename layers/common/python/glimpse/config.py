"""Settings read from the environment the template gives each function; validated once.

A plain dataclass, not a pydantic model: every function reads its settings, and most of the
functions that handle no HTTP request and parse no domain event need no pydantic at all (it
is a third of their cold start).
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Every environment variable a Glimpse function may read.

    A function only reads the fields it uses; fields whose resource a function is not given
    are empty, so reading one there fails loudly through :func:`require`.
    """

    stage: str = "dev"
    region: str = "us-east-1"
    users_table: str = ""
    user_pool_client_id: str = ""
    user_pool_id: str = ""  # for the admin calls that end every session of an account
    sessions_table: str = ""  # glimpse.models.sessions
    media_table: str = ""
    media_bucket: str = ""
    # Host (and path) that serves the bucket's renditions/ prefix: the CloudFront domain.
    media_cdn_domain: str = ""
    # CloudFront signed media URLs (glimpse.adapters.cdn): the public key's id, the secret
    # holding the private key (both empty: URLs are not signed), and how long a URL works.
    media_url_key_id: str = ""
    media_url_signing_key_arn: str = ""
    media_url_ttl_seconds: int = 3600
    idempotency_table: str = ""
    posts_table: str = ""
    feed_table: str = ""
    feed_jobs_queue_url: str = ""
    erasure_queue_url: str = ""  # the eraser's own queue (glimpse.erasure continuations)
    events_table: str = ""  # the outbox (glimpse.models.outbox)
    stories_table: str = ""
    story_ttl_seconds: int = 86400
    account_deletion_grace_seconds: int = 30 * 86400  # DELETE /me until erasure
    unconfirmed_account_ttl_hours: float = 48.0  # a sign-up never confirmed, until removed
    social_events_topic_arn: str = ""
    cursor_secret_arn: str = ""
    auto_confirm_users: bool = False
    celebrity_follower_threshold: int = 10000
    notifications_table: str = ""
    messages_table: str = ""
    connections_table: str = ""
    # The WebSocket API's management endpoint (https://<api>.execute-api.<region>.amazonaws.com/<stage>).
    websocket_management_url: str = ""
    cognito_issuer: str = ""  # https://cognito-idp.<region>.amazonaws.com/<pool id>
    notifier_queue_url: str = ""  # the notifier's own queue: held pushes come back through it
    # SNS platform applications for mobile push (empty: that platform cannot register).
    apns_platform_application_arn: str = ""
    fcm_platform_application_arn: str = ""
    # The search domain's endpoint (`search-….es.amazonaws.com`, or a URL with its scheme).
    opensearch_endpoint: str = ""
    # Per-user and per-IP budgets (glimpse.api.limits): their buckets' table, and the factor
    # every budget is multiplied by (0: no limits).
    rate_limits_table: str = ""
    rate_limit_scale: float = 1.0
    # Automatic moderation of uploads (glimpse.media.moderation): the model (`off`, `local`,
    # `rekognition`) and the scores (0..1) above which an upload is rejected, or published and
    # sent to moderators.
    moderation_mode: str = "off"
    moderation_reject_score: float = 0.9
    moderation_review_score: float = 0.6
    moderation_table: str = ""  # reports, cases and the moderators' log (glimpse.moderation)
    insights_table: str = ""  # impressions, reach sketches and daily counts (glimpse.insights)

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"setting {name.upper()} is not configured for this function")
        return str(value)


_ENV = {
    "stage": "STAGE",
    "region": "AWS_REGION",
    "users_table": "USERS_TABLE",
    "user_pool_client_id": "USER_POOL_CLIENT_ID",
    "user_pool_id": "USER_POOL_ID",
    "sessions_table": "SESSIONS_TABLE",
    "media_table": "MEDIA_TABLE",
    "media_bucket": "MEDIA_BUCKET",
    "media_cdn_domain": "MEDIA_CDN_DOMAIN",
    "media_url_key_id": "MEDIA_URL_KEY_ID",
    "media_url_signing_key_arn": "MEDIA_URL_SIGNING_KEY_ARN",
    "media_url_ttl_seconds": "MEDIA_URL_TTL_SECONDS",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "posts_table": "POSTS_TABLE",
    "feed_table": "FEED_TABLE",
    "feed_jobs_queue_url": "FEED_JOBS_QUEUE_URL",
    "erasure_queue_url": "ERASURE_QUEUE_URL",
    "events_table": "EVENTS_TABLE",
    "stories_table": "STORIES_TABLE",
    "story_ttl_seconds": "STORY_TTL_SECONDS",
    "account_deletion_grace_seconds": "ACCOUNT_DELETION_GRACE_SECONDS",
    "unconfirmed_account_ttl_hours": "UNCONFIRMED_ACCOUNT_TTL_HOURS",
    "social_events_topic_arn": "SOCIAL_EVENTS_TOPIC_ARN",
    "cursor_secret_arn": "CURSOR_SECRET_ARN",
    "auto_confirm_users": "AUTO_CONFIRM_USERS",
    "celebrity_follower_threshold": "CELEBRITY_FOLLOWER_THRESHOLD",
    "notifications_table": "NOTIFICATIONS_TABLE",
    "messages_table": "MESSAGES_TABLE",
    "connections_table": "CONNECTIONS_TABLE",
    "websocket_management_url": "WEBSOCKET_MANAGEMENT_URL",
    "cognito_issuer": "COGNITO_ISSUER",
    "opensearch_endpoint": "OPENSEARCH_ENDPOINT",
    "notifier_queue_url": "NOTIFIER_QUEUE_URL",
    "apns_platform_application_arn": "APNS_PLATFORM_APPLICATION_ARN",
    "fcm_platform_application_arn": "FCM_PLATFORM_APPLICATION_ARN",
    "rate_limits_table": "RATE_LIMITS_TABLE",
    "rate_limit_scale": "RATE_LIMIT_SCALE",
    "moderation_mode": "MODERATION_MODE",
    "moderation_reject_score": "MODERATION_REJECT_SCORE",
    "moderation_review_score": "MODERATION_REVIEW_SCORE",
    "moderation_table": "MODERATION_TABLE",
    "insights_table": "INSIGHTS_TABLE",
}


FIELDS = frozenset(field.name for field in dataclasses.fields(Settings))
# What pydantic (the settings' parser before) accepted: a deploy that worked keeps working.
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_WHOLE_NUMBER = re.compile(r"([+-]?\d+)(?:\.0*)?")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; ValueError naming the variable when one of the
    numbers or flags does not parse (a deploy's mistake: the function must not start)."""
    raw = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    if "region" not in raw and os.environ.get("AWS_DEFAULT_REGION"):
        raw["region"] = os.environ["AWS_DEFAULT_REGION"]
    parsed: dict[str, Any] = {field: _parse(field, text) for field, text in raw.items()}
    return Settings(**parsed)


def _parse(field: str, text: str) -> str | int | bool | float:
    kind = type(getattr(Settings, field))
    word = text.strip().lower()
    if kind is str:
        return text
    if kind is bool:
        if word in _TRUE | _FALSE:
            return word in _TRUE
    elif kind is int:
        whole = _WHOLE_NUMBER.fullmatch(word)  # a CloudFormation Number may come as "3600.0"
        if whole:
            return int(whole.group(1))
    elif kind is float:
        try:
            number = float(word)
        except ValueError:
            number = -1.0
        if 0 <= number < float("inf"):
            return number
    else:
        raise TypeError(f"Settings.{field}: no parser for {kind.__name__}")
    raise ValueError(f"{_ENV[field]}={text!r} is not a valid {kind.__name__}")
