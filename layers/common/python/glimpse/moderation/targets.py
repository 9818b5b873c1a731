"""What a report or a moderator's action names, per target type: how it is found by the id the
API gives, whether a reporter may see it, how moderators see it, and its removal mark.

A comment or a message is named by its id alone: the ByCommentId and ByMessageId indexes (keys
only) find its item. A user is named by username; its claim leads to the account whatever its
state, so a suspended or deleted account stays in reach of the moderators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glimpse import withdrawal
from glimpse.clock import iso, now
from glimpse.directory import summary
from glimpse.errors import BadRequest, Forbidden, NotFound, field_error
from glimpse.graph.access import listed, relation
from glimpse.media.service import view as media_view
from glimpse.models.base import Model, get_or_none
from glimpse.models.batch import get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.messages import InboxEntry, Message, inbox_pk
from glimpse.models.moderation import TargetType, is_removed
from glimpse.models.posts import POST, Comment, Post, post_pk
from glimpse.models.stories import STORY, Story, story_pk
from glimpse.models.transactions import Transaction
from glimpse.models.users import (
    CLAIM,
    DELETED,
    PROFILE,
    DeletedProfile,
    UniqueClaim,
    UserProfile,
    user_pk,
    username_pk,
)
from glimpse.posts import service as posts
from glimpse.posts.views import post_view, view_keys
from glimpse.stories.access import story_seen_by

REMOVABLE = ("post", "comment", "story", "message")


@dataclass(frozen=True)
class Target:
    target_type: TargetType
    target_id: str  # as the API names it (a username for a user)
    key_id: str  # what its case is keyed by (a user's id for a user)
    owner_id: str  # its author, or the account itself
    item: Any  # Post, Comment, Story, Message, or UserProfile / DeletedProfile
    parent_id: str | None = None  # a comment's post, a message's conversation

    @property
    def removed(self) -> bool:
        return is_removed(self.item)

    @property
    def reply_to(self) -> str | None:
        """A reply's thread (what finds it again: its key names it)."""
        return self.item.reply_to if isinstance(self.item, Comment) else None


def find(target_type: TargetType, target_id: str) -> Target | None:
    """The target as it is now (strongly consistent reads), None if there is no such thing."""
    if target_type == "user":
        return _account(target_id)
    found: tuple[Any, str, str | None] | None
    if target_type == "post":
        post = get_or_none(Post, post_pk(target_id), POST)
        found = None if post is None else (post, post.author_id, None)
    elif target_type == "comment":
        comment = _by_id(Comment, Comment.by_comment_id.query(target_id, limit=1))
        found = None if comment is None else (comment, comment.author_id, comment.post_id)
    elif target_type == "story":
        story = get_or_none(Story, story_pk(target_id), STORY)
        found = None if story is None else (story, story.owner_id, None)
    else:
        message = _by_id(Message, Message.by_message_id.query(target_id, limit=1))
        found = None if message is None else (message, message.sender_id, message.conversation_id)
    if found is None:
        return None
    item, owner_id, parent_id = found
    return Target(target_type, target_id, target_id, owner_id, item, parent_id)


def _by_id[M: Model](model: type[M], found: Any) -> M | None:
    """The item an id index found (its keys only: only comments, or messages, carry the
    indexed id), read whole."""
    for keys in found:
        return get_or_none(model, keys.pk, keys.sk)
    return None


def _account(username: str) -> Target | None:
    claim = get_or_none(UniqueClaim, username_pk(username.lower()), CLAIM)
    return account_by_id(str(claim.user_id)) if claim is not None and claim.user_id else None


def account_by_id(user_id: str) -> Target | None:
    """An account as it is: its profile, or its profile aside (deleted or suspended)."""
    fetched = get_many(
        [(UserProfile, (user_pk(user_id), PROFILE)), (DeletedProfile, (user_pk(user_id), DELETED))],
        consistent=True,
    )
    item = fetched.get(UserProfile, (user_pk(user_id), PROFILE)) or fetched.get(
        DeletedProfile, (user_pk(user_id), DELETED)
    )
    return None if item is None else Target("user", item.username, user_id, user_id, item)


