"""Notifications as their recipient sees them now: what no longer holds is left out.

A notification is shown only while what it is about still exists and is still so: the post
(likes, comments, mentions), the comment, the story and its like, the pending request, the
export's archive; a mention only while its recipient may see the post's author; a comment
only while it holds none of its recipient's hidden words (glimpse.users.hidden_words). Actors who
no longer exist or are blocked either way are left out (from `actors` and from
`actor_count`), and a notification with no actor left is not shown (one about the account
itself never had one). Expired ones (90 days; TTL deletes lazily) neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glimpse.clock import now, time_of
from glimpse.directory import UserSummary
from glimpse.graph.access import listed, removed_for
from glimpse.models.batch import Fetched, get_many
from glimpse.models.exports import Export, export_sk, exports_pk
from glimpse.models.graph import REQUEST, Edge, edge_key
from glimpse.models.notifications import Notification
from glimpse.models.posts import POST, Comment, Post, any_comment_sk, post_pk
from glimpse.models.stories import STORY, Story, StoryView, story_pk, view_sk
from glimpse.notifications import kinds
from glimpse.notifications.schemas import NotificationOut
from glimpse.posts.views import may_see, sight_keys, tagged_ids
from glimpse.users import hidden_words
from glimpse.users.hidden_words import NOTHING, Matcher

type Key = tuple[type[Any], tuple[str, str]]
# Notifications the recipient's hidden words hide: a comment on their post, a reply to their
# comment (told only if it holds none of them: the notifier's rule, glimpse.notifications.
# reactions).
HIDABLE = ("comment", "comment_reply")

SEEN_POST = ("mention", "tag")  # shown while the recipient may see the post


def _content_keys(recipient_id: str, item: Notification) -> list[Key]:
    """What must still exist for `item` to be shown."""
    keys: list[Key] = []
    if item.post_id:
        keys.append((Post, (post_pk(item.post_id), POST)))
    if item.comment_id and item.post_id:
        keys.append((Comment, _comment_key(item)))
    if item.story_id:
        keys.append((Story, (story_pk(item.story_id), STORY)))
        keys += [(StoryView, (story_pk(item.story_id), view_sk(a))) for a, _ in item.actors]
    if item.type == "follow_request":
        keys += [(Edge, edge_key(recipient_id, REQUEST, a)) for a, _ in item.actors]
    if item.export_id:
        keys.append((Export, (exports_pk(recipient_id), export_sk(item.export_id))))
    return keys


def _comment_key(item: Notification) -> tuple[str, str]:
    return post_pk(str(item.post_id)), any_comment_sk(str(item.comment_id), item.reply_to)


def render(
    recipient_id: str, items: Sequence[Notification], read_up_to: str | None
) -> list[NotificationOut]:
    """Two or three BatchGetItem calls for a page: the content, the actors (and blocks), and
    for mentions what deciding whether the recipient may see the post reads."""
    moment = now()
    fresh = [n for n in items if n.expires_at is None or n.expires_at > moment]
    if not fresh:
        return []
    page = _Page.read(recipient_id, fresh, moment)
    return [out for n in fresh if (out := page.show(n, read_up_to)) is not None]


@dataclass(frozen=True)
class _Page:
    """What showing a page of notifications reads, and what it decides with that."""

    recipient_id: str
    moment: datetime
    content: Fetched  # what the notifications are about (`_content_keys`)
    shown: dict[str, UserSummary]  # the actors the recipient may see
    sight: Fetched | None  # for mentions: whether the recipient may see each post
    hides: Matcher  # the recipient's hidden words, for comments on their posts

    @classmethod
    def read(cls, recipient_id: str, fresh: list[Notification], moment: datetime) -> _Page:
        keys = [k for n in fresh for k in _content_keys(recipient_id, n)]
        commented = any(n.type in HIDABLE for n in fresh)
        content = get_many([*keys, hidden_words.key(recipient_id)] if commented else keys)
        shown = listed(recipient_id, [a for n in fresh for a, _ in n.actors])
        mentioned = [
            post
            for n in fresh
            if n.type in SEEN_POST
            and n.post_id
            and (post := content.get(Post, (post_pk(n.post_id), POST))) is not None
        ]
        sight = (
            get_many([k for post in mentioned for k in sight_keys(recipient_id, post)])
            if mentioned
            else None
        )
        hides = hidden_words.matcher_in(content, recipient_id) if commented else NOTHING
        return cls(recipient_id, moment, content, shown, sight, hides)

    def holds(self, n: Notification) -> bool:
        """What `n` is about still exists (and a mention's post may still be seen)."""
        content = self.content
        if n.post_id and content.get(Post, (post_pk(n.post_id), POST)) is None:
            return False
        comment = _comment_key(n) if n.post_id and n.comment_id else None
        found = content.get(Comment, comment) if comment else None
        if comment and found is None:
            return False
        if found is not None and removed_for(self.recipient_id, found.author_id, found.removed_at):
            return False  # a moderator removed it: its author alone sees it
        if n.type in HIDABLE and found is not None and self.hides.hides(found.text):
            return False  # a comment on the recipient's post holding one of their hidden words
        if n.story_id:
            story = content.get(Story, (story_pk(n.story_id), STORY))
            if story is None or story.expires_at <= self.moment:
                return False
        if n.type in SEEN_POST and n.post_id and self.sight is not None:
            post = content.get(Post, (post_pk(n.post_id), POST))
            if post is None or not may_see(self.recipient_id, post, self.sight):
                return False
            if n.type == "tag" and self.recipient_id not in tagged_ids(post):
                return False  # they removed their tag
        if n.export_id:
            export = content.get(Export, (exports_pk(self.recipient_id), export_sk(n.export_id)))
            if export is None or export.expires_at is None or export.expires_at <= self.moment:
                return False  # its archive is gone (or it never was ready)
        return True

    def still(self, n: Notification, actor_id: str) -> bool:
        """The actor's own part still holds (a story like, a pending request)."""
        if n.type == "story_like" and n.story_id:
            view = self.content.get(StoryView, (story_pk(n.story_id), view_sk(actor_id)))
            return view is not None and bool(view.liked)
        if n.type == "follow_request":
            edge = edge_key(self.recipient_id, REQUEST, actor_id)
            return self.content.get(Edge, edge) is not None
        return True

    def show(self, n: Notification, read_up_to: str | None) -> NotificationOut | None:
        """`n` as the recipient sees it now; None if it no longer holds or no actor is left."""
        if not self.holds(n):
            return None
        kept = [a for a, _ in n.actors]
        visible = [a for a in kept if a in self.shown and self.still(n, a)]
        if not visible and n.type not in kinds.ACCOUNT:
            return None
        count = max(len(visible), int(n.actor_count) - (len(kept) - len(visible)))
        actors = [self.shown[a] for a in visible[: kinds.SHOWN]]
        return NotificationOut(
            notification_id=n.activity,
            type=n.type,
            actors=actors,
            actor_count=count,
            post_id=n.post_id,
            comment_id=n.comment_id,
            story_id=n.story_id,
            export_id=n.export_id,
            text=kinds.text(
                n.type,  # type: ignore[arg-type]
                [a.username for a in actors],
                count,
                in_comment=bool(n.comment_id),
                device=n.device,
                at=n.created_at,
            ),
            read=read_up_to is not None and n.activity <= read_up_to,
            created_at=time_of(n.activity),
        )
