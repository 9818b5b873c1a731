"""`DELETE /media/{media_id}` through the handlers, against moto: an unused upload goes with
every file of it; a used one (post, story, avatar) or someone else's stays; and the races with
a post, the thumbnailer and a retry."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest

from glimpse.config import get_settings
from glimpse.media import files, processing
from glimpse.media import service as media_service
from glimpse.models.media import DELETING, MEDIA, MediaItem, media_pk
from glimpse.posts import service as posts_service
from glimpse.users import service as users_service
from tests import images
from tests.integration.conftest import Stack
from tests.integration.iam import unattributed
from tests.integration.social import User, api, make_media
from tests.integration.test_stories import story_media
from tests.integration.test_thumbnailer import deliver, notification_record

SIZES = ("1080", "640", "320", "150")


def bucket() -> str:
    return get_settings().require("media_bucket")


def keys(stack: Stack, *prefixes: str) -> list[str]:
    found: list[str] = []
    for prefix in prefixes:
        listed = stack.client("s3").list_objects_v2(Bucket=bucket(), Prefix=prefix)
        found += [o["Key"] for o in listed.get("Contents", [])]
    return sorted(found)


def files_of(user: User, media_id: str) -> tuple[str, ...]:
    """Every prefix a media item's files can be under."""
    return (
        f"uploads/{user.id}/{media_id}",
        f"video-uploads/{user.id}/{media_id}",
        f"originals/{user.id}/{media_id}",
        f"originals/stories/{user.id}/{media_id}",
        f"renditions/{media_id}/",
        f"renditions/stories/{media_id}/",
        f"renditions/kept/{media_id}/",
    )


def put(stack: Stack, *object_keys: str) -> None:
    for key in object_keys:
        stack.client("s3").put_object(Bucket=bucket(), Key=key, Body=b"file")


def delete(user: User, media_id: str) -> tuple[int, Any]:
    return api("media", "delete_media", user, {"media_id": media_id})


def item(media_id: str) -> MediaItem | None:
    return media_service.find(media_id)


def uploaded(stack: Stack, user: User, kind: str = "post") -> tuple[str, str]:
    """An upload slot opened through the handler and its file put where the form sends it
    (not yet processed): (media id, upload key)."""
    body = {"kind": kind, "content_type": "image/jpeg", "size_bytes": 1000}
    status, slot = api("media", "create_media", user, body=body)
    assert status == 201, slot
    key = slot["upload"]["fields"]["key"]
    stack.client("s3").put_object(Bucket=bucket(), Key=key, Body=images.jpeg(900, 600))
    return slot["media_id"], key


def ready_upload(stack: Stack, user: User, kind: str = "post") -> str:
    """An image uploaded and processed by the thumbnailer: renditions and original in the
    bucket."""
    media_id, key = uploaded(stack, user, kind)
    assert deliver(notification_record(stack, key)) == []
    found = item(media_id)
    assert found is not None
    assert found.status == "ready"
    return media_id


def ready_video(stack: Stack, user: User) -> str:
    """A video item as the transcoder leaves it: poster renditions, MP4s, the original."""
    media_id = make_media(user)
    videos = {edge: f"renditions/{media_id}/{edge}.mp4" for edge in ("720", "480")}
    MediaItem(media_pk(media_id), MEDIA).update(
        actions=[MediaItem.media_type.set("video"), MediaItem.videos.set(videos)]
    )
    posters = [f"renditions/{media_id}/{size}.jpg" for size in SIZES]
    put(stack, *posters, *videos.values(), f"originals/{user.id}/{media_id}")
    return media_id


@pytest.mark.parametrize("kind", ["image", "video", "story image", "avatar"])
def test_an_unused_upload_goes_with_every_file(
    stack: Stack, alice: User, bob: User, kind: str
) -> None:
    media_id = (
        ready_video(stack, alice)
        if kind == "video"
        else ready_upload(stack, alice, {"image": "post", "story image": "story"}.get(kind, kind))
    )
    before = keys(stack, *files_of(alice, media_id))
    assert len(before) >= 5, before  # renditions (and MP4s) and the original
    neighbour = ready_upload(stack, alice)  # another item of hers: untouched

    assert delete(alice, media_id) == (204, None)
    assert keys(stack, *files_of(alice, media_id)) == []
    assert item(media_id) is None
    status, body = api("media", "get_media", alice, {"media_id": media_id})
    assert (status, body["error"]["code"]) == (404, "not_found")
    again = delete(alice, media_id)
    assert (again[0], again[1]["error"]["code"]) == (404, "not_found")  # deleting twice
    assert len(keys(stack, *files_of(alice, neighbour))) == len(SIZES) + 1
    assert item(neighbour) is not None


