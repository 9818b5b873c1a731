"""`GET /me/badges`: the numbers a client shows on its icons, counted from what is kept, each
capped at BADGE_CAP (a client shows "99+"), never by reading a whole list.

- notifications_unread: the notifications newer than the read marker (a keys-only Query of
  ByActivity after it, at most BADGE_CAP read; notifications past their TTL left out);
- follow_requests: the pending requests (a keys-only Query of the `REQUEST#` edges);
- conversations_unread and message_requests: from the caller's newest BADGE_CAP inbox entries
  (one Query of ByActivity): a request counts as a message request; any other conversation
  whose newest message (`activity`) is past the caller's read marker is checked with a Query
  of its messages after the marker (only those, concurrently: usually none or a few), and
  counts if one of them is another member's (an unsent newest message leaves `activity`
  ahead of what is there).
"""

from __future__ import annotations

from collections.abc import Iterable

from glimpse.clock import now
from glimpse.concurrency import each
from glimpse.models.base import get_or_none
from glimpse.models.graph import REQUEST, Edge
from glimpse.models.messages import InboxEntry, Message, inbox_pk, messages_pk
from glimpse.models.notifications import STATE, Notification, NotificationState, recipient_pk
from glimpse.models.users import user_pk
from glimpse.notifications.schemas import Badges

BADGE_CAP = 100
CHECKED = 50  # messages read after a read marker to find one from someone else


def badges(user_id: str) -> Badges:
    inbox = list(
        InboxEntry.by_activity.query(inbox_pk(user_id), scan_index_forward=False, limit=BADGE_CAP)
    )
    candidates = [
        e
        for e in inbox
        if not e.is_request
        and e.activity != e.conversation_id
        and str(e.activity) > str(e.read_up_to or "")
    ]
    unread = sum(each(lambda e: _has_unread(user_id, e), candidates))
    return Badges(
        notifications_unread=_notifications_unread(user_id),
        conversations_unread=unread,
        follow_requests=_count(
            Edge.query(
                user_pk(user_id),
                Edge.sk.startswith(REQUEST),
                limit=BADGE_CAP,
                attributes_to_get=["pk", "sk"],
            )
        ),
        message_requests=sum(bool(e.is_request) for e in inbox),
    )


def _notifications_unread(user_id: str) -> int:
    state = get_or_none(NotificationState, recipient_pk(user_id), STATE, consistent=False)
    marker = state.read_up_to if state is not None else None
    after = Notification.activity > marker if marker else None
    fresh = Notification.expires_at.does_not_exist() | (Notification.expires_at > now())
    return _count(
        Notification.by_activity.query(
            recipient_pk(user_id),
            after,
            filter_condition=fresh,
            limit=BADGE_CAP,
            attributes_to_get=["pk", "sk"],
        )
    )


def _count(items: Iterable[object]) -> int:
    """How many items a Query with a `Limit` (the cap) returned."""
    return sum(1 for _ in items)


def _has_unread(user_id: str, entry: InboxEntry) -> bool:
    """Whether a message from another member follows the caller's read marker."""
    after = str(entry.read_up_to or entry.conversation_id)
    return any(
        m.sender_id != user_id
        for m in Message.query(
            messages_pk(entry.conversation_id),
            Message.sk > after,
            attributes_to_get=["pk", "sk", "sender_id"],
            limit=CHECKED,
        )
    )
