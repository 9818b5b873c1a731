"""The story sweep: expired stories deleted within a minute of their expiry, where DynamoDB's
TTL may take up to two days (and their media with them, so a story's files go within a minute).

A run (every minute: the story sweeper function's schedule) queries ByExpiry's partitions of
the last `LOOKBACK` up to now, every shard, for stories whose `expires_at` has passed, and
deletes each on the condition that it still has: a story changed or deleted meanwhile is never
wrong. The deletion's stream REMOVE reaches the story reaper like a TTL deletion does, which
deletes the media and, the story being past its expiry, emits nothing (glimpse.stories.reaper).
Runs that fail or time out are caught up by the next, within `LOOKBACK`; stories left beyond
it, and those made before ByExpiry existed (no `expiry_pk`), still go by TTL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from glimpse.concurrency import each
from glimpse.models.base import conditionally
from glimpse.models.stories import Story, expiry_pks

LOOKBACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Swept:
    partitions: int  # ByExpiry partitions queried
    deleted: int  # stories deleted
    finished: bool  # every partition read to its end (else time ran out: the next run goes on)


def sweep(moment: datetime, in_time: Callable[[], bool] = lambda: True) -> Swept:
    """Delete the stories expired by `moment` (those expiring since `moment - LOOKBACK`),
    while `in_time()`: what is left when it turns false is the next run's."""
    partitions = expiry_pks(moment - LOOKBACK, moment)
    results = each(lambda partition: _sweep(partition, moment, in_time), partitions)
    return Swept(
        partitions=len(partitions),
        deleted=sum(deleted for deleted, _ in results),
        finished=all(finished for _, finished in results),
    )


def _sweep(partition: str, moment: datetime, in_time: Callable[[], bool]) -> tuple[int, bool]:
    """(stories deleted, whether the partition was read to its end) of one partition."""
    deleted = 0
    if not in_time():
        return deleted, False
    for story in Story.by_expiry.query(partition, Story.expires_at <= moment):
        deleted += conditionally(partial(story.delete, condition=Story.expires_at <= moment))
        if not in_time():
            return deleted, False
    return deleted, True
