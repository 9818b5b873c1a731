"""Media nothing shows any more go with their files (glimpse.media.reactions): a deleted
post's media and a replaced avatar, through the handlers and the fanout's reaction to
`media_withdrawn` (delivered twice); media used again meanwhile stay."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.social import api, make_user, settle
from tests.integration.test_media_deletion import files_of, item, keys, ready_upload


def test_a_deleted_posts_media_go_with_their_files(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    media = [ready_upload(stack, alice), ready_upload(stack, alice)]
    status, created = api("posts", "create_post", alice, body={"media_ids": media})
    assert status == 201, created
    settle()
    assert all(keys(stack, *files_of(alice, m)) for m in media)
    assert api("posts", "delete_post", alice, {"post_id": created["post_id"]})[0] == 204
    settle(deliveries=2)
    for media_id in media:
        assert item(media_id) is None
        assert keys(stack, *files_of(alice, media_id)) == []


def test_a_replaced_avatar_goes_and_the_new_one_stays(stack: Stack) -> None:
    alice = make_user(prefix="alice")
    first, second = ready_upload(stack, alice, "avatar"), ready_upload(stack, alice, "avatar")
    for media_id in (first, second):
        status, body = api("users", "patch_me", alice, body={"avatar_media_id": media_id})
        assert status == 200, body
    settle(deliveries=2)
    assert item(first) is None
    assert keys(stack, *files_of(alice, first)) == []
    assert item(second) is not None
    assert keys(stack, *files_of(alice, second))
    status, me = api("users", "get_me", alice)
    assert second in next(iter(me["avatar"].values()))


def test_media_used_again_before_the_reaction_stay(stack: Stack) -> None:
    """Deleted with its post, then posted again before `media_withdrawn` ran: kept."""
    alice = make_user(prefix="alice")
    media_id = ready_upload(stack, alice)
    status, created = api("posts", "create_post", alice, body={"media_ids": [media_id]})
    assert status == 201, created
    settle()
    assert api("posts", "delete_post", alice, {"post_id": created["post_id"]})[0] == 204
    status, again = api("posts", "create_post", alice, body={"media_ids": [media_id]})
    assert status == 201, again
    settle(deliveries=2)
    kept = item(media_id)
    assert kept is not None
    assert kept.used_by == again["post_id"]
    assert keys(stack, *files_of(alice, media_id))


def test_a_photo_sent_in_a_message_outlives_its_post(stack: Stack) -> None:
    """A post's photo also sent in a direct message stays when the post is deleted (the
    message shows it), and `DELETE /media` refuses it (409)."""
    alice, bob = make_user(prefix="alice"), make_user(prefix="bob")
    media_id = ready_upload(stack, alice)
    status, created = api("posts", "create_post", alice, body={"media_ids": [media_id]})
    assert status == 201, created
    status, chat = api("messages", "create_conversation", alice, body={"usernames": [bob.username]})
    assert status == 201, chat
    conversation = {"conversation_id": chat["conversation_id"]}
    status, sent = api("messages", "send", alice, conversation, body={"media_id": media_id})
    assert status == 201, sent
    assert api("posts", "delete_post", alice, {"post_id": created["post_id"]})[0] == 204
    settle(deliveries=2)
    assert item(media_id) is not None
    assert keys(stack, *files_of(alice, media_id))
    status, messages = api("messages", "messages", bob, conversation)
    assert status == 200, messages
    assert messages["items"][0]["media"]["media_id"] == media_id
    assert api("media", "delete_media", alice, {"media_id": media_id})[0] == 409
