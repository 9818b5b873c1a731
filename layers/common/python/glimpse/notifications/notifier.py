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

from glimpse.events import DomainEvent
from glimpse.graph.access import block_keys, blocked_either_way
from glimpse.models.base import Model
from glimpse.models.batch import Fetched, get_many
from glimpse.models.notifications import (
    STATE,
    Notification,
    NotificationState,
    allows,
    recipient_pk,
)
from glimpse.models.posts import Post
from glimpse.models.users import CLAIM, UniqueClaim, username_pk
from glimpse.notifications import kinds
from glimpse.notifications.grouping import Change, Target, apply_group, put_single
from glimpse.notifications.reactions import REACTIONS, Mentioned
from glimpse.posts.views import may_see, sight_keys


@dataclass(frozen=True)
class Intent:
    """One notification change an event asks for."""

    message_id: str
    target: Target
    actor_id: str | None  # None: about the account itself (no actor, no setting)
    at: datetime
    event_id: str
    added: bool = True
    grouped: bool = False
    mention_of: Post | None = None  # a mention or a tag: the post, which the recipient must see


@dataclass
class Outcome:
    notified: list[Notification] = field(default_factory=list)  # new or with new actors
    failed: set[str] = field(default_factory=set)  # message ids to retry
    skipped: int = 0  # intents dropped (own action, block, setting, cannot see)
    writes: int = 0  # notification items written (the benchmark's figure)
    errors: list[tuple[str, Exception]] = field(default_factory=list)  # (key, error): logged


def _facts(events: Sequence[tuple[str, DomainEvent]]) -> Fetched:
    """What the events are about, as it is now: one consistent BatchGetItem."""
    keys = [
        key
        for _message_id, event in events
        if (reaction := REACTIONS.get(type(event))) is not None
        for key in reaction.facts(event)
    ]
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
    reply_to: str | None = None


def _intents(
    events: Sequence[tuple[str, DomainEvent]], facts: Fetched
) -> tuple[list[Intent], list[MentionOf]]:
    """What each event asks for (glimpse.notifications.reactions), stamped with the message
    and the event it came from."""
    intents: list[Intent] = []
    mentioned: list[MentionOf] = []
    for message_id, event in events:
        reaction = REACTIONS.get(type(event))
        for asked in reaction.asks(event, facts) if reaction is not None else []:
            if isinstance(asked, Mentioned):
                mentioned.append(
                    MentionOf(
                        message_id,
                        asked.username,
                        asked.actor_id,
                        asked.post,
                        asked.comment_id,
                        asked.at,
                        event.event_id,
                        asked.reply_to,
                    )
                )
            else:
                intents.append(
                    Intent(
                        message_id,
                        asked.target,
                        asked.actor_id,
                        asked.at,
                        event.event_id,
                        asked.added,
                        asked.grouped,
                        mention_of=asked.about,
                    )
                )
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
            reply_to=m.reply_to,
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
        if not i.added or i.actor_id is None or i.actor_id == recipient:
            continue
        keys.add((NotificationState, (recipient_pk(recipient), STATE)))
        keys |= set(block_keys(recipient, i.actor_id))
        if i.mention_of is not None:
            keys |= set(sight_keys(recipient, i.mention_of))
    fetched = get_many(list(keys), consistent=True) if keys else Fetched()

    def ok(i: Intent) -> bool:
        recipient = i.target.recipient_id
        if not i.added or i.actor_id is None:
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
        changes = [Change(str(i.actor_id), i.at, i.event_id, i.added) for i in members]
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
