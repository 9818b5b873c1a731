"""Notifications: the list, marking read, settings, devices, and the badges."""

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.notifications import badges, push, service
from glimpse.notifications.schemas import (
    Badges,
    DeviceIn,
    DeviceOut,
    DeviceRemoval,
    NotificationOut,
    NotificationSettings,
    ReadUpTo,
)
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "apns_platform_application_arn",
    "cursor_secret_arn",
    "fcm_platform_application_arn",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "messages_table",
    "notifications_table",
    "posts_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("notifications")
app = create_app()


@app.get("/notifications", tags=["notifications"], summary="Your notifications, newest first")
def notifications(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[NotificationOut]:
    return service.notifications(caller(app).user_id, limit, cursor)


@app.post(
    "/notifications/read",
    tags=["notifications"],
    summary="Mark notifications read up to an id",
    status_code=204,
    responses=NO_CONTENT,
)
def mark_read(body: ReadUpTo) -> Response[None]:
    service.mark_read(caller(app).user_id, body.up_to)
    return Response(status_code=204)


@app.get("/me/notification-settings", tags=["notifications"], summary="Your notification settings")
def settings() -> NotificationSettings:
    return service.settings(caller(app).user_id)


@app.put(
    "/me/notification-settings",
    tags=["notifications"],
    summary="Turn notification types on or off",
)
def update_settings(body: NotificationSettings) -> NotificationSettings:
    return service.update_settings(caller(app).user_id, body)


@app.post(
    "/me/devices",
    status_code=201,
    tags=["notifications"],
    summary="Register a device for push (registering the same token again is harmless)",
)
def register_device(body: DeviceIn) -> DeviceOut:
    return push.register_device(caller(app).user_id, body)


@app.delete(
    "/me/devices",
    tags=["notifications"],
    summary="Unregister a device: it gets no more pushes",
    status_code=204,
    responses=NO_CONTENT,
)
def unregister_device(body: DeviceRemoval) -> Response[None]:
    push.unregister_device(caller(app).user_id, body.token)
    return Response(status_code=204)


@app.get(
    "/me/badges",
    tags=["notifications"],
    summary="Unread notifications and conversations, follow and message requests (99+ is 100)",
)
def get_badges() -> Badges:
    return badges.badges(caller(app).user_id)


lambda_handler = plumbing.http(app)
