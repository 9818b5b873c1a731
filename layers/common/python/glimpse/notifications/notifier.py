"""Domain events → notifications: who is told what, and whether they may be.

One batch is read together: the things the events are about (the like, the follow, the post
and its mentions, the comment) in one BatchGetItem, then the recipients' settings, the blocks
between recipients and actors and what mentioned users may see in another. Nobody is told of
their own action, of an action by someone they blocked or who blocked them, of a type they
turned off, or about a post they cannot see. Removals (an unlike, an unfollow) always apply.

Other removals are not consumed: a deleted post or comment, an answered request, an unliked
story, an expired notification are left out when the list is read (glimpse.notifications.
service), which is where a block made after the fact is applied too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from glimpse.events import (
    CommentAdded,
    DomainEvent,
    FollowCreated,
    FollowRemoved,
    PostCreated,
    PostLiked,
    PostUnliked,
    RequestApproved,
    StoryLiked,
)
from glimpse.graph.access import block_keys, blocked_either_way
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, get_many
from glimpse.models.graph import FOLLOWS, Edge, edge_key
from glimpse.models.notifications import (
    STATE,
    Notification,
    NotificationState,
    allows,
    recipient_pk,
)
from glimpse.models.posts import POST, Comment, Like, Post, comment_sk, like_sk, post_pk
from glimpse.models.users import CLAIM, UniqueClaim, username_pk
from glimpse.notifications import kinds
from glimpse.notifications.grouping import Change, Target, apply_group, put_single
from glimpse.posts.text import mentions
from glimpse.posts.views import may_see, sight_keys


@dataclass(frozen=True)
class Intent:
    """One notification change an event asks for."""

    message_id: str
    target: Target
    actor_id: str
    at: datetime
    event_id: str
    added: bool = True
    grouped: bool = False
    mention_of: Post | None = None  # a mention: the post, which the recipient must be able to see


@dataclass
class Outcome:
    notified: list[Notification] = field(default_factory=list)  # new or with new actors
    failed: set[str] = field(default_factory=set)  # message ids to retry
    skipped: int = 0  # intents dropped (own action, block, setting, cannot see)
    writes: int = 0  # notification items written (the benchmark's figure)
    errors: list[tuple[str, Exception]] = field(default_factory=list)  # (key, error): logged


def _facts(events: Sequence[tuple[str, DomainEvent]]) -> Fetched:
    """What the events are about, as it is now: one consistent BatchGetItem."""
    keys: list[tuple[type, tuple[str, str]]] = []
    for _message_id, event in events:
        match event:
            case PostLiked():
                keys.append((Like, (post_pk(event.post_id), like_sk(event.user_id))))
            case FollowCreated(status="following"):
                keys.append((Edge, edge_key(event.follower_id, FOLLOWS, event.followee_id)))
            case CommentAdded():
                keys.append((Comment, (post_pk(event.post_id), comment_sk(event.comment_id))))
                keys.append((Post, (post_pk(event.post_id), POST)))
            case PostCreated():
                keys.append((Post, (post_pk(event.post_id), POST)))
    return get_many(keys, consistent=True) if keys else Fetched()


@dataclass(frozen=True)
class MentionOf:
    """A mention to resolve: its recipient is known only by username until the batch reads
    the claims."""

    message_id: str
    username: str
    actor_id: str
    post: Post  # the recipient must be able to see it
    comment_id: str | None
    at: datetime
    event_id: str


def _mentions(
    message_id: str,
    event: CommentAdded | PostCreated,
    actor_id: str,
    usernames: list[str],
    post: Post,
    comment_id: str | None,
) -> list[MentionOf]:
    return [
        MentionOf(message_id, name, actor_id, post, comment_id, event.occurred_at, event.event_id)
        for name in usernames[: kinds.MAX_MENTIONS]
    ]


def _add(
    intents: list[Intent],
    message_id: str,
    event_id: str,
    target: Target,
    actor_id: str,
    at: datetime,
    *,
    grouped: bool = False,
    added: bool = True,
) -> None:
    intents.append(Intent(message_id, target, actor_id, at, event_id, added, grouped))


def _intents(
    events: Sequence[tuple[str, DomainEvent]], facts: Fetched
) -> tuple[list[Intent], list[MentionOf]]:
    intents: list[Intent] = []
    mentioned: list[MentionOf] = []
    for message_id, event in events:
        add = partial(_add, intents, message_id, event.event_id)

        match event:
            case PostLiked():
                like = facts.get(Like, (post_pk(event.post_id), like_sk(event.user_id)))
                if like is not None:  # else unliked since: its removal may come first
                    key = kinds.like_key(event.post_id, like.created_at)
                    target = Target(event.author_id, key, "like", post_id=event.post_id)
                    add(target, event.user_id, like.created_at, grouped=True)
            case PostUnliked(liked_at=datetime() as liked_at):
                key = kinds.like_key(event.post_id, liked_at)
                target = Target(event.author_id, key, "like", post_id=event.post_id)
                add(target, event.user_id, liked_at, grouped=True, added=False)
            case FollowCreated(status="following"):
                edge = facts.get(Edge, edge_key(event.follower_id, FOLLOWS, event.followee_id))
                if edge is not None and edge.created_at is not None:
                    target = Target(event.followee_id, kinds.follow_key(edge.created_at), "follow")
                    add(target, event.follower_id, edge.created_at, grouped=True)
            case FollowCreated(status="requested"):
                key = kinds.request_key(event.follower_id)
                add(
                    Target(event.followee_id, key, "follow_request"),
                    event.follower_id,
                    event.occurred_at,
                )
            case FollowRemoved(status="following", since=datetime() as since):
                target = Target(event.followee_id, kinds.follow_key(since), "follow")
                add(target, event.follower_id, since, grouped=True, added=False)
            case RequestApproved():
                key = kinds.accepted_key(event.followee_id)
                add(
                    Target(event.follower_id, key, "follow_accepted"),
                    event.followee_id,
                    event.occurred_at,
                )
            case CommentAdded():
                comment = facts.get(Comment, (post_pk(event.post_id), comment_sk(event.comment_id)))
                commented = facts.get(Post, (post_pk(event.post_id), POST))
                if comment is None or commented is None:
                    continue  # deleted since
                target = Target(
                    event.author_id,
                    kinds.comment_key(event.comment_id),
                    "comment",
                    post_id=event.post_id,
                    comment_id=event.comment_id,
                )
                add(target, event.commenter_id, event.occurred_at)
                names = mentions(comment.text)
                mentioned += _mentions(
                    message_id, event, event.commenter_id, names, commented, event.comment_id
                )
            case PostCreated():
                post = facts.get(Post, (post_pk(event.post_id), POST))
                if post is not None:
                    names = list(post.mentions or [])
                    mentioned += _mentions(message_id, event, event.author_id, names, post, None)
            case StoryLiked():
                key = kinds.story_like_key(event.story_id, event.user_id)
                target = Target(event.owner_id, key, "story_like", story_id=event.story_id)
                add(target, event.user_id, event.occurred_at)
    return intents, mentioned


def _resolve(mentioned: list[MentionOf]) -> list[Intent]:
    """Mentions of existing users, as intents (one BatchGetItem of the username claims). The
    post's author is not told of a mention in a comment on their post: they get the comment."""
    if not mentioned:
        return []
    claims = get_many(
        [(UniqueClaim, (username_pk(m.username), CLAIM)) for m in mentioned], consistent=True
    )
    intents = []
    for m in mentioned:
        claim = claims.get(UniqueClaim, (username_pk(m.username), CLAIM))
        if claim is None or claim.state != "active" or not claim.user_id:
            continue
        if m.comment_id and claim.user_id == m.post.author_id:
            continue
        target = Target(
            str(claim.user_id),
            kinds.mention_key(str(m.post.post_id), m.comment_id),
            "mention",
            post_id=str(m.post.post_id),
            comment_id=m.comment_id,
        )
        intents.append(
            Intent(m.message_id, target, m.actor_id, m.at, m.event_id, mention_of=m.post)
        )
    return intents


