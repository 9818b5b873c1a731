"""What each domain event asks of notifications: one row per event type the notifier consumes.

A row says what the event needs read first (`facts`: keys, read with the batch's others in
one BatchGetItem) and the notification changes it asks for given what was read (`asks`). The
notifier (glimpse.notifications.notifier) reads, dispatches through `REACTIONS`, then
resolves mentions and checks who may be told. The notifier queue's SNS filter policy in
template.yaml lists exactly these event types (a test holds the two equal).

What was read is the truth: an action undone since its event (an unlike, a deleted comment)
asks for nothing, as its removal may arrive first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from glimpse.events import (
    CommentAdded,
    CommentLiked,
    CommentUnliked,
    ContentRemoved,
    Event,
    ExportReady,
    FollowCreated,
    FollowRemoved,
    NewDeviceLogin,
    PostCreated,
    PostEdited,
    PostLiked,
    PostUnliked,
    RequestApproved,
    StoryCreated,
    StoryLiked,
)
from glimpse.models.base import Model
from glimpse.models.batch import Fetched
from glimpse.models.graph import FOLLOWS, Edge, edge_key
from glimpse.models.posts import (
    POST,
    Comment,
    CommentLike,
    Like,
    Post,
    any_comment_sk,
    comment_like_sk,
    like_sk,
    post_pk,
)
from glimpse.notifications import kinds
from glimpse.notifications.grouping import Target
from glimpse.posts.text import mentions
from glimpse.posts.views import tagged_ids
from glimpse.users import hidden_words

type Key = tuple[type[Model], tuple[str, str]]


@dataclass(frozen=True)
class Told:
    """One notification change: `actor_id` joins (or, not `added`, leaves) `target`, by an
    action made at `at`; a `grouped` target folds many actors into one notification. No
    actor (None): a notification about the account itself (kinds.ACCOUNT)."""

    target: Target
    actor_id: str | None
    at: datetime
    added: bool = True
    grouped: bool = False
    about: Post | None = None  # a post the recipient must be able to see (a tag)


@dataclass(frozen=True)
class Mentioned:
    """A user named in a caption or a comment, known only by username until the batch reads
    the claims; they must be able to see `post`."""

    username: str
    actor_id: str
    post: Post
    comment_id: str | None
    at: datetime
    reply_to: str | None = None  # the comment's thread, when it is a reply


type Asked = list[Told | Mentioned]


def _nothing(_event: Any) -> list[Key]:
    return []


@dataclass(frozen=True)
class Reaction[E: Event]:
    asks: Callable[[E, Fetched], Asked]
    facts: Callable[[E], list[Key]] = _nothing


def _like_of(event: PostLiked) -> list[Key]:
    return [(Like, (post_pk(event.post_id), like_sk(event.user_id)))]


def _liked(event: PostLiked, facts: Fetched) -> Asked:
    like = facts.get(Like, (post_pk(event.post_id), like_sk(event.user_id)))
    if like is None:  # unliked since: its removal may come first
        return []
    key = kinds.like_key(event.post_id, like.created_at)
    target = Target(event.author_id, key, "like", post_id=event.post_id)
    return [Told(target, event.user_id, like.created_at, grouped=True)]


def _unliked(event: PostUnliked, _facts: Fetched) -> Asked:
    if event.liked_at is None:  # from an older release: which window it was in is unknown
        return []
    key = kinds.like_key(event.post_id, event.liked_at)
    target = Target(event.author_id, key, "like", post_id=event.post_id)
    return [Told(target, event.user_id, event.liked_at, added=False, grouped=True)]


def _follow_of(event: FollowCreated) -> list[Key]:
    if not event.is_follow:
        return []
    return [(Edge, edge_key(event.follower_id, FOLLOWS, event.followee_id))]


def _followed(event: FollowCreated, facts: Fetched) -> Asked:
    if not event.is_follow:
        target = Target(event.followee_id, kinds.request_key(event.follower_id), "follow_request")
        return [Told(target, event.follower_id, event.occurred_at)]
    edge = facts.get(Edge, edge_key(event.follower_id, FOLLOWS, event.followee_id))
    if edge is None or edge.created_at is None:  # unfollowed since
        return []
    target = Target(event.followee_id, kinds.follow_key(edge.created_at), "follow")
    return [Told(target, event.follower_id, edge.created_at, grouped=True)]


def _unfollowed(event: FollowRemoved, _facts: Fetched) -> Asked:
    if not event.was_follow or event.since is None:  # a request: nothing was grouped
        return []
    target = Target(event.followee_id, kinds.follow_key(event.since), "follow")
    return [Told(target, event.follower_id, event.since, added=False, grouped=True)]


def _approved(event: RequestApproved, _facts: Fetched) -> Asked:
    target = Target(event.follower_id, kinds.accepted_key(event.followee_id), "follow_accepted")
    return [Told(target, event.followee_id, event.occurred_at)]


def _comment_of(event: CommentAdded) -> list[Key]:
    return [
        (Comment, (post_pk(event.post_id), any_comment_sk(event.comment_id, event.reply_to))),
        (Post, (post_pk(event.post_id), POST)),
        hidden_words.key(event.replied_to_id or event.author_id),
    ]


def _commented(event: CommentAdded, facts: Fetched) -> Asked:
    """The post's author is told of a comment, the author of the comment a reply answers of
    the reply (`comment_reply`), unless it holds one of the hidden words of the one told (no
    notification, no push); the users it mentions are told either way."""
    key = (post_pk(event.post_id), any_comment_sk(event.comment_id, event.reply_to))
    comment = facts.get(Comment, key)
    post = facts.get(Post, (post_pk(event.post_id), POST))
    if comment is None or post is None:  # deleted since
        return []
    recipient = event.replied_to_id if event.reply_to else event.author_id
    target = Target(
        recipient or event.author_id,
        kinds.reply_key(event.comment_id)
        if event.reply_to
        else kinds.comment_key(event.comment_id),
        "comment_reply" if event.reply_to else "comment",
        post_id=event.post_id,
        comment_id=event.comment_id,
        reply_to=event.reply_to,
    )
    hidden = hidden_words.matcher_in(facts, target.recipient_id).hides(comment.text)
    told: Asked = [] if hidden else [Told(target, event.commenter_id, event.occurred_at)]
    names = mentions(comment.text)
    at = event.occurred_at
    return told + _mentioned(names, event.commenter_id, post, event.comment_id, at, event.reply_to)


def _post_of(event: PostCreated | PostEdited) -> list[Key]:
    return [(Post, (post_pk(event.post_id), POST))]


def _posted(event: PostCreated, facts: Fetched) -> Asked:
    post = facts.get(Post, (post_pk(event.post_id), POST))
    if post is None:  # deleted since
        return []
    at = event.occurred_at
    return _tagged(post, event.post_id, event.author_id, at) + _mentioned(
        list(post.mentions or []), event.author_id, post, None, at
    )


def _tagged(post: Post, post_id: str, author_id: str, at: datetime) -> Asked:
    """Each account tagged in the post (still, as read), if it may see the post."""
    return [
        Told(Target(uid, kinds.tag_key(post_id), "tag", post_id=post_id), author_id, at, about=post)
        for uid in tagged_ids(post)
    ]


def _edited(event: PostEdited, facts: Fetched) -> Asked:
    """Only the users the edit newly mentions are told, if the caption still names them (a
    later edit may have taken them out again)."""
    post = facts.get(Post, (post_pk(event.post_id), POST))
    if post is None:  # deleted since
        return []
    names = [name for name in event.mentions_added if name in (post.mentions or [])]
    return _mentioned(names, event.author_id, post, None, event.occurred_at)


def _mentioned(
    usernames: list[str],
    actor_id: str,
    post: Post,
    comment_id: str | None,
    at: datetime,
    reply_to: str | None = None,
) -> Asked:
    return [
        Mentioned(name, actor_id, post, comment_id, at, reply_to)
        for name in usernames[: kinds.MAX_MENTIONS]
    ]


def _comment_like_of(event: CommentLiked) -> list[Key]:
    sk = comment_like_sk(event.comment_id, event.reply_to, event.user_id)
    return [(CommentLike, (post_pk(event.post_id), sk))]


def _comment_liked(event: CommentLiked, facts: Fetched) -> Asked:
    """As a post's like: grouped per comment and window, told while the like holds."""
    sk = comment_like_sk(event.comment_id, event.reply_to, event.user_id)
    like = facts.get(CommentLike, (post_pk(event.post_id), sk))
    if like is None:  # unliked since
        return []
    return [
        Told(_comment_likes(event, like.created_at), event.user_id, like.created_at, grouped=True)
    ]


