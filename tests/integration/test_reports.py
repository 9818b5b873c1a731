"""Reports and moderation through the handlers, on moto with the template's stack: a report
counts once per reporter in its target's case (by the counters consumer), moderators alone
read the queue and act, and a removal hides the content from everyone but its author
everywhere it is read, until it is restored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from glimpse.auth.leaving import move_aside, restore_account
from glimpse.clock import now
from glimpse.errors import Forbidden
from glimpse.events import AutoLabel, MediaFlagged
from glimpse.models.base import get_or_none
from glimpse.models.media import MEDIA, MediaItem, auto_label, media_pk
from glimpse.models.moderation import CASE, Case, target_pk
from glimpse.models.transactions import transaction
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
from glimpse.moderation import targets
from glimpse.realtime import service as realtime
from tests.integration.conftest import Stack
from tests.integration.social import (
    User,
    api,
    feed_ids,
    follow,
    make_media,
    make_user,
    post,
    settle,
)
from tests.integration.test_message_changes import connected
from tests.integration.test_realtime import posted
from tests.integration.test_stories import story_media

MODERATORS = "moderators"


def report(user: User, target_type: str, target_id: str, reason: str = "spam") -> tuple[int, Any]:
    body = {"target_type": target_type, "target_id": target_id, "reason": reason}
    return api("moderation", "report", user, body=body)


def act(moderator: User, target_type: str, target_id: str, action: str) -> int:
    body = {"target_type": target_type, "target_id": target_id, "action": action}
    status, answer = api("moderation", "moderation_action", moderator, body=body, groups=MODERATORS)
    assert status == 204, answer
    return status


def queue(moderator: User) -> list[dict[str, Any]]:
    status, body = api("moderation", "moderation_queue", moderator, groups=MODERATORS)
    assert status == 200, body
    return list(body["items"])


def test_a_report_counts_once_per_reporter_and_opens_a_case(stack: Stack) -> None:
    author, first, second, moderator = (make_user() for _ in range(4))
    post_id = post(author, "buy cheap followers")
    status, body = report(first, "post", post_id)
    assert status == 202, body
    again = report(first, "post", post_id, "scam")
    assert again == (202, body)  # a repeat answers the first report
    assert report(second, "post", post_id, "scam")[0] == 202
    settle()
    (case,) = [c for c in queue(moderator) if c["target_id"] == post_id]
    assert case["report_count"] == 2
    assert case["reasons"] == {"spam": 1, "scam": 1}
    assert case["target"]["post_id"] == post_id
    assert case["target"]["caption"] == "buy cheap followers"
    assert case["first_reported_at"] is not None


def test_what_a_reporter_cannot_see_cannot_be_reported(stack: Stack) -> None:
    private, stranger = make_user(private=True), make_user()
    post_id = post(private)
    assert report(stranger, "post", post_id)[0] == 404
    assert report(stranger, "post", "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")[0] == 404
    assert report(private, "post", post_id)[0] == 400  # one's own
    assert report(stranger, "user", private.username)[0] == 202  # the account itself is seen
    status, body = api(
        "moderation", "report", stranger, body={"target_type": "post", "target_id": post_id}
    )
    assert status == 400, body  # no reason
    settle()
    assert get_or_none(Case, target_pk("post", post_id), CASE) is None


def test_only_moderators_use_the_moderation_routes(stack: Stack) -> None:
    user = make_user()
    body = {"target_type": "user", "target_id": user.username, "action": "dismiss"}
    assert api("moderation", "moderation_queue", user)[0] == 403
    assert api("moderation", "moderation_log", user)[0] == 403
    assert api("moderation", "moderation_action", user, body=body)[0] == 403
    assert api("moderation", "moderation_queue", user, groups="editors,readers")[0] == 403
    assert api("moderation", "moderation_queue", user, groups="editors,moderators")[0] == 200
    # Anyone else gets the 403 first, whatever the request holds; a moderator its 400.
    bad = {"target_type": "planet", "action": "explode"}
    assert api("moderation", "moderation_action", user, body=bad)[0] == 403
    assert api("moderation", "moderation_queue", user, query={"limit": "0"})[0] == 403
    assert api("moderation", "moderation_action", user, body=bad, groups=MODERATORS)[0] == 400


def test_a_removed_post_is_shown_to_its_author_only_until_restored(stack: Stack) -> None:
    author, follower, moderator = make_user(), make_user(), make_user()
    follow(follower, author)
    post_id = post(author, "hello")
    assert report(follower, "post", post_id, "hate")[0] == 202
    settle()
    assert post_id in feed_ids(follower)

    act(moderator, "post", post_id, "remove")
    settle()
    assert post_id not in feed_ids(follower)
    assert api("posts", "get_post", follower, {"post_id": post_id})[0] == 404
    status, page = api("posts", "user_posts", follower, {"username": author.username})
    assert (status, [p["post_id"] for p in page["items"]]) == (200, [])
    status, mine = api("posts", "get_post", author, {"post_id": post_id})
    assert (status, mine["removed"]) == (200, True)
    status, told = api("notifications", "list", author)
    removed = [n for n in told["items"] if n["type"] == "content_removed"]
    assert [(n["post_id"], n["actors"]) for n in removed] == [(post_id, [])]
    assert all(c["target_id"] != post_id for c in queue(moderator))  # decided: closed

    act(moderator, "post", post_id, "restore")
    settle()
    assert post_id in feed_ids(follower)
    status, seen = api("posts", "get_post", follower, {"post_id": post_id})
    assert (status, seen["removed"]) == (200, False)
    status, log = api("moderation", "moderation_log", moderator, groups=MODERATORS)
    assert [(e["action"], e["target_id"], e["moderator"]) for e in log["items"][:2]] == [
        ("restore", post_id, moderator.username),
        ("remove", post_id, moderator.username),
    ]


def test_a_removed_comment_is_hidden_from_all_but_its_author(stack: Stack) -> None:
    author, commenter, moderator = make_user(), make_user(), make_user()
    post_id = post(author)
    status, comment = api(
        "posts", "create_comment", commenter, {"post_id": post_id}, body={"text": "awful"}
    )
    assert status == 201, comment
    comment_id = comment["comment_id"]
    assert report(author, "comment", comment_id, "harassment")[0] == 202
    act(moderator, "comment", comment_id, "remove")
    settle()

    def comments(user: User) -> list[tuple[str, bool]]:
        status, page = api("posts", "comments", user, {"post_id": post_id})
        assert status == 200, page
        return [(c["comment_id"], c["removed"]) for c in page["items"]]

    assert comments(author) == []
    assert comments(commenter) == [(comment_id, True)]


def test_content_actions_name_content_and_account_actions_name_accounts(stack: Stack) -> None:
    user, moderator = make_user(), make_user()
    post_id = post(user)
    for target_type, target_id, action in (
        ("user", user.username, "remove"),
        ("post", post_id, "suspend"),
    ):
        body = {"target_type": target_type, "target_id": target_id, "action": action}
        status, _ = api("moderation", "moderation_action", moderator, body=body, groups=MODERATORS)
        assert status == 400
    body = {"target_type": "post", "target_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "action": "remove"}
    assert api("moderation", "moderation_action", moderator, body=body, groups=MODERATORS)[0] == 404


def test_a_suspended_account_is_hidden_as_a_deleted_one_until_unsuspended(stack: Stack) -> None:
    user, follower, moderator = make_user(), make_user(), make_user()
    follow(follower, user)
    settle()
    realtime.connect("suspended-open", user.id)  # a WebSocket the account has open
    act(moderator, "user", user.username, "suspend")
    settle()
    assert realtime._connections(user.id) == []  # closed at the gateway and forgotten
    assert get_or_none(UserProfile, user_pk(user.id), PROFILE) is None
    aside = DeletedProfile.get(user_pk(user.id), DELETED)
    assert aside.is_suspended
    assert not aside.is_leaving
    assert UniqueClaim.get(username_pk(user.username), CLAIM).state == "suspended"
    assert api("users", "get_user", follower, {"username": user.username})[0] == 404
    settle()
    assert UserProfile.get(user_pk(follower.id), PROFILE).following_count == 0  # withdrawn

    act(moderator, "user", user.username, "unsuspend")
    settle()
    assert api("users", "get_user", follower, {"username": user.username})[0] == 200
    assert UserProfile.get(user_pk(follower.id), PROFILE).following_count == 1
    assert UniqueClaim.get(username_pk(user.username), CLAIM).state == "active"


def flag(media_id: str, score: float) -> None:
    """What the thumbnailer writes for an upload scored above the review threshold."""
    item = MediaItem.get(media_pk(media_id), MEDIA)
    item.update(
        actions=[
            MediaItem.auto_labels.set([auto_label("suggestive", score)]),
            MediaItem.flagged.set("labels"),
        ]
    )


def test_flagged_media_queues_its_post_whichever_comes_first(stack: Stack) -> None:
    author, moderator = make_user(), make_user()
    early = make_media(author)
    flag(early, 0.7)  # scored before the post is made: the post finds the flag
    status, body = api("posts", "create_post", author, body={"media_ids": [early]})
    assert status == 201, body
    first = body["post_id"]
    second = post(author)  # scored after: the flag finds the post
    (late,) = api("posts", "get_post", author, {"post_id": second})[1]["media"]
    flag(late["media_id"], 0.65)
    with transaction() as tx:
        labels = [AutoLabel(label="suggestive", score=0.65)]
        tx.emit(
            MediaFlagged(
                media_id=late["media_id"], owner_id=author.id, labels=labels, reason="labels"
            )
        )
    settle(deliveries=2)
    cases = {c["target_id"]: c for c in queue(moderator)}
    for post_id, score in ((first, 0.7), (second, 0.65)):
        assert cases[post_id]["auto_labels"] == [{"label": "suggestive", "score": score}]
        assert cases[post_id]["report_count"] == 0
    settle()
    assert post(author) not in {c["target_id"] for c in queue(moderator)}  # nothing flagged


def test_a_removed_story_leaves_highlights_and_trays_for_all_but_its_owner(stack: Stack) -> None:
    owner, follower, moderator = make_user(), make_user(), make_user()
    follow(follower, owner)
    status, story = api(
        "stories", "create_story", owner, body={"media_id": story_media(stack, owner)}
    )
    assert status == 201, story
    story_id = story["story_id"]
    status, kept = api(
        "stories", "create_highlight", owner, body={"title": "K", "story_ids": [story_id]}
    )
    assert status == 201, kept
    settle()

    def highlighted(user: User) -> list[str]:
        status, page = api("stories", "user_highlights", user, {"username": owner.username})
        assert status == 200, page
        return [s["story_id"] for h in page["items"] for s in h["stories"]]

    def tray(user: User) -> list[str]:
        return [e["user"]["username"] for e in api("stories", "tray", user)[1]["items"]]

    assert (highlighted(follower), tray(follower)) == ([story_id], [owner.username])
    act(moderator, "story", story_id, "remove")
    settle(deliveries=2)
    assert (highlighted(follower), tray(follower)) == ([], [])
    assert highlighted(owner) == [story_id]
    body = {"title": "again", "story_ids": [story_id]}
    assert api("stories", "create_highlight", owner, body=body)[0] == 400  # not highlighted anew

    act(moderator, "story", story_id, "restore")
    act(moderator, "story", story_id, "restore")  # restored already: logged, nothing changes
    settle()
    assert (highlighted(follower), tray(follower)) == ([story_id], [owner.username])


def test_a_case_whose_target_went_can_still_be_dismissed(stack: Stack) -> None:
    author, reporter, moderator = make_user(), make_user(), make_user()
    post_id = post(author)
    assert report(reporter, "post", post_id)[0] == 202
    settle()
    assert api("posts", "delete_post", author, {"post_id": post_id})[0] == 204
    assert post_id in {c["target_id"] for c in queue(moderator)}
    body = {"target_type": "post", "target_id": post_id, "action": "remove"}
    assert api("moderation", "moderation_action", moderator, body=body, groups=MODERATORS)[0] == 404
    act(moderator, "post", post_id, "dismiss")
    assert post_id not in {c["target_id"] for c in queue(moderator)}
    body = {"target_type": "post", "target_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", "action": "dismiss"}
    assert api("moderation", "moderation_action", moderator, body=body, groups=MODERATORS)[0] == 404


def test_a_removed_post_s_media_and_message_are_hidden_everywhere_they_are_read(
    stack: Stack,
) -> None:
    author, reader, moderator = make_user(), make_user(), make_user()
    post_id = post(author)
    (media,) = api("posts", "get_post", reader, {"post_id": post_id})[1]["media"]
    act(moderator, "post", post_id, "remove")
    assert api("media", "get_media", reader, {"media_id": media["media_id"]})[0] == 404
    assert api("media", "get_media", author, {"media_id": media["media_id"]})[0] == 200

    status, chat = api(
        "messages", "create_conversation", author, body={"usernames": [reader.username]}
    )
    assert status in (200, 201), chat
    cid = chat["conversation_id"]
    status, sent = api(
        "messages", "send", author, {"conversation_id": cid}, body={"text": "buy now"}
    )
    assert status in (200, 201), sent
    assert api("messages", "accept", reader, {"conversation_id": cid})[0] == 204

    def inbox(user: User) -> dict[str, Any]:
        (entry,) = api("messages", "conversations", user)[1]["items"]
        return dict(entry)

    assert inbox(reader)["unread_count"] == 1
    sockets = {user.id: connected(user) for user in (author, reader)}
    act(moderator, "message", sent["message_id"], "remove")
    assert (inbox(reader)["unread_count"], inbox(reader)["last_message"]) == (0, None)
    assert inbox(author)["last_message"]["removed"] is True
    # the reader's devices drop it now; its sender still sees it (removed) and gets nothing
    gone = {"type": "message_deleted", "conversation_id": cid, "message_id": sent["message_id"]}
    assert gone in posted(sockets[reader.id])
    assert gone not in posted(sockets[author.id])
    act(moderator, "message", sent["message_id"], "remove")  # removed already: nothing again
    assert posted(sockets[reader.id]).count(gone) == 1


def test_an_account_deleted_then_suspended_cannot_restore_itself_until_unsuspended(
    stack: Stack,
) -> None:
    user, moderator = make_user(), make_user()
    profile = UserProfile.get(user_pk(user.id), PROFILE)
    with transaction() as tx:  # what DELETE /me writes (the handler's own tests cover the rest)
        aside = DeletedProfile.of(
            profile, now(), now() + timedelta(days=30), "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"
        )
        move_aside(tx, profile, aside, "deleted")
    act(moderator, "user", user.username, "suspend")
    marked = DeletedProfile.get(user_pk(user.id), DELETED)
    assert marked.is_suspended
    assert marked.is_leaving
    try:
        restore_account(user.id)
    except Forbidden:
        pass
    else:
        raise AssertionError("a suspended account restored itself")
    act(moderator, "user", user.username, "unsuspend")
    after = DeletedProfile.get(user_pk(user.id), DELETED)
    assert not after.is_suspended
    assert after.is_leaving  # still deleted by its owner, who may restore it


def test_a_removal_that_read_a_message_removed_then_restored_meanwhile_removes_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A moderator asks to remove a message they read as removed, while another restores it:
    the first decision, which would leave it as read, does not commit across the restore; it
    reads the message again and removes it (and the reader's devices are told again)."""
    author, reader, moderator = make_user(), make_user(), make_user()
    status, chat = api(
        "messages", "create_conversation", author, body={"usernames": [reader.username]}
    )
    assert status in (200, 201), chat
    cid = chat["conversation_id"]
    status, sent = api("messages", "send", author, {"conversation_id": cid}, body={"text": "x"})
    assert status in (200, 201), sent
    assert api("messages", "accept", reader, {"conversation_id": cid})[0] == 204
    phone = connected(reader)
    act(moderator, "message", sent["message_id"], "remove")
    real = targets.unchanged

    def restored_meanwhile(tx: Any, target: Any) -> None:
        monkeypatch.setattr(targets, "unchanged", real)
        act(moderator, "message", sent["message_id"], "restore")  # another moderator's
        real(tx, target)

    monkeypatch.setattr(targets, "unchanged", restored_meanwhile)
    act(moderator, "message", sent["message_id"], "remove")
    (entry,) = api("messages", "conversations", reader)[1]["items"]
    assert entry["last_message"] is None  # removed, as the last decision says
    gone = {"type": "message_deleted", "conversation_id": cid, "message_id": sent["message_id"]}
    assert posted(phone).count(gone) == 2
