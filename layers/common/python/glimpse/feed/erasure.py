"""The feed's part of erasing an account (glimpse.erasure): its own feed partition. Its
posts leave its followers' feeds as each follow is severed (glimpse.graph.erasure: the
`follow_removed` prune) and as each post is removed (`post_deleted`)."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse import events
from glimpse.erasure import Erasure, sweep
from glimpse.jobs import Send, Stats
from glimpse.models.feed import FeedItem, feed_pk
from glimpse.reactions import Table


@dataclass(frozen=True, kw_only=True)
class FeedErasure(Erasure):
    type = "erase_feed"
    aggregate = "feed"


def account_erased(event: events.AccountErased, send: Send) -> Stats:
    return erase(FeedErasure(event_id=event.event_id, user_id=event.user_id), send)


def erase(job: FeedErasure, send: Send) -> Stats:
    return sweep(job, FeedItem, feed_pk(job.user_id), send)


ERASURE = Table(
    owner="feed",
    reactions={events.AccountErased: (account_erased,)},
    jobs={FeedErasure: erase},
)