def _comment_unliked(event: CommentUnliked, _facts: Fetched) -> Asked:
    target = _comment_likes(event, event.liked_at)
    return [Told(target, event.user_id, event.liked_at, added=False, grouped=True)]


def _comment_likes(event: CommentLiked | CommentUnliked, liked_at: datetime) -> Target:
    return Target(
        event.author_id,
        kinds.comment_like_key(event.comment_id, liked_at),
        "comment_like",
        post_id=event.post_id,
        comment_id=event.comment_id,
        reply_to=event.reply_to,
    )


def _story_liked(event: StoryLiked, _facts: Fetched) -> Asked:
    key = kinds.story_like_key(event.story_id, event.user_id)
    target = Target(event.owner_id, key, "story_like", story_id=event.story_id)
    return [Told(target, event.user_id, event.occurred_at)]


def _story_mentioned(event: StoryCreated, _facts: Fetched) -> Asked:
    """Each account a mention sticker names that may see the story (the stories service
    decided, with the story's audience); blocks and settings are checked as for any other."""
    return [
        Told(
            Target(
                uid,
                kinds.story_mention_key(event.story_id),
                "story_mention",
                story_id=event.story_id,
            ),
            event.owner_id,
            event.occurred_at,
        )
        for uid in event.mentioned
    ]


