"""The feed's part of erasing an account (glimpse.erasure): its own feed partition. Its
posts leave its followers' feeds as each follow is severed (glimpse.graph.erasure: the
`follow_removed` prune) and as each post is removed (`post_deleted`)."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, sweep, table
from glimpse.jobs import Send, Stats
from glimpse.models.feed import FeedItem, feed_pk


@dataclass(frozen=True, kw_only=True)
class FeedErasure(Erasure):
    type = "erase_feed"
    aggregate = "feed"


def erase(job: FeedErasure, send: Send) -> Stats:
    return sweep(job, FeedItem, feed_pk(job.user_id), send)


ERASURE = table("feed", {FeedErasure: erase})
