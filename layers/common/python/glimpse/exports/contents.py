"""What each file of an export holds, read page by page through the models.

Every list is a generator over a Query that PynamoDB pages lazily (`PAGE` items a request), so
a file of any length passes through memory a page at a time. Other people are named by
username, resolved a page at a time (one BatchGetItem per 100); an account that no longer
exists is left out, as everywhere else. Messages and notifications are what the API shows the
user: what a member blocked either way sent is left out, and so are notifications that no
longer hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import batched
from typing import Any

from glimpse.clock import iso
from glimpse.exports.archive import Items, JsonFile
from glimpse.graph.access import listed
from glimpse.models.base import get_or_none, str_map
from glimpse.models.batch import get_many
from glimpse.models.graph import BLOCKS, CLOSE, FOLLOWER, FOLLOWS, REQUEST, Edge, other_of
from glimpse.models.messages import (
    META,
    Conversation,
    InboxEntry,
    Message,
    conversation_pk,
    inbox_pk,
    messages_pk,
)
from glimpse.models.notifications import STATE, Notification, NotificationState, recipient_pk
from glimpse.models.objects import RENDITIONS_PREFIX
from glimpse.models.posts import (
    COLLECTION,
    COMMENT,
    LIKE,
    REPLY,
    SAVE,
    Collection,
    Comment,
    Like,
    Post,
    Save,
    actor_pk,
    author_pk,
    post_id_in,
)
from glimpse.models.stories import Highlight, highlights_pk
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.notifications.service import settings
from glimpse.notifications.views import render
from glimpse.stories.access import live_stories

PAGE = 100


def files(profile: UserProfile) -> list[JsonFile]:
    """The archive's JSON files, in the order they are written; nothing is read until then."""
    user_id = str(profile.user_id)
    return [
        JsonFile("profile.json", _profile(profile)),
        JsonFile("posts.json", Items(_posts(user_id))),
        JsonFile("comments.json", Items(_comments(user_id))),
        JsonFile("likes.json", Items(_likes(user_id))),
        JsonFile("saved.json", Items(_saved(user_id))),
        JsonFile("followers.json", Items(_followers(user_id))),
        JsonFile("following.json", Items(_edges(user_id, FOLLOWS))),
        JsonFile("blocked.json", Items(_edges(user_id, BLOCKS))),
        JsonFile(
            "stories.json",
            {"live": Items(_live_stories(user_id)), "highlights": Items(_highlights(user_id))},
        ),
        JsonFile("messages.json", Items(_conversations(user_id))),
        JsonFile("notifications.json", Items(_notifications(user_id))),
    ]


def _pages[T](items: Iterable[T]) -> Iterator[tuple[T, ...]]:
    """`items` (a lazily paged Query) a page at a time."""
    return batched(items, PAGE, strict=False)


def _usernames(ids: Iterable[str]) -> dict[str, str]:
    """Id → username of the accounts that exist (one BatchGetItem per 100)."""
    unique = set(ids)
    fetched = get_many([(UserProfile, (user_pk(i), PROFILE)) for i in unique])
    return {
        i: str(found.username)
        for i in unique
        if (found := fetched.get(UserProfile, (user_pk(i), PROFILE))) is not None
    }


def _avatar_media_id(profile: UserProfile) -> str | None:
    keys = list(str_map(profile.avatar).values())
    return keys[0].removeprefix(RENDITIONS_PREFIX).split("/", 1)[0] if keys else None


def _profile(profile: UserProfile) -> dict[str, Any]:
    user_id = str(profile.user_id)
    close = [other_of(e.sk) for e in Edge.query(user_pk(user_id), Edge.sk.startswith(CLOSE))]
    return {
        "username": profile.username,
        "email": profile.email,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "is_private": bool(profile.is_private),
        "avatar_media_id": _avatar_media_id(profile),
        "followers_count": int(profile.followers_count),
        "following_count": int(profile.following_count),
        "posts_count": int(profile.posts_count),
        "created_at": iso(profile.created_at),
        "close_friends": sorted(_usernames(close).values()),
        "notification_settings": settings(user_id).model_dump(),
    }


def _posts(user_id: str) -> Iterator[dict[str, Any]]:
    """Newest first (ByAuthor)."""
    for post in Post.by_author.query(author_pk(user_id), scan_index_forward=False, page_size=PAGE):
        yield {
            "post_id": post.post_id,
            "caption": post.caption,
            "media_ids": list(post.media_ids),
            "hashtags": list(post.hashtags or []),
            "mentions": list(post.mentions or []),
            "location": post.location,
            "like_count": int(post.like_count),
            "comment_count": int(post.comment_count),
            "hide_like_count": bool(post.hide_like_count),
            "comments_disabled": bool(post.comments_disabled),
            "created_at": iso(post.created_at),
            "edited_at": iso(post.edited_at) if post.edited_at else None,
        }


