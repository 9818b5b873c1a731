"""The notifications' part of erasing an account (glimpse.erasure): its own partition (the
notifications it received, its settings and read marker), each of its devices with its push
endpoint and token record, and the notifications of their own it caused in others' partitions
(comments, mentions, requests: ByActor). Its grouped notifications go with their slices (the
members beyond the first few, in partitions of their own). Its entries in others' grouped
notifications leave with the `post_unliked` and `follow_removed` its likes and follows end
with."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, erase_pages, keys_found, keys_of, table
from glimpse.jobs import Send, Stats
from glimpse.models import erasure as report
from glimpse.models.batch import write_many
from glimpse.models.notifications import (
    DEVICE,
    NOTIFICATION,
    Device,
    GroupSlice,
    Notification,
    actor_pk,
    group_pk,
    recipient_pk,
)
from glimpse.notifications import kinds
from glimpse.notifications.push import forget_device

PAGE = 100  # notifications it caused, removed per invocation
SWEPT = 200  # items of its own partition per invocation (grouped ones: a Query for slices)


@dataclass(frozen=True, kw_only=True)
class NotificationsErasure(Erasure):
    type = "erase_notifications"
    aggregate = "notifications"


def erase(job: NotificationsErasure, send: Send) -> Stats:
    pk = recipient_pk(job.user_id)
    devices = 0
    if job.after is None:  # first page: the devices, whose endpoints must go too
        for device in Device.query(pk, Device.sk.startswith(DEVICE)):
            forget_device(job.user_id, device)
            devices += 1
    if devices:
        report.add(job.user_id, job.aggregate, devices)

    pages = keys_found(
        lambda: Notification.query(pk, limit=SWEPT, attributes_to_get=["pk", "sk"]), SWEPT
    )

    def remove(keys: list[tuple[str, str]]) -> int:
        """A page of the partition, each grouped notification after its slices (their own
        partitions, found by its key)."""
        slices = [
            key
            for _pk, sk in keys
            if sk.startswith(NOTIFICATION)
            and sk.removeprefix(NOTIFICATION).startswith(kinds.GROUPED_KEYS)
            for key in keys_of(
                GroupSlice.query(
                    group_pk(job.user_id, sk.removeprefix(NOTIFICATION)),
                    attributes_to_get=["pk", "sk"],
                )
            )
        ]
        write_many(GroupSlice, deletes=slices)
        write_many(Notification, deletes=keys)
        return len(slices) + len(keys)

    stats = erase_pages(job, pages, remove, send)
    stats.deleted += devices
    return stats


@dataclass(frozen=True, kw_only=True)
class CausedErasure(Erasure):
    type = "erase_caused_notifications"
    aggregate = "notifications"


def erase_caused(job: CausedErasure, send: Send) -> Stats:
    pages = keys_found(lambda: Notification.by_actor.query(actor_pk(job.user_id), limit=PAGE), PAGE)

    def remove(keys: list[tuple[str, str]]) -> int:
        write_many(Notification, deletes=keys)
        return len(keys)

    return erase_pages(job, pages, remove, send)


ERASURE = table("notifications", {NotificationsErasure: erase, CausedErasure: erase_caused})
