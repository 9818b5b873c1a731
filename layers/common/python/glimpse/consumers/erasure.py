"""The erasure queue (the eraser function): `account_erased`, and the continuations each
aggregate's erasure sends back to it (glimpse.erasure); before that, `account_deleted` and
`account_restored`, whose withdrawals take a deleted account's likes, comments and follows out
of others' counts and back (glimpse.withdrawal). Its SNS filter policy is
`ROUTER.event_types()`.

| aggregate | erases |
| --- | --- |
| accounts | the Cognito user, the username and email claims, sessions, connections, the profile |
| graph | every edge to another account (follows and requests with `follow_removed`) |
| posts | its posts (each with `post_deleted`) |
| feed | its feed partition |
| notifications | the notifications it received, its settings, devices and push endpoints |
| stories | its stories with their views, its highlights and their copies, its tray |
| messages | what it sent, its place among the members, conversations left with no one else |
| media | its uploads, originals, and everything made from them |
| exports | its data exports' archives, its export items and ledger |
| moderation | the reports it made; its case as a reported user, with the reports about it |
| insights | its days' impressions, reach, profile views and follows |

| aggregate | withdraws (`account_deleted`), returns (`account_restored`) |
| --- | --- |
| posts | its likes and comments from others' posts' counts |
| graph | its follows both ways from the other accounts' counts |
"""

from __future__ import annotations

from typing import Any

from glimpse.adapters.messaging import send_erasure_jobs
from glimpse.auth.erasure import ERASURE as ACCOUNTS
from glimpse.exports.erasure import ERASURE as EXPORTS
from glimpse.feed.erasure import ERASURE as FEED
from glimpse.graph.erasure import ERASURE as GRAPH
from glimpse.graph.withdrawal import WITHDRAWAL as FOLLOWS
from glimpse.insights.erasure import ERASURE as INSIGHTS
from glimpse.jobs import Send, Stats
from glimpse.media.erasure import ERASURE as MEDIA
from glimpse.messages.erasure import ERASURE as MESSAGES
from glimpse.moderation.erasure import ERASURE as MODERATION
from glimpse.notifications.erasure import ERASURE as NOTIFICATIONS
from glimpse.posts.erasure import ERASURE as POSTS
from glimpse.posts.withdrawal import WITHDRAWAL as INTERACTIONS
from glimpse.reactions import Router
from glimpse.stories.erasure import ERASURE as STORIES

ERASURES = (
    GRAPH,
    POSTS,
    FEED,
    STORIES,
    NOTIFICATIONS,
    MESSAGES,
    MEDIA,
    EXPORTS,
    MODERATION,
    INSIGHTS,
    ACCOUNTS,
)
ROUTER = Router((*ERASURES, INTERACTIONS, FOLLOWS))


def run(message: dict[str, Any], send: Send = send_erasure_jobs) -> Stats:
    """One message of the queue: a continuation, or else `account_erased`."""
    return ROUTER.run(message, send)