def _export_ready(event: ExportReady, _facts: Fetched) -> Asked:
    """Whether the export is still there is decided when the list is read."""
    key = kinds.export_key(event.export_id)
    target = Target(event.user_id, key, "export_ready", export_id=event.export_id)
    return [Told(target, None, event.occurred_at)]


def _new_device_login(event: NewDeviceLogin, _facts: Fetched) -> Asked:
    target = Target(event.user_id, kinds.login_key(event.event_id), "login", device=event.device)
    return [Told(target, None, event.occurred_at)]


def _content_removed(event: ContentRemoved, _facts: Fetched) -> Asked:
    """The author is told what went (a removal taken back leaves the notice: it happened)."""
    key = kinds.removed_key(event.target_type, event.target_id)
    target = Target(
        event.owner_id,
        key,
        "content_removed",
        post_id=event.target_id if event.target_type == "post" else None,
        comment_id=event.target_id if event.target_type == "comment" else None,
        story_id=event.target_id if event.target_type == "story" else None,
    )
    if event.target_type == "comment":
        target = replace(target, post_id=event.parent_id, reply_to=event.reply_to)
    return [Told(target, None, event.occurred_at)]


REACTIONS: dict[type[Event], Reaction[Any]] = {
    PostLiked: Reaction(_liked, facts=_like_of),
    PostUnliked: Reaction(_unliked),
    FollowCreated: Reaction(_followed, facts=_follow_of),
    FollowRemoved: Reaction(_unfollowed),
    RequestApproved: Reaction(_approved),
    CommentAdded: Reaction(_commented, facts=_comment_of),
    CommentLiked: Reaction(_comment_liked, facts=_comment_like_of),
    CommentUnliked: Reaction(_comment_unliked),
    PostCreated: Reaction(_posted, facts=_post_of),
    PostEdited: Reaction(_edited, facts=_post_of),
    StoryLiked: Reaction(_story_liked),
    StoryCreated: Reaction(_story_mentioned),
    ExportReady: Reaction(_export_ready),
    NewDeviceLogin: Reaction(_new_device_login),
    ContentRemoved: Reaction(_content_removed),
}
