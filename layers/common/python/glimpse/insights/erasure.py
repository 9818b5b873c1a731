"""Insights' part of erasing an account (glimpse.erasure): its days (`USER#<id>`: impressions,
reach sketches, profile views, follows). Its posts' and stories' totals hold no one's id (their
reach is a sketch of hashes) and expire with their TTL once nothing serves them."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, sweep, table
from glimpse.jobs import Send, Stats
from glimpse.models.insights import InsightItem, account_pk


@dataclass(frozen=True, kw_only=True)
class InsightsErasure(Erasure):
    type = "erase_insights"
    aggregate = "insights"


def erase(job: InsightsErasure, send: Send) -> Stats:
    return sweep(job, InsightItem, account_pk(job.user_id), send)


ERASURE = table("insights", {InsightsErasure: erase})
