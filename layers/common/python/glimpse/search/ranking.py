"""Explore's ranking: engagement with time decay, then pages with at most two posts per author.

Pure functions of the candidates and a fixed moment (`as_of`, carried in the cursor), so
every page of one explore session comes from the same order, on OpenSearch as on the local
cloud's stand-in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

HALF_LIFE = timedelta(hours=36)  # a post's score halves every day and a half
PER_AUTHOR = 2  # posts of one author on one page
COMMENT_WEIGHT = 2.0  # a comment is worth two likes


@dataclass(frozen=True)
class Candidate:
    post_id: str
    author_id: str
    like_count: int
    comment_count: int
    created_at: datetime


def score(candidate: Candidate, as_of: datetime) -> float:
    engagement = math.log1p(max(0, candidate.like_count)) + COMMENT_WEIGHT * math.log1p(
        max(0, candidate.comment_count)
    )
    age = max((as_of - candidate.created_at).total_seconds(), 0.0)
    return float((1.0 + engagement) * 0.5 ** (age / HALF_LIFE.total_seconds()))


def ranked(candidates: Iterable[Candidate], as_of: datetime) -> list[Candidate]:
    """Best first; ties newest first."""
    return sorted(candidates, key=lambda c: (-score(c, as_of), _descending(c.post_id)))


def _descending(post_id: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in post_id)


def pages(order: list[Candidate], size: int, per_author: int = PER_AUTHOR) -> list[list[Candidate]]:
    """`order` cut into pages of `size`: each takes the best posts left, skipping an author's
    third and later on that page (they wait for the next pages, still in order)."""
    out: list[list[Candidate]] = []
    pending = order
    while pending:
        page: list[Candidate] = []
        rest: list[Candidate] = []
        per: Counter[str] = Counter()
        for candidate in pending:
            if len(page) < size and per[candidate.author_id] < per_author:
                page.append(candidate)
                per[candidate.author_id] += 1
            else:
                rest.append(candidate)
        out.append(page)
        pending = rest
    return out
