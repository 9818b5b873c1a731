"""The Moderation table: reports, the case each reported target has, and the moderators' log.

Keys (`pk`, `sk`):
- report: `TARGET#<type>#<id>` / `REPORT#<reporter_id>`   (one per reporter and target)
- case:   `TARGET#<type>#<id>` / `CASE`   (+ Queue: `queue` / `report_count`, while open)
- action: `LOG` / `<action_id>`   (a ULID: newest first is descending order)

A case is made and counted by the counters consumer from `content_reported` events (one ADD
per case per batch, never a write of the case by the request that reports), and opened for
review by the same update (`queue`); a moderator's decision closes it (`queue` removed, so it
leaves the index). Reports by one account are found through ByReporter (erasure).
"""

from __future__ import annotations

from typing import Literal

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.clock import now
from glimpse.models.base import Model, table_meta

TargetType = Literal["post", "comment", "story", "message", "user"]
Reason = Literal["spam", "nudity", "violence", "harassment", "hate", "self_harm", "scam", "other"]
TARGET_TYPES: tuple[TargetType, ...] = ("post", "comment", "story", "message", "user")
REASONS: tuple[Reason, ...] = (
    "spam",
    "nudity",
    "violence",
    "harassment",
    "hate",
    "self_harm",
    "scam",
    "other",
)

CASE = "CASE"
REPORT = "REPORT#"
LOG = "LOG"
OPEN = "OPEN"  # the Queue index's one partition: moderator-scale, a few writes a second


def target_pk(target_type: str, target_id: str) -> str:
    return f"TARGET#{target_type}#{target_id}"


def target_of(pk: str) -> tuple[str, str]:
    """(type, id) of a `target_pk`."""
    _, target_type, target_id = pk.split("#", 2)
    return target_type, target_id


def report_sk(reporter_id: str) -> str:
    return f"{REPORT}{reporter_id}"


def reporter_pk(reporter_id: str) -> str:
    return f"REPORTER#{reporter_id}"


def reason_attribute(reason: str) -> str:
    """The case's count of reports giving `reason`."""
    return f"reason_{reason}"


def is_removed(item: object) -> bool:
    """Whether a moderator removed the content (a post, comment, story or message item:
    `removed_at`); who still sees it is glimpse.graph.access.removed_for's rule."""
    return getattr(item, "removed_at", None) is not None


class ByReporter(GlobalSecondaryIndex["Report"]):
    class Meta:
        index_name = "ByReporter"
        projection = KeysOnlyProjection()

    reporter_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class Report(Model):
    Meta = table_meta("moderation_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    report_id = UnicodeAttribute()
    reporter_id = UnicodeAttribute()
    reporter_pk = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    by_reporter = ByReporter()


class Queue(GlobalSecondaryIndex["Case"]):
    class Meta:
        index_name = "Queue"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    report_count = NumberAttribute(range_key=True)


class Case(Model):
    """What moderators decide on: a target's reports counted by reason, and the labels
    automatic moderation gave its media."""

    Meta = table_meta("moderation_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=CASE)
    target_type = UnicodeAttribute(null=True)
    target_id = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)  # OPEN while it waits for a moderator
    report_count = NumberAttribute(null=True)
    reason_spam = NumberAttribute(null=True)
    reason_nudity = NumberAttribute(null=True)
    reason_violence = NumberAttribute(null=True)
    reason_harassment = NumberAttribute(null=True)
    reason_hate = NumberAttribute(null=True)
    reason_self_harm = NumberAttribute(null=True)
    reason_scam = NumberAttribute(null=True)
    reason_other = NumberAttribute(null=True)
    auto_labels = JSONAttribute(null=True)  # [{label, score}] from automatic moderation
    first_reported_at = UTCDateTimeAttribute(null=True)
    decision = UnicodeAttribute(null=True)  # the last action taken on it
    decided_at = UTCDateTimeAttribute(null=True)
    by_queue = Queue()

    def reasons(self) -> dict[str, int]:
        found = {r: int(getattr(self, reason_attribute(r)) or 0) for r in REASONS}
        return {r: n for r, n in found.items() if n}

    @classmethod
    def opening(cls, target_type: str, target_id: str) -> list[Action]:
        """The case made (or opened again) and waiting in the queue: what a report's count and
        a flagged upload both write."""
        return [
            cls.target_type.set(target_type),
            cls.target_id.set(target_id),
            cls.queue.set(OPEN),
            cls.first_reported_at.set(cls.first_reported_at | now()),
        ]

    @classmethod
    def made_by_count(cls, pk: str, _sk: str) -> list[Action]:
        """What a report's count writes besides its ADDs (glimpse.counters)."""
        return cls.opening(*target_of(pk))


class ModerationAction(Model):
    """One line of the moderators' log."""

    Meta = table_meta("moderation_table")

    pk = UnicodeAttribute(hash_key=True, default=LOG)
    sk = UnicodeAttribute(range_key=True)
    action_id = UnicodeAttribute()
    moderator_id = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    action = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
