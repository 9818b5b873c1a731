"""The `served` log line: what a response showed to whom, for insights.

An API function that serves posts or stories (the feed, a profile's grid, explore, a hashtag's
or a place's page, a post, a story, a user's stories) or a profile logs one line per response
after the service answered: `{"message": "served", "served": {"viewer": ..., "posts": [...],
"stories": [...], "profile": <username>, "replied_story": ...}}` (JSON, by the function's
Powertools logger). Nothing is written on the request path: a CloudWatch Logs subscription
filter on the function's log group (`SERVED_PATTERN`) hands the lines to the impressions
aggregator, which counts impressions and reach per item and per day (glimpse.insights).
A response that shows nothing logs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

MESSAGE = "served"
# The subscription's filter pattern (template.yaml): the line's message, nothing else.
SERVED_PATTERN = '{ $.message = "served" }'
MAX_IDS = 100  # a page holds at most 100 items


def served(
    logger: Logger,
    viewer_id: str,
    *,
    posts: Iterable[str] = (),
    stories: Iterable[str] = (),
    profile: str | None = None,
    replied_story: str | None = None,
) -> dict[str, Any] | None:
    """Log what `viewer` was served (ids in the order shown, each once); the line's payload,
    or None when there was nothing to log."""
    line: dict[str, Any] = {"viewer": viewer_id}
    if post_ids := list(dict.fromkeys(posts))[:MAX_IDS]:
        line["posts"] = post_ids
    if story_ids := list(dict.fromkeys(stories))[:MAX_IDS]:
        line["stories"] = story_ids
    if profile:
        line["profile"] = profile
    if replied_story:
        line["replied_story"] = replied_story
    if len(line) == 1:
        return None
    logger.info(MESSAGE, extra={"served": line})
    return line
