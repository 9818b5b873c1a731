"""The Notifications table: each user's notifications, the groups' members, settings, devices.

Keys (`pk`, `sk`):
- notification: `USER#<recipient>` / `N#<key>`   (+ ByActivity: `USER#<recipient>` / `activity`;
  a notification of its own, not grouped, also ByActor: `actor_pk` = `ACTOR#<actor>`)
  `key` names what the notification is about (glimpse.notifications.kinds): one post's likes
  in one window (`like#<post_id>#<window>`), one window's follows (`follow#<window>`), a
  comment (`comment#<comment_id>`), ... A grouped notification is one item whatever its size.
- group slice: `GROUP#<recipient>#<key>` / `<second>`: members of a grouped notification beyond
  the first few it holds itself, who acted in that second (`<actor_id>|<time>`, a string
  set). Written once per batch of events, whatever the batch holds; its partition is the
  group's own, so a viral post spreads nowhere else.
- state:  `USER#<recipient>` / `STATE`: settings, the read marker, the push rate limit.
- device: `USER#<recipient>` / `DEVICE#<token hash>`: an SNS platform endpoint.
- token:  `TOKEN#<token hash>` / `TOKEN`: which user a device token belongs to now (a phone
  that signs in to another account stops getting the first account's pushes).

`activity` is the notification's id: a ULID of its latest change, so the newest first list is
one Query of ByActivity, and "read up to an id" compares ids. Notifications and slices carry
`expires_at` (TTL, 90 days after their window closed); reads filter on it too.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, table_meta

NOTIFICATION = "N#"
STATE = "STATE"
DEVICE = "DEVICE#"


def recipient_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def recipient_of(item: Notification) -> str:
    return str(item.pk).removeprefix("USER#")


def notification_sk(key: str) -> str:
    return f"{NOTIFICATION}{key}"


def group_pk(recipient_id: str, key: str) -> str:
    return f"GROUP#{recipient_id}#{key}"


def device_sk(token_hash: str) -> str:
    return f"{DEVICE}{token_hash}"


def token_pk(token_hash: str) -> str:
    return f"TOKEN#{token_hash}"


class ByActivity(GlobalSecondaryIndex["Notification"]):
    class Meta:
        index_name = "ByActivity"
        projection = AllProjection()

    recipient_pk = UnicodeAttribute(hash_key=True)
    activity = UnicodeAttribute(range_key=True)


class ByActor(GlobalSecondaryIndex["Notification"]):
    class Meta:
        index_name = "ByActor"
        projection = KeysOnlyProjection()

    actor_pk = UnicodeAttribute(hash_key=True)


def actor_pk(actor_id: str) -> str:
    return f"ACTOR#{actor_id}"


class Notification(Model):
    Meta = table_meta("notifications_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()  # API.md's notification type
    post_id = UnicodeAttribute(null=True)
    comment_id = UnicodeAttribute(null=True)
    reply_to = UnicodeAttribute(null=True)  # the comment's thread, when it is a reply
    story_id = UnicodeAttribute(null=True)
    export_id = UnicodeAttribute(null=True)  # export_ready: the export
    device = UnicodeAttribute(null=True)  # login: the device that signed in
    # [[user_id, iso time], ...] newest first (none for one about the account itself): a few
    # more than shown, so a removal or a block seldom leaves fewer than three to show.
    actors = JSONAttribute(default=list)
    actor_count = NumberAttribute(default=1)
    # A grouped one's first members, `<actor_id>|<time>` (the rest are in its slices).
    members = UnicodeSetAttribute(null=True)
    version = NumberAttribute(default=0)  # grouped ones: optimistic concurrency
    created_at = UTCDateTimeAttribute()
    recipient_pk = UnicodeAttribute()
    activity = UnicodeAttribute()
    expires_at = TTLAttribute()
    by_activity = ByActivity()
    actor_pk = UnicodeAttribute(null=True)  # a notification of its own: who caused it
    by_actor = ByActor()


def newest_notification(recipient_id: str) -> Notification | None:
    """The user's notification with the newest id (one Query of ByActivity)."""
    query = Notification.by_activity.query(
        recipient_pk(recipient_id), scan_index_forward=False, limit=1
    )
    return next(iter(query), None)


class GroupSlice(Model):
    Meta = table_meta("notifications_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    members = UnicodeSetAttribute(default=set)
    version = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class NotificationState(Model):
    """Settings (absent: on), the read marker and the push rate limit of one user."""

    Meta = table_meta("notifications_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=STATE)
    likes = BooleanAttribute(null=True)
    comments = BooleanAttribute(null=True)
    follows = BooleanAttribute(null=True)
    mentions = BooleanAttribute(null=True)
    read_up_to = UnicodeAttribute(null=True)  # a notification id
    pushed_at = UTCDateTimeAttribute(null=True)  # the last push sent
    held = NumberAttribute(null=True)  # notifications held back by the rate limit since
    flush_at = UTCDateTimeAttribute(null=True)  # when the held ones are due to be pushed

    def allows(self, setting: str) -> bool:
        """A type is on unless turned off."""
        return getattr(self, setting) is not False


def allows(state: NotificationState | None, setting: str) -> bool:
    """Settings of a user with no state item yet: all on."""
    return state is None or state.allows(setting)


class Device(Model):
    Meta = table_meta("notifications_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    platform = UnicodeAttribute()  # ios | android
    endpoint_arn = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class DeviceToken(Model):
    Meta = table_meta("notifications_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="TOKEN")
    user_id = UnicodeAttribute()
    endpoint_arn = UnicodeAttribute()