def require_reportable(reporter_id: str, target: Target) -> None:
    """404 unless the reporter may see the target now (the answer reading it would give,
    a 403 included: what cannot be seen cannot be reported); 400 for one's own."""
    try:
        _see(reporter_id, target)
    except (Forbidden, NotFound):
        raise NotFound(f"No such {target.target_type}.") from None
    if target.owner_id == reporter_id:
        raise BadRequest(
            "You cannot report your own content.", [field_error("target_id", "is yours")]
        )


def _see(reporter_id: str, target: Target) -> None:
    match target.target_type:
        case "post":
            posts.get_post(reporter_id, target.target_id)
        case "comment":
            posts.get_post(reporter_id, str(target.parent_id))
            if target.removed or target.owner_id not in listed(reporter_id, [target.owner_id]):
                raise NotFound("No such comment.")
        case "story":
            story_seen_by(reporter_id, target.target_id)
        case "message":
            member = get_or_none(InboxEntry, inbox_pk(reporter_id), str(target.parent_id))
            shown = listed(reporter_id, [target.owner_id])
            if member is None or target.removed or target.owner_id not in shown:
                raise NotFound("No such message.")
        case "user":
            if not isinstance(target.item, UserProfile):
                raise NotFound("No such user.")
            relation(reporter_id, target.owner_id)


def mark(tx: Transaction, target: Target, removed: bool) -> None:
    """The target's removal mark set (or taken off) in `tx`, if the item is still there and its
    mark as read; a post's `revision` moves too, so its search document follows
    (glimpse.search.indexer)."""
    model: Any = type(target.item)
    action = model.removed_at.set(now()) if removed else model.removed_at.remove()
    actions = [action, model.revision.add(1)] if model is Post else [action]
    as_read = _marked_as_read(target)
    if model is Post:  # its event names the place whose count it leaves or joins, as read
        as_read &= withdrawal.as_read(Post, target.item, ("place_id", "place_counted"))
    tx.update(target.item, actions=actions, condition=model.pk.exists() & as_read, name="target")


def unchanged(tx: Transaction, target: Target) -> None:
    """A check in `tx` that the target is still there with its removal mark as read (a
    decision that leaves it as it is must not commit across one that changed it)."""
    model: Any = type(target.item)
    condition = model.pk.exists() & _marked_as_read(target)
    tx.condition_check(model, target.item.pk, target.item.sk, condition, name="target")


def _marked_as_read(target: Target) -> Any:
    model: Any = type(target.item)
    return model.removed_at.exists() if target.removed else model.removed_at.does_not_exist()


def counted_place(target: Target) -> str | None:
    """A post's place whose `post_count` its removal leaves (its restore joins): the place it
    counts at when not removed (glimpse.posts.service.counted_at)."""
    post = target.item
    if target.target_type != "post" or not (post.place_id and post.place_counted):
        return None
    return str(post.place_id)


def render(target: Target | None) -> dict[str, Any] | None:
    """The target as moderators see it (whoever may see it otherwise): the content as its
    author sees it, `removed` included; None once it is gone."""
    if target is None:
        return None
    item = target.item
    if target.target_type == "user":
        return {
            "username": item.username,
            "user_id": target.owner_id,
            "suspended": isinstance(item, DeletedProfile) and item.is_suspended,
            "deleted": isinstance(item, DeletedProfile) and item.is_leaving,
        }
    if target.target_type == "post":  # its view reads the author with the rest
        view = post_view(item.author_id, item, get_many(view_keys(item.author_id, [item])))
        if view is not None:
            return view.model_dump(mode="json")
    author = get_or_none(UserProfile, user_pk(target.owner_id), PROFILE)
    base = {
        "author": summary(author).model_dump(mode="json") if author else None,
        "created_at": iso(item.created_at),
        "removed": target.removed,
    }
    match target.target_type:
        case "post":  # its author's account is gone
            return base | {"post_id": item.post_id}
        case "comment":
            return base | {
                "comment_id": item.comment_id,
                "post_id": item.post_id,
                "text": item.text,
            }
        case "story":
            return base | {"story_id": item.story_id, "media": _media(item.media_id)}
        case _:
            media = _media(item.media_id) if item.media_id else None
            return base | {
                "message_id": item.message_id,
                "conversation_id": item.conversation_id,
                "text": item.text,
                "media": media,
            }


def _media(media_id: str) -> dict[str, Any] | None:
    item = get_or_none(MediaItem, media_pk(media_id), MEDIA)
    return media_view(item).model_dump(mode="json") if item else None
