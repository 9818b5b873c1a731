"""The user directory, at the bottom of the domain packages: who a username is, a profile by
id, and the user summaries every list shows. Graph, media, posts, feed and users build on it;
it imports none of them."""

from __future__ import annotations

from glimpse.adapters.cdn import rendition_urls
from glimpse.errors import NotFound
from glimpse.models.base import get_or_none, str_map
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from glimpse.schema import Schema


class UserSummary(Schema):
    """API.md's user summary: who wrote, liked, follows."""

    username: str
    display_name: str
    avatar: dict[str, str] | None = None


def get_profile(user_id: str) -> UserProfile:
    profile = get_or_none(UserProfile, user_pk(user_id), PROFILE)
    if profile is None:
        raise NotFound("No such user.")
    return profile


def user_id_for(username: str) -> str:
    """The id behind a username (its claim): one strongly consistent GetItem, 404 if none."""
    claim = get_or_none(UniqueClaim, username_pk(username), CLAIM)
    if claim is None or claim.state != "active" or not claim.user_id:
        raise NotFound(f"No user named {username}.")
    return str(claim.user_id)


def avatar_urls(profile: UserProfile) -> dict[str, str] | None:
    return rendition_urls(str_map(profile.avatar)) or None


def summary(profile: UserProfile) -> UserSummary:
    return UserSummary(
        username=profile.username,
        display_name=profile.display_name,
        avatar=avatar_urls(profile),
    )