def _allowed(intents: list[Intent]) -> list[Intent]:
    """Additions the recipient may get (settings, blocks, own actions, the post a mention is
    in), read in one BatchGetItem; removals all pass."""
    keys: set[tuple[type[Model], tuple[str, str]]] = set()
    for i in intents:
        recipient = i.target.recipient_id
        if not i.added or i.actor_id == recipient:
            continue
        keys.add((NotificationState, (recipient_pk(recipient), STATE)))
        keys |= set(block_keys(recipient, i.actor_id))
        if i.mention_of is not None:
            keys |= set(sight_keys(recipient, i.mention_of))
    fetched = get_many(list(keys), consistent=True) if keys else Fetched()

    def ok(i: Intent) -> bool:
        recipient = i.target.recipient_id
        if not i.added:
            return True
        state = fetched.get(NotificationState, (recipient_pk(recipient), STATE))
        return (
            i.actor_id != recipient
            and allows(state, kinds.SETTING_OF[i.target.type])
            and not blocked_either_way(fetched, recipient, i.actor_id)
            and (i.mention_of is None or may_see(recipient, i.mention_of, fetched))
        )

    return [i for i in intents if ok(i)]


def notify(events: Sequence[tuple[str, DomainEvent]]) -> Outcome:
    """Apply a batch of (message id, event); a failure fails the messages it came from."""
    facts = _facts(events)
    intents, mentioned = _intents(events, facts)
    intents += _resolve(mentioned)
    allowed = _allowed(intents)
    outcome = Outcome(skipped=len(intents) - len(allowed))
    groups: dict[Target, list[Intent]] = defaultdict(list)
    for intent in allowed:
        if intent.grouped:
            groups[intent.target].append(intent)
        elif intent.added:
            try:
                written = put_single(intent.target, intent.actor_id, intent.at, intent.event_id)
            except Exception as exc:
                outcome.errors.append((intent.target.key, exc))
                outcome.failed.add(intent.message_id)
                continue
            if written is not None:
                outcome.notified.append(written)
                outcome.writes += 1
    for target, members in groups.items():
        changes = [Change(i.actor_id, i.at, i.event_id, i.added) for i in members]
        try:
            result = apply_group(target, changes)
        except Exception as exc:
            outcome.errors.append((target.key, exc))
            outcome.failed |= {i.message_id for i in members}
            continue
        outcome.writes += result.items_written
        if result.notification is not None:
            outcome.notified.append(result.notification)
    return outcome
