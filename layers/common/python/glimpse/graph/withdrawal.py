"""The graph's part of a deleted account's withdrawal (glimpse.withdrawal): its follows both
ways leave, and on restore rejoin, the other accounts' `followers_count` (those it followed)
and `following_count` (those that followed it). The marks are on the follower's `FOLLOWS#`
edge, the one a removal is conditioned on (glimpse.graph.service): `follower_gone_at` when the
follower left, `followee_gone_at` when the followee did, each for its own count."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.jobs import Send, Stats
from glimpse.models.batch import get_many
from glimpse.models.graph import FOLLOWER, FOLLOWS, Edge, edge_key, edge_page
from glimpse.withdrawal import PAGE, Contribution, Withdrawal, run, table


@dataclass(frozen=True, kw_only=True)
class FollowsWithdrawal(Withdrawal):
    type = "withdraw_follows"
    aggregate = "graph"


def withdraw_follows(job: FollowsWithdrawal, send: Send) -> Stats:
    """The account's `FOLLOWS#` edges, then its `FOLLOWER#` edges (`after` names its kind)."""

    def pages(after: str | None) -> tuple[list[Contribution], str | None]:
        kind = FOLLOWER if after and after.startswith(FOLLOWER) else FOLLOWS
        ids, next_after = edge_page(job.user_id, kind, after if after != kind else None, PAGE)
        if kind == FOLLOWS:  # it followed them: their followers_count
            edges = [(edge_key(job.user_id, FOLLOWS, other), other) for other in ids]
            counts, mark = "following", "follower_gone_at"
            next_after = next_after or FOLLOWER  # then those that follow it
        else:  # they follow it: their following_count
            edges = [(edge_key(other, FOLLOWS, job.user_id), other) for other in ids]
            counts, mark = "followers", "followee_gone_at"
        fetched = get_many([(Edge, key) for key, _ in edges], consistent=True)
        found = [
            Contribution(item, counts, other, mark)
            for key, other in edges
            if (item := fetched.get(Edge, key)) is not None
        ]
        return found, next_after

    return run(job, pages, send)


WITHDRAWAL = table("graph", {FollowsWithdrawal: withdraw_follows})
