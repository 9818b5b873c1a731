"""The Users table: one profile item per user and one claim item per taken username or email.

Keys (`pk`, `sk`):
- profile:        `USER#<user_id>`    / `PROFILE`
- username claim: `USERNAME#<lower>`  / `CLAIM`  (points at the user id)
- email claim:    `EMAIL#<lower>`     / `CLAIM`
- deleted account: `USER#<user_id>`   / `DELETED`  (the profile, moved aside by `DELETE /me`
  until it is restored or erased: every read of `PROFILE` finds no such user meanwhile)
Graph edges live in the same partitions (see `glimpse.models.graph`).
"""

from __future__ import annotations

import json
from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from glimpse.models.base import Model, table_meta

PROFILE = "PROFILE"
CLAIM = "CLAIM"
DELETED = "DELETED"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def profile_user_id(pk: str, sk: str) -> str | None:
    """The user's id if (`pk`, `sk`) is a profile item's key (not a claim's or an edge's)."""
    return pk.removeprefix("USER#") if sk == PROFILE and pk.startswith("USER#") else None


def username_pk(username: str) -> str:
    return f"USERNAME#{username.lower()}"


def email_pk(email: str) -> str:
    return f"EMAIL#{email.lower()}"


class UserProfile(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PROFILE)
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    bio = UnicodeAttribute(default="")
    is_private = BooleanAttribute(default=False)
    avatar = MapAttribute[str, str](null=True)
    followers_count = NumberAttribute(default=0)
    following_count = NumberAttribute(default=0)
    posts_count = NumberAttribute(default=0)
    # +1 with every change the search index shows (profile fields, privacy, counts): orders
    # the versions of the account's search documents (glimpse.search.documents).
    revision = NumberAttribute(default=0)
    # Set once the account passes CelebrityFollowerThreshold, and kept: its posts are merged
    # into feeds at read time instead of fanned out.
    is_celebrity = BooleanAttribute(default=False)
    # The newest post's id: feeds skip a followed celebrity with nothing newer than their page.
    last_post_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class UniqueClaim(Model):
    """Reserves a username or an email. `pending` until the Cognito account exists."""

    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=CLAIM)
    state = UnicodeAttribute()  # pending | active
    claim_id = UnicodeAttribute()  # who holds a pending claim (one sign-up attempt)
    user_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


RESTORE_STEP = 2  # `revision` a restore adds: its search document outranks the deletion's


PENDING_COUNTS = ("followers_count", "following_count", "posts_count")


class DeletedProfile(Model):
    """An account waiting to be erased, or suspended: its profile item as it was (`snapshot`,
    DynamoDB's JSON), and what erasing or restoring it needs."""

    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=DELETED)
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    snapshot = UnicodeAttribute()
    deleted_at = UTCDateTimeAttribute()
    # Absent on an account aside only because a moderator suspended it: nothing erases it.
    erase_after = UTCDateTimeAttribute(null=True)
    erasure_event_id = UnicodeAttribute(null=True)  # the delayed `account_erased` (outbox)
    suspended_at = UTCDateTimeAttribute(null=True)  # by a moderator (glimpse.moderation)
    # Count changes that arrived while the profile was aside (another deleted account's
    # withdrawal or return, glimpse.withdrawal): added to the snapshot's counts on restore.
    pending_followers_count = NumberAttribute(null=True)
    pending_following_count = NumberAttribute(null=True)
    pending_posts_count = NumberAttribute(null=True)

    @classmethod
    def of(
        cls, profile: UserProfile, deleted_at: datetime, erase_after: datetime, event_id: str
    ) -> DeletedProfile:
        """`profile` moved aside at `deleted_at`, erased by the delayed event `event_id`."""
        return cls(
            profile.pk,
            DELETED,
            user_id=profile.user_id,
            username=profile.username,
            email=profile.email,
            snapshot=json.dumps(profile.serialize()),
            deleted_at=deleted_at,
            erase_after=erase_after,
            erasure_event_id=event_id,
        )

    @classmethod
    def suspension(cls, profile: UserProfile, moment: datetime) -> DeletedProfile:
        """`profile` moved aside by a moderator's suspension (no erasure follows)."""
        return cls(
            profile.pk,
            DELETED,
            user_id=profile.user_id,
            username=profile.username,
            email=profile.email,
            snapshot=json.dumps(profile.serialize()),
            deleted_at=moment,
            suspended_at=moment,
        )

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_leaving(self) -> bool:
        """Whether its owner deleted it (an erasure is due), rather than only a suspension."""
        return self.erasure_event_id is not None

    def profile(self) -> UserProfile:
        """The profile as it was when the account was deleted."""
        return UserProfile.from_raw_data(json.loads(self.snapshot))

    def restored(self) -> UserProfile:
        """The profile to put back: as it was, its counts with what changed meanwhile
        (`pending_*`), `revision` moved on by RESTORE_STEP."""
        profile = self.profile()
        profile.revision = int(profile.revision or 0) + RESTORE_STEP
        for name in PENDING_COUNTS:
            change = getattr(self, f"pending_{name}") or 0
            setattr(profile, name, int(getattr(profile, name) or 0) + int(change))
        return profile
