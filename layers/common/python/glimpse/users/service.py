"""Profile reads and edits. Takes and returns typed values; never sees an event."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from glimpse.clock import now
from glimpse.directory import avatar_urls, get_profile, user_id_for
from glimpse.errors import BadRequest, field_error
from glimpse.events import AccountMadePrivate, AccountMadePublic, MediaWithdrawn, ProfileChanged
from glimpse.graph.access import relation
from glimpse.media.service import ready_media_of
from glimpse.models.base import str_map
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.objects import media_id_of_rendition
from glimpse.models.transactions import ConditionFailed, Contention, Transaction, transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.users.schemas import MeOut, ProfilePatch, UserOut


def public_view(profile: UserProfile) -> UserOut:
    return UserOut(
        username=profile.username,
        display_name=profile.display_name,
        bio=profile.bio,
        avatar=avatar_urls(profile),
        is_private=profile.is_private,
        followers_count=int(profile.followers_count),
        following_count=int(profile.following_count),
        posts_count=int(profile.posts_count),
    )


def own_view(profile: UserProfile) -> MeOut:
    return MeOut(**public_view(profile).model_dump(), email=profile.email)


def me(user_id: str) -> MeOut:
    return own_view(get_profile(user_id))


def view_user(viewer_id: str, username: str) -> UserOut:
    """A profile as `viewer` sees it: claim GetItem + one BatchGetItem (profile and edges).

    A user who blocked the viewer, or whom the viewer blocked, does not exist for them (404).
    A private profile's header is visible to all; its content is not (see graph.access).
    """
    found = relation(viewer_id, user_id_for(username))
    view = public_view(found.owner)
    view.followed_by_me = found.follows
    view.follows_me = found.followed_by
    view.follow_status = found.follow_status
    return view


def update_me(user_id: str, patch: ProfilePatch) -> MeOut:
    """GetItem, then one transaction: the profile and the events of what changed (and, with
    an avatar, a check that its media item is still there and not being deleted).

    Events are emitted only for what really changes: the privacy events when `is_private`
    flips (under a condition on the value read: a concurrent flip makes this request re-read),
    `profile_changed` for the fields whose value differs.
    """
    avatar: dict[str, str] | None = None
    if patch.avatar_media_id is not None:
        media = ready_media_of(user_id, patch.avatar_media_id, "avatar", "avatar_media_id")
        avatar = str_map(media.renditions)
    for _attempt in range(3):
        current = get_profile(user_id)
        actions, changed = _changes(current, patch, avatar)
        flips = patch.is_private is not None and patch.is_private != current.is_private
        if flips:
            actions.append(UserProfile.is_private.set(bool(patch.is_private)))
        try:
            with transaction() as tx:
                tx.update(
                    UserProfile(user_pk(user_id), PROFILE),
                    actions=actions,
                    condition=UserProfile.pk.exists()
                    & (UserProfile.is_private == current.is_private)
                    & _avatar_as_read(current, avatar),
                )
                if patch.avatar_media_id is not None:
                    _avatar_still_usable(tx, user_id, patch.avatar_media_id)
                if flips:
                    tx.emit(
                        AccountMadePrivate(user_id=user_id)
                        if patch.is_private
                        else AccountMadePublic(user_id=user_id)
                    )
                if changed:
                    tx.emit(ProfileChanged(user_id=user_id, fields=changed))
                replaced = _replaced_avatar(current, avatar)
                if replaced:  # nothing shows it any more: it goes with its files
                    tx.emit(MediaWithdrawn(owner_id=user_id, media_ids=[replaced]))
        except ConditionFailed as failed:
            if "avatar" in failed.names:
                raise BadRequest(
                    "No such media item of yours.",
                    [field_error("avatar_media_id", "no such media item")],
                ) from None
            continue  # deleted, or its privacy flipped meanwhile: read again
        return own_view(_applied(current, patch, avatar))
    raise Contention()  # its privacy kept flipping under us


def _avatar_as_read(current: UserProfile, avatar: dict[str, str] | None) -> Any:
    """With a new avatar, a condition that the one it replaces is still the one read: two
    avatar changes at once cannot both withdraw the same old one (and leave the other)."""
    if avatar is None:
        return UserProfile.pk.exists()
    before = str_map(current.avatar)
    if not before:
        return UserProfile.avatar.does_not_exist()
    size, key = next(iter(sorted(before.items())))
    return Path(UserProfile.avatar)[size] == key


def _replaced_avatar(current: UserProfile, avatar: dict[str, str] | None) -> str | None:
    """The media id of the avatar `avatar` replaces, if it replaces one."""
    before = str_map(current.avatar)
    if avatar is None or not before or before == avatar:
        return None
    return media_id_of_rendition(next(iter(before.values())))


def _avatar_still_usable(tx: Transaction, user_id: str, media_id: str) -> None:
    """The avatar's media item is still the caller's and not being deleted, when `tx` commits
    (`DELETE /media/{media_id}` checks the profile in its own transaction: one of them wins)."""
    tx.condition_check(
        MediaItem,
        media_pk(media_id),
        MEDIA,
        condition=(MediaItem.owner_id == user_id) & MediaItem.used_by.does_not_exist(),
        name="avatar",
    )


def _changes(
    current: UserProfile, patch: ProfilePatch, avatar: dict[str, str] | None
) -> tuple[list[Action], list[str]]:
    """The update's actions for the fields `patch` sets (privacy aside), and the names of
    those whose value differs from `current`."""
    actions: list[Action] = [UserProfile.updated_at.set(now()), UserProfile.revision.add(1)]
    changed: list[str] = []
    if avatar is not None:
        actions.append(UserProfile.avatar.set(avatar))
        if avatar != str_map(current.avatar):
            changed.append("avatar")
    if patch.display_name is not None:
        actions.append(UserProfile.display_name.set(patch.display_name))
        if patch.display_name != current.display_name:
            changed.append("display_name")
    if patch.bio is not None:
        actions.append(UserProfile.bio.set(patch.bio))
        if patch.bio != current.bio:
            changed.append("bio")
    return actions, changed


def _applied(
    profile: UserProfile, patch: ProfilePatch, avatar: dict[str, str] | None
) -> UserProfile:
    """`profile` with `patch` applied, as the transaction wrote it (no read back)."""
    if avatar is not None:
        profile.avatar = MapAttribute(**avatar)  # type: ignore[no-untyped-call]
    if patch.display_name is not None:
        profile.display_name = patch.display_name
    if patch.bio is not None:
        profile.bio = patch.bio
    if patch.is_private is not None:
        profile.is_private = patch.is_private
    return profile