def _made(user_id: str, prefix: str | tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Keys of the likes, comments, saves or collections (`prefix`) the user made, on anyone's
    posts: the sparse keys-only ByActor index holds them all (what erasing the account removes
    too)."""
    for item in Like.by_actor.query(actor_pk(user_id), page_size=PAGE):
        if str(item.sk).startswith(prefix):
            yield str(item.pk), str(item.sk)


def _comments(user_id: str) -> Iterator[dict[str, Any]]:
    """Each comment and reply the user wrote (one BatchGetItem per 100 keys)."""
    for page in _pages(_made(user_id, (COMMENT, REPLY))):
        fetched = get_many([(Comment, key) for key in page])
        for key in page:
            if (comment := fetched.get(Comment, key)) is not None:
                yield {
                    "comment_id": comment.comment_id,
                    "post_id": comment.post_id,
                    "text": comment.text,
                    "reply_to": comment.reply_to,
                    "created_at": iso(comment.created_at),
                }


def _likes(user_id: str) -> Iterator[dict[str, Any]]:
    """Each post the user likes (one BatchGetItem per 100 keys)."""
    for page in _pages(_made(user_id, LIKE)):
        fetched = get_many([(Like, key) for key in page])
        for key in page:
            if (like := fetched.get(Like, key)) is not None:
                yield {"post_id": post_id_in(key[0]), "liked_at": iso(like.created_at)}


def _saved(user_id: str) -> Iterator[dict[str, Any]]:
    """Each post the user saved, and each of its places in the user's collections (named),
    with when (one BatchGetItem per 100 keys, the collections' names read first)."""
    names: dict[str, str] = {}
    for page in _pages(_made(user_id, COLLECTION)):
        fetched = get_many([(Collection, key) for key in page])
        for key in page:
            if (shelf := fetched.get(Collection, key)) is not None:
                names[str(shelf.collection_id)] = str(shelf.name)
    for page in _pages(_made(user_id, SAVE)):
        fetched = get_many([(Save, key) for key in page])
        for key in page:
            save = fetched.get(Save, key)
            if save is None or (save.collection_id and save.collection_id not in names):
                continue  # gone meanwhile, or a copy left by a deleted collection
            yield {
                "post_id": post_id_in(key[0]),
                "collection": names[save.collection_id] if save.collection_id else None,
                "saved_at": iso(save.created_at),
            }


def _edges(user_id: str, kind: str) -> Iterator[dict[str, Any]]:
    """The accounts at the far end of the user's edges of `kind`, since when."""
    for page in _pages(Edge.query(user_pk(user_id), Edge.sk.startswith(kind), page_size=PAGE)):
        names = _usernames(other_of(e.sk) for e in page)
        for edge in page:
            if (name := names.get(other_of(edge.sk))) is not None:
                yield {"username": name, "since": iso(edge.created_at) if edge.created_at else None}


def _followers(user_id: str) -> Iterator[dict[str, Any]]:
    """Followers, then the requests waiting for the user's answer."""
    for kind, status in ((FOLLOWER, "following"), (REQUEST, "requested")):
        for entry in _edges(user_id, kind):
            yield {**entry, "status": status}


def _live_stories(user_id: str) -> Iterator[dict[str, Any]]:
    for story in live_stories(user_id):
        yield {
            "story_id": story.story_id,
            "media_id": story.media_id,
            "audience": story.audience,
            "view_count": int(story.view_count),
            "stickers": [  # the overlay as placed (a mention's account id left out)
                {k: v for k, v in sticker.items() if k != "user_id"}
                for sticker in story.stickers or []
            ],
            "created_at": iso(story.created_at),
            "expires_at": iso(story.expires_at),
        }


def _highlights(user_id: str) -> Iterator[dict[str, Any]]:
    """Each highlight with the copies of the stories it keeps."""
    for highlight in Highlight.query(highlights_pk(user_id), page_size=PAGE):
        yield {
            "highlight_id": highlight.highlight_id,
            "title": highlight.title,
            "created_at": iso(highlight.created_at),
            "stories": [
                {
                    "story_id": copy["story_id"],
                    "media_id": copy["media"]["media_id"],
                    "audience": copy["audience"],
                    "created_at": copy["created_at"],
                }
                for copy in highlight.stories or []
            ],
        }


def _conversations(user_id: str) -> Iterator[dict[str, Any]]:
    """Each of the user's conversations (their inbox), with its messages oldest first."""
    for page in _pages(InboxEntry.query(inbox_pk(user_id), page_size=PAGE)):
        ids = [entry.conversation_id for entry in page]
        fetched = get_many([(Conversation, (conversation_pk(c), META)) for c in ids])
        for entry in page:
            conversation = fetched.get(Conversation, (conversation_pk(entry.conversation_id), META))
            if conversation is None:
                continue
            shown = listed(user_id, list(conversation.member_ids))
            yield {
                "conversation_id": conversation.conversation_id,
                "is_group": bool(conversation.is_group),
                "members": sorted(
                    shown[m].username
                    for m in conversation.member_ids
                    if m in shown and m != user_id
                ),
                "created_at": iso(conversation.created_at),
                "messages": Items(_messages(user_id, conversation.conversation_id, shown)),
            }


def _messages(
    user_id: str, conversation_id: str, shown: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """What the conversation shows the user: not what members blocked either way sent."""
    names = {uid: summary.username for uid, summary in shown.items()}
    checked = set(names)
    for page in _pages(Message.query(messages_pk(conversation_id), page_size=PAGE)):
        unknown = {m.sender_id for m in page} - checked
        if unknown:  # someone who has left the conversation since
            names |= {uid: s.username for uid, s in listed(user_id, list(unknown)).items()}
            checked |= unknown
        for message in page:
            if message.sender_id not in names:
                continue
            yield {
                "message_id": message.message_id,
                "sender": names[message.sender_id],
                "text": message.text,
                "media_id": message.media_id,
                "story_id": message.story_id,
                "created_at": iso(message.created_at),
            }


def _notifications(user_id: str) -> Iterator[dict[str, Any]]:
    """Newest first, as the list shows them (with the user's read marker)."""
    state = get_or_none(NotificationState, recipient_pk(user_id), STATE, consistent=False)
    read_up_to = state.read_up_to if state else None
    query = Notification.by_activity.query(
        recipient_pk(user_id), scan_index_forward=False, page_size=PAGE
    )
    for page in _pages(query):
        for shown in render(user_id, list(page), read_up_to):
            yield shown.model_dump(mode="json")
