"""What each notification type is: its key, its setting, whether it groups, and its text.

Likes on one post, likes on one comment and follows are grouped: all that happen within one
window (a day, as API.md says) are one notification. A post's (a comment's) windows count from
its creation (its
first day's likes are one notification, its second day's the next); follows' windows are UTC
days. The other types are one notification per thing (a comment, a mention, a request).

Notifications about the account itself (`ACCOUNT`: a data export that is ready, a login from
a new device) have no actor and no setting: nobody did them, and turning them off would hide
what was asked for or what guards the account.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from glimpse.clock import time_of

NotificationType = Literal[
    "like",
    "comment",
    "comment_reply",
    "comment_like",
    "follow",
    "follow_request",
    "follow_accepted",
    "mention",
    "tag",
    "story_like",
    "story_mention",
    "export_ready",
    "login",
    "content_removed",
]
Setting = Literal["likes", "comments", "follows", "mentions"]

WINDOW = timedelta(days=1)  # API.md: likes on one post and follows "within a day" fold
RETENTION = timedelta(days=90)
SHOWN = 3  # actors in a notification, newest first
MAX_MENTIONS = 20  # users told of one caption or comment (the rest are not)
KEPT = 8  # actors a grouped notification keeps, so removals seldom leave fewer than SHOWN

SETTING_OF: dict[NotificationType, Setting] = {
    "like": "likes",
    "story_like": "likes",
    "story_mention": "mentions",
    "comment": "comments",
    "comment_reply": "comments",
    "comment_like": "likes",
    "mention": "mentions",
    "tag": "mentions",  # a tag names you in a post as a mention does: one switch for both
    "follow": "follows",
    "follow_request": "follows",
    "follow_accepted": "follows",
}
SETTINGS: tuple[Setting, ...] = ("likes", "comments", "follows", "mentions")
# Notifications about the account itself, and what each says: no actor, no setting.
ACCOUNT: dict[NotificationType, str] = {
    "export_ready": "Your data export is ready to download",
    "login": "New login",
    "content_removed": "A moderator removed your content for breaking the community rules",
}


def _window(moment: datetime, since: datetime) -> int:
    return int((moment - since) // WINDOW)


GROUPED_KEYS = (
    "like#",
    "follow#",
    "comment_like#",
)  # what the keys of grouped notifications start with


def like_key(post_id: str, liked_at: datetime) -> str:
    return f"like#{post_id}#{_window(liked_at, time_of(post_id))}"


def comment_like_key(comment_id: str, liked_at: datetime) -> str:
    """One comment's likes within a window counted from the comment's creation (as a post's)."""
    return f"comment_like#{comment_id}#{_window(liked_at, time_of(comment_id))}"


def reply_key(reply_id: str) -> str:
    return f"reply#{reply_id}"


def follow_key(followed_at: datetime) -> str:
    return f"follow#{_window(followed_at, datetime.fromtimestamp(0, followed_at.tzinfo))}"


def comment_key(comment_id: str) -> str:
    return f"comment#{comment_id}"


def tag_key(post_id: str) -> str:
    return f"tag#{post_id}"


def mention_key(post_id: str, comment_id: str | None) -> str:
    return f"mention#{post_id}#{comment_id or 'caption'}"


def request_key(follower_id: str) -> str:
    return f"request#{follower_id}"


def accepted_key(followee_id: str) -> str:
    return f"accepted#{followee_id}"


def story_like_key(story_id: str, user_id: str) -> str:
    return f"story_like#{story_id}#{user_id}"


def story_mention_key(story_id: str) -> str:
    return f"story_mention#{story_id}"


def export_key(export_id: str) -> str:
    return f"export#{export_id}"


def removed_key(target_type: str, target_id: str) -> str:
    return f"removed#{target_type}#{target_id}"


def login_key(event_id: str) -> str:
    return f"login#{event_id}"


_ACTION: dict[NotificationType, str] = {
    "like": "liked your post",
    "follow": "started following you",
    "comment": "commented on your post",
    "comment_reply": "replied to your comment",
    "comment_like": "liked your comment",
    "follow_request": "asked to follow you",
    "follow_accepted": "accepted your follow request",
    "story_like": "liked your story",
    "story_mention": "mentioned you in their story",
    "tag": "tagged you in a post",
}


def text(
    kind: NotificationType,
    names: list[str],
    count: int,
    in_comment: bool = False,
    device: str | None = None,
    at: datetime | None = None,
) -> str:
    """ "alice liked your post", "alice and bob liked your post", "alice and 10 others liked
    your post": `names` are the shown actors' usernames, newest first; `count` all actors.
    A notification about the account itself says what happened, with no one who did it; a
    login names its device and time ("New login from Firefox on Linux on 7 Dec 2026, 09:30
    UTC")."""
    if kind == "login" and device and at is not None:
        return f"New login from {device} on {at.day} {at:%b %Y, %H:%M} UTC"
    if kind in ACCOUNT:
        return ACCOUNT[kind]
    action = (
        f"mentioned you in a {'comment' if in_comment else 'post'}"
        if kind == "mention"
        else _ACTION[kind]
    )
    first = names[0] if names else "Someone"
    if count <= 1:
        who = first
    elif count == 2 and len(names) >= 2:
        who = f"{first} and {names[1]}"
    else:
        others = count - 1
        who = f"{first} and {others} {'other' if others == 1 else 'others'}"
    return f"{who} {action}"
