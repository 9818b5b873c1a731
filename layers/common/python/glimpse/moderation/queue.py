"""What moderators read: the open cases, most reported first, and the log of their actions.

The queue is one Query of the Queue index's partition (descending report counts) and a read of
each case's target; the log is one Query of its partition, newest first. Both are
moderator-scale: a few reads a second however large the network.
"""

from __future__ import annotations

from glimpse.events import AutoLabel
from glimpse.models.batch import get_many
from glimpse.models.moderation import (
    LOG,
    OPEN,
    Case,
    ModerationAction,
    TargetType,
)
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.moderation import targets
from glimpse.moderation.schemas import LogEntryOut, QueueItemOut
from glimpse.pagination import Page, keyed_page, partition_page

QUEUE_KEYS = ("pk", "sk", "queue", "report_count")


def queue(limit: int, cursor: str | None) -> Page[QueueItemOut]:
    cases: list[Case]
    cases, next_cursor = keyed_page(
        Case.by_queue.query,
        OPEN,
        QUEUE_KEYS,
        list_id="moderation:queue",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    return Page[QueueItemOut](items=[_item(case) for case in cases], next_cursor=next_cursor)


def _item(case: Case) -> QueueItemOut:
    target_type: TargetType = case.target_type  # type: ignore[assignment]
    found = _target(target_type, str(case.target_id))
    return QueueItemOut(
        target_type=target_type,
        target_id=found.target_id if found else str(case.target_id),
        target=targets.render(found),
        report_count=int(case.report_count or 0),
        reasons=case.reasons(),
        auto_labels=[AutoLabel(**label) for label in case.auto_labels or []],
        first_reported_at=case.first_reported_at,
    )


def _target(target_type: TargetType, key_id: str) -> targets.Target | None:
    """The case's target: a user's case is keyed by the account's id, not its username."""
    if target_type != "user":
        return targets.find(target_type, key_id)
    return targets.account_by_id(key_id)


def log(limit: int, cursor: str | None) -> Page[LogEntryOut]:
    actions, next_cursor = partition_page(
        ModerationAction,
        LOG,
        list_id="moderation:log",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    moderators = {a.moderator_id for a in actions}
    fetched = get_many([(UserProfile, (user_pk(m), PROFILE)) for m in moderators])
    names = {
        m: p.username
        for m in moderators
        if (p := fetched.get(UserProfile, (user_pk(m), PROFILE))) is not None
    }
    items = [
        LogEntryOut(
            action_id=a.action_id,
            moderator=names.get(a.moderator_id),
            target_type=a.target_type,
            target_id=a.target_id,
            action=a.action,
            note=a.note,
            created_at=a.created_at,
        )
        for a in actions
    ]
    return Page[LogEntryOut](items=items, next_cursor=next_cursor)
