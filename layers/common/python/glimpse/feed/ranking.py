"""`?order=ranked`: recency, engagement and the reader's interactions with the author.

    score = recency x (1 + engagement + affinity)
    recency    = 1 / (1 + age_hours / 6)            (halves after 6 hours, then keeps falling)
    engagement = ln(1 + likes + 2 x comments) / 5   (comments weigh double)
    affinity   = ln(1 + interactions) / 2           (the reader's likes and comments on the author)

Pure Python, so it ranks the same on the local cloud and in AWS.
"""

from __future__ import annotations

import math
from datetime import datetime

HALF_LIFE_HOURS = 6.0


def score(
    created_at: datetime, like_count: int, comment_count: int, interactions: int, now: datetime
) -> float:
    age_hours = max(0.0, (now - created_at).total_seconds() / 3600)
    recency = 1 / (1 + age_hours / HALF_LIFE_HOURS)
    engagement = math.log1p(max(0, like_count) + 2 * max(0, comment_count)) / 5
    affinity = math.log1p(max(0, interactions)) / 2
    return recency * (1 + engagement + affinity)