def test_a_pending_or_rejected_upload_is_deleted_and_a_late_file_discarded(
    stack: Stack, alice: User
) -> None:
    media_id, key = uploaded(stack, alice)  # the file is there, not processed yet
    assert delete(alice, media_id) == (204, None)
    assert keys(stack, *files_of(alice, media_id)) == []
    # The form is still valid: a file posted now is dropped when its notification comes.
    put(stack, key)
    assert deliver(notification_record(stack, key)) == []
    assert keys(stack, *files_of(alice, media_id)) == []
    assert item(media_id) is None

    rejected = make_media(alice, status="rejected")
    assert delete(alice, rejected) == (204, None)
    assert item(rejected) is None


def _post_with(user: User, media_id: str) -> str:
    status, body = api("posts", "create_post", user, body={"media_ids": [media_id]})
    assert status == 201, body
    return str(body["post_id"])


def _story_with(user: User, media_id: str) -> str:
    status, body = api("stories", "create_story", user, body={"media_id": media_id})
    assert status == 201, body
    return str(body["story_id"])


def _avatar(user: User, media_id: str) -> str:
    status, body = api("users", "patch_me", user, body={"avatar_media_id": media_id})
    assert status == 200, body
    return "avatar"


# What uses the item: how it is made used, and what the 409's message then names (the post's
# or story's id; "avatar").
USES: dict[str, Callable[[User, str], str]] = {
    "post": _post_with,
    "story": _story_with,
    "avatar": _avatar,
}


@pytest.mark.parametrize("use", sorted(USES))
def test_used_media_is_a_409_and_nothing_goes(stack: Stack, alice: User, use: str) -> None:
    media_id = story_media(stack, alice) if use == "story" else make_media(alice, kind=use)
    found = item(media_id)
    assert found is not None
    put(stack, *found.renditions.as_dict().values(), f"originals/{alice.id}/{media_id}")
    before = keys(stack, *files_of(alice, media_id))
    user = USES[use](alice, media_id)

    status, body = delete(alice, media_id)
    assert (status, body["error"]["code"]) == (409, "conflict"), body
    assert user in body["error"]["message"]
    assert keys(stack, *files_of(alice, media_id)) == before
    still = item(media_id)
    assert still is not None
    assert still.used_by == (None if use == "avatar" else user)

    if use == "avatar":  # another avatar frees it
        _avatar(alice, make_media(alice, kind="avatar"))
        assert delete(alice, media_id) == (204, None)
        assert keys(stack, *files_of(alice, media_id)) == []


def test_a_deleted_posts_media_is_unused_again(stack: Stack, alice: User) -> None:
    media_id = make_media(alice)
    post_id = _post_with(alice, media_id)
    assert delete(alice, media_id)[0] == 409
    assert api("posts", "delete_post", alice, {"post_id": post_id}) == (204, None)
    assert delete(alice, media_id) == (204, None)
    assert item(media_id) is None


