"""What the search indexes hold for an account and a post, and the version each is written at.

Documents are written with external versions, so an older state never replaces a newer one
whatever order the indexer sees changes in, or how often:

- an account's document: its profile's `revision` (+1 with every indexed change);
- a post's document: the post's `revision` plus its author's. Both only grow, so the sum
  grows with any change to either, and the indexer always writes the state it has just read;
- a deleted post: `DELETED`, above any version a live post reaches, so a late write of the
  post (read just before the delete) is refused. The indexer reads a post before writing it,
  so once deleted a post is never written again;
- a post of a deleted account (its profile aside, restorable): deleted at its version with
  the profile as it was, plus RESTORE_STEP - 1: above what it was written at, below what the
  restored profile (its `revision` moved on by RESTORE_STEP) writes it at.

Only public accounts' posts are `public`; searches filter on it.

A place's document is written once, at version 1: places are never edited or deleted, so a
repeated or late write is refused (409) and counts as done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from glimpse.clock import iso
from glimpse.models.places import Place
from glimpse.models.posts import Post
from glimpse.models.users import RESTORE_STEP, DeletedProfile, UserProfile

USERS, POSTS, HASHTAGS, PLACES = "users", "posts", "hashtags", "places"
PLACE_VERSION = 1
DELETED = 2**62

Visibility = Literal["public", "private"]


def user_document(profile: UserProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "username": profile.username,
        "display_name": profile.display_name or "",
        "is_private": bool(profile.is_private),
        "followers_count": int(profile.followers_count or 0),
    }


def user_version(profile: UserProfile) -> int:
    return int(profile.revision or 0) + 1


def deleted_version(aside: DeletedProfile) -> int:
    """The version that deletes a deleted account's document: above every version it had,
    below its restored profile's (a restore moves `revision` on by RESTORE_STEP)."""
    return user_version(aside.profile()) + RESTORE_STEP - 1


def visibility(author: UserProfile) -> Visibility:
    return "private" if author.is_private else "public"


def post_document(post: Post, author: UserProfile) -> dict[str, Any]:
    return {
        "post_id": post.post_id,
        "author_id": post.author_id,
        "caption": post.caption or "",
        "hashtags": list(post.hashtags or []),
        "place_id": post.place_id,
        "visibility": visibility(author),
        # Counts can dip below zero for a moment (an unlike counted before its like);
        # OpenSearch refuses a negative `field_value_factor` score.
        "like_count": max(0, int(post.like_count or 0)),
        "comment_count": max(0, int(post.comment_count or 0)),
        "created_at": iso(post.created_at),
    }


def post_version(post: Post, author: UserProfile) -> int:
    return int(post.revision or 0) + int(author.revision or 0) + 1


def aside_post_version(post: Post, aside: DeletedProfile) -> int:
    """The version that deletes the document of a post whose account is deleted: above
    every version it had, below the one its restored author's gives it."""
    return post_version(post, aside.profile()) + RESTORE_STEP - 1


def hashtag_document(tag: str, used_at: datetime) -> dict[str, Any]:
    return {"tag": tag, "first_used_at": iso(used_at)}


def place_document(place: Place) -> dict[str, Any]:
    return {
        "place_id": place.place_id,
        "name": place.name,
        "location": {"lat": float(place.lat), "lon": float(place.lng)},
    }