def test_someone_elses_media_is_a_404_and_stays(stack: Stack, alice: User, bob: User) -> None:
    unused = ready_upload(stack, alice)
    used = make_media(alice)
    _post_with(alice, used)
    unknown = delete(bob, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")
    assert unknown[0] == 404
    for media_id in (unused, used):
        files = keys(stack, *files_of(alice, media_id))
        assert delete(bob, media_id) == unknown  # the same answer as no such item
        assert keys(stack, *files_of(alice, media_id)) == files
        assert item(media_id) is not None


def test_a_post_that_takes_the_media_first_wins_and_the_delete_is_a_409(
    stack: Stack, alice: User
) -> None:
    """The delete read the item unused; a post takes it before the claim is written."""
    media_id = ready_upload(stack, alice)
    files = keys(stack, *files_of(alice, media_id))
    posted: list[str] = []
    real = media_service.transaction

    def post_first() -> Any:
        if not posted:
            posted.append(_post_with(alice, media_id))
        return real()

    with mock.patch.object(media_service, "transaction", post_first):
        status, body = delete(alice, media_id)
    assert (status, body["error"]["code"]) == (409, "conflict"), body
    found = item(media_id)
    assert found is not None
    assert found.used_by == posted[0]
    assert keys(stack, *files_of(alice, media_id)) == files
    assert api("posts", "get_post", alice, {"post_id": posted[0]})[0] == 200


def test_a_delete_that_claims_the_media_first_wins_and_the_post_is_refused(
    stack: Stack, alice: User
) -> None:
    """The post read the item unused; the delete claims and removes it before the post's
    transaction."""
    media_id = ready_upload(stack, alice)
    deleted: list[tuple[int, Any]] = []
    real = posts_service.transaction

    def delete_first() -> Any:
        if not deleted:
            deleted.append(delete(alice, media_id))
        return real()

    with mock.patch.object(posts_service, "transaction", delete_first):
        status, body = api("posts", "create_post", alice, body={"media_ids": [media_id]})
    assert deleted == [(204, None)]
    assert (status, body["error"]["details"][0]["field"]) == (400, "media_ids"), body
    assert item(media_id) is None
    assert keys(stack, *files_of(alice, media_id)) == []
    _, page = api("posts", "user_posts", alice, {"username": alice.username})
    assert page["items"] == []


def test_an_avatar_set_while_the_delete_runs_is_refused(stack: Stack, alice: User) -> None:
    """`PATCH /me` read the item usable; the delete goes through before its transaction,
    which checks the item again."""
    media_id = make_media(alice, kind="avatar")
    deleted: list[tuple[int, Any]] = []
    real = users_service.transaction

    def delete_first() -> Any:
        if not deleted:
            deleted.append(delete(alice, media_id))
        return real()

    with mock.patch.object(users_service, "transaction", delete_first):
        status, body = api("users", "patch_me", alice, body={"avatar_media_id": media_id})
    assert deleted == [(204, None)]
    assert (status, body["error"]["details"][0]["field"]) == (400, "avatar_media_id"), body
    _, me = api("users", "get_me", alice)
    assert me["avatar"] is None


def test_an_avatar_set_before_the_claim_makes_the_delete_a_409(stack: Stack, alice: User) -> None:
    """The delete read the item unused; `PATCH /me` makes it the avatar before the claim,
    whose transaction checks the profile."""
    media_id = make_media(alice, kind="avatar")
    real = media_service.transaction
    done: list[str] = []

    def avatar_first() -> Any:
        if not done:
            done.append(_avatar(alice, media_id))
        return real()

    with mock.patch.object(media_service, "transaction", avatar_first):
        status, body = delete(alice, media_id)
    assert (status, body["error"]["code"]) == (409, "conflict"), body
    assert "avatar" in body["error"]["message"]
    _, me = api("users", "get_me", alice)
    assert me["avatar"] is not None
    assert item(media_id) is not None


def test_a_claimed_item_is_gone_for_every_route_and_a_retry_finishes_it(
    stack: Stack, alice: User
) -> None:
    """A delete that failed after its claim: the item is marked, its files still there."""
    media_id = ready_upload(stack, alice)
    MediaItem(media_pk(media_id), MEDIA).update(actions=[MediaItem.used_by.set(DELETING)])
    assert api("media", "get_media", alice, {"media_id": media_id})[0] == 404
    status, body = api("posts", "create_post", alice, body={"media_ids": [media_id]})
    assert (status, body["error"]["details"][0]["field"]) == (400, "media_ids[0]"), body

    assert delete(alice, media_id) == (204, None)
    assert keys(stack, *files_of(alice, media_id)) == []
    assert item(media_id) is None


@pytest.mark.parametrize("step", ["publish_renditions", "_settle"])
def test_an_item_deleted_while_the_thumbnailer_works_leaves_no_file(
    stack: Stack, alice: User, step: str
) -> None:
    """The delete goes through while the thumbnailer renders (it then finds the upload gone),
    or after it wrote its files but before it settles, the delete having listed the item's
    files before they were written (the settling write finds no item): either way what the
    thumbnailer wrote is deleted again."""
    media_id, key = uploaded(stack, alice)
    real = getattr(processing, step)

    def delete_meanwhile(*args: Any, **kwargs: Any) -> Any:
        listed_before = mock.patch.object(files, "keys_under", return_value=())
        with listed_before if step == "_settle" else contextlib.nullcontext():
            assert delete(alice, media_id) == (204, None)
        if step == "_settle":
            assert len(keys(stack, f"renditions/{media_id}/")) == len(SIZES)
        return real(*args, **kwargs)

    with mock.patch.object(processing, step, delete_meanwhile):
        assert deliver(notification_record(stack, key)) == []
    assert item(media_id) is None
    assert keys(stack, *files_of(alice, media_id)) == []


def test_an_item_settled_during_the_delete_is_read_again_and_its_files_go(
    stack: Stack, alice: User
) -> None:
    """The delete claimed a pending item and deleted its files (none yet); the thumbnailer
    settles it before the item is deleted: the delete reads it again and deletes the
    renditions it made."""
    media_id, _key = uploaded(stack, alice)
    real = media_service.delete_files
    rounds: list[int] = []
    renditions = {size: f"renditions/{media_id}/{size}.jpg" for size in SIZES}

    def settled_meanwhile(items: list[MediaItem]) -> int:
        removed = real(items)
        if not rounds:  # what the thumbnailer does: files, then the item ready
            with unattributed():
                put(stack, *renditions.values(), f"originals/{alice.id}/{media_id}")
                MediaItem(media_pk(media_id), MEDIA).update(
                    actions=[MediaItem.status.set("ready"), MediaItem.renditions.set(renditions)]
                )
        rounds.append(removed)
        return removed

    with mock.patch.object(media_service, "delete_files", settled_meanwhile):
        assert delete(alice, media_id) == (204, None)
    assert rounds == [0, len(SIZES)]  # the renditions, found the second time
    assert item(media_id) is None
    assert keys(stack, *files_of(alice, media_id)) == []
