"""Erasure through the handlers, on moto with the template's stack: an account with posts,
likes, comments, saves and a collection, a tag, follows both ways, a pending request, close
friends, mutes both ways, a story and a highlight, votes, an answer and a mention on another's
story's stickers, conversations (with reactions both ways), a
device, hidden words and media objects is deleted, its `account_erased` is delivered (here
emitted at once: the TTL delay is the publisher's, tested in the unit suite), and every
function involved passes the IAM recorder (tests/integration/iam.py). Nothing holding
the account's id or username is left in any table (but the outbox and idempotency records,
which expire within a day) or the bucket; the report counts what went, without the id."""

from __future__ import annotations

import json
import time
from typing import Any

from functions.impressions import app as impressions
from functions.users import app as users
from glimpse import sessions
from glimpse.adapters import cognito as cognito_adapter
from glimpse.config import get_settings
from glimpse.events import AccountErased
from glimpse.models import erasure as report
from glimpse.models.erasure import report_pk
from glimpse.models.objects import original_key
from glimpse.models.transactions import transaction
from glimpse.realtime import service as realtime
from tests.conftest import FakeContext
from tests.integration.conftest import Stack, as_user
from tests.integration.social import User, api, make_media, make_user, post, settle
from tests.integration.test_insights import delivery
from tests.integration.test_passwords import PASSWORD, account
from tests.integration.test_stories import story_media

# Rate-limit buckets name the account too, and expire within a day (TTL).
TRANSIENT = ("EventsTable", "IdempotencyTable", "SessionsTable", "RateLimitsTable")
TOKEN = "b" * 64


def bucket() -> str:
    return get_settings().require("media_bucket")


def ok(result: tuple[int, Any]) -> Any:
    status, body = result
    assert status in (200, 201, 202, 204), body
    return body


def stored_mentions(stack: Stack, marks: list[str]) -> list[str]:
    """Every item (but transient ones) and object key naming the account."""
    dynamodb, found = stack.client("dynamodb"), []
    for table in dynamodb.list_tables()["TableNames"]:
        if table.endswith(TRANSIENT):
            continue
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            found += [
                f"{table}: {json.dumps(item, default=repr)[:200]}"
                for item in page["Items"]
                if any(mark in json.dumps(item, default=repr) for mark in marks)  # bytes: sketches
            ]
    listed = stack.client("s3").list_objects_v2(Bucket=bucket()).get("Contents", [])
    found += [o["Key"] for o in listed if any(mark in o["Key"] for mark in marks)]
    return found


def test_erasure_removes_everything_and_each_policy_allows_what_it_calls(
    stack: Stack, auto_confirm: None
) -> None:
    name, user_id, tokens = account(stack)
    alice, bob, carol = User(user_id, name), make_user(prefix="bob"), make_user(True, "carol")
    for reader, author in ((alice, bob), (bob, alice), (alice, carol)):
        ok(api("graph", "follow", reader, {"username": author.username}))
    ok(api("stories", "set_close_friends", bob, body={"usernames": [alice.username]}))
    both = {"posts": True, "stories": True}
    ok(api("graph", "mute", alice, {"username": bob.username}, body=both))  # its mutes
    ok(api("graph", "mute", carol, {"username": alice.username}, body=both))  # and of it
    alice_post, bob_post = post(alice, f"hello @{bob.username}"), post(bob, "hi")
    ok(api("posts", "like", bob, {"post_id": alice_post}))
    ok(api("posts", "like", alice, {"post_id": bob_post}))
    mine = ok(api("posts", "create_comment", alice, {"post_id": bob_post}, body={"text": "great"}))
    # replies and comment likes both ways: hers go, and so do others' in her comment's thread
    theirs = ok(api("posts", "create_comment", bob, {"post_id": bob_post}, body={"text": "mine"}))
    for by, answered in ((alice, theirs), (bob, mine)):
        reply = {"text": "re", "reply_to": answered["comment_id"]}
        ok(api("posts", "create_comment", by, {"post_id": bob_post}, body=reply))
        liked = {"post_id": bob_post, "comment_id": answered["comment_id"]}
        ok(api("posts", "like_comment", by, liked))
    story = ok(api("stories", "create_story", alice, body={"media_id": story_media(stack, alice)}))
    ok(api("stories", "view_story", bob, {"story_id": story["story_id"]}))
    highlight = {"title": "Kept", "story_ids": [story["story_id"]]}
    ok(api("stories", "create_highlight", alice, body=highlight))
    # its votes and answers on others' stickers, and a sticker of theirs that mentions it
    at = {"x": 0.5, "y": 0.5}
    stickers = [
        {"type": "poll", **at, "question": "?", "options": ["a", "b"]},
        {"type": "question", **at, "prompt": "Ask"},
        {"type": "mention", **at, "username": alice.username},
    ]
    body = {"media_id": story_media(stack, bob), "stickers": stickers}
    theirs_story = ok(api("stories", "create_story", bob, body=body))
    on_sticker = [
        {"story_id": theirs_story["story_id"], "sticker_id": s["sticker_id"]}
        for s in theirs_story["stickers"]
    ]
    ok(api("stories", "vote", alice, on_sticker[0], body={"option": 1}))
    ok(api("stories", "answer", alice, on_sticker[1], body={"text": "from alice"}))
    chat = ok(api("messages", "create_conversation", alice, body={"usernames": [bob.username]}))
    chat_id = {"conversation_id": chat["conversation_id"]}
    sent = ok(api("messages", "send", alice, chat_id, body={"text": "x"}))
    answer = ok(api("messages", "send", bob, chat_id, body={"text": "y"}))
    for reactor, message in ((bob, sent), (alice, answer)):  # its reactions, and to it
        on = {**chat_id, "message_id": message["message_id"]}
        ok(api("messages", "react", reactor, on, body={"emoji": "👍"}))
    shelf = ok(api("posts", "create_collection", alice, body={"name": f"of {name}"}))
    saving = {"collection_id": shelf["collection_id"]}
    ok(api("posts", "save", alice, {"post_id": bob_post}, body=saving))  # a save, its copy
    media = make_media(bob)
    tags = [{"username": alice.username, "media_id": media, "x": 0.5, "y": 0.5}]
    tagging = ok(api("posts", "create_post", bob, body={"media_ids": [media], "tags": tags}))
    ok(api("notifications", "register_device", alice, body={"platform": "ios", "token": TOKEN}))
    ok(api("users", "put_hidden_words", alice, body={"words": ["meh"], "hide_offensive": True}))
    spam = {"target_type": "post", "target_id": bob_post, "reason": "spam"}
    ok(api("moderation", "report", alice, body=spam))  # the reports it made go
    rude = {"target_type": "user", "target_id": alice.username, "reason": "harassment"}
    ok(api("moderation", "report", bob, body=rude))  # and its case as a reported user
    media_id = make_media(alice)
    stack.client("s3").put_object(Bucket=bucket(), Key=original_key(user_id, media_id), Body=b"o")
    stack.client("s3").put_object(Bucket=bucket(), Key=f"renditions/{media_id}/640.jpg", Body=b"r")
    assert api("exports", "request_export", alice)[0] == 202  # an archive, its item, a ledger
    settle()  # bob's follow counted in her insights' day
    seen = {"message": "served", "served": {"viewer": bob.id, "profile": name}}
    impressions.lambda_handler(delivery([json.dumps(seen)]), FakeContext())
    marks = [user_id, name]
    assert stored_mentions(stack, marks)

    realtime.connect("erased-open", user_id)  # a WebSocket it has open: closed as it leaves
    claims = cognito_adapter.claims_of(tokens["id_token"])
    event = as_user("users/delete_me", user_id, name)
    event["requestContext"]["authorizer"]["claims"].update(
        auth_time=claims["auth_time"], origin_jti=claims["origin_jti"]
    )
    event["body"] = json.dumps({"password": PASSWORD})
    assert users.lambda_handler(event, FakeContext())["statusCode"] == 202
    assert realtime._connections(user_id) == []  # closed at the gateway and forgotten
    realtime.connect("erased-late", user_id)  # one opened as it left: the erasure closes it
    settle()  # the grace period: its follows are withdrawn (no lost followers for insights)
    time.sleep(1.1)  # sign-in times have whole seconds
    during = {**claims, "auth_time": str(int(time.time()) + 1)}  # a sign-in during the grace
    time.sleep(1.1)
    assert sessions.is_live(user_id, during)
    with transaction() as tx:  # what the publisher does when the delayed event is due
        tx.emit(AccountErased(user_id=user_id))
    settle(deliveries=2)  # every erasure page delivered twice: the same state

    assert stored_mentions(stack, marks) == []
    after = ok(api("stories", "get_story", bob, {"story_id": theirs_story["story_id"]}))
    assert after["stickers"][0]["results"] == [0, 0]  # its vote left the tally
    assert [s["type"] for s in after["stickers"]] == ["poll", "question"]  # its mention went
    assert ok(api("stories", "answers", bob, on_sticker[1]))["items"] == []
    sessions.forget(user_id)
    assert not sessions.is_live(user_id, during), "its last ID tokens stay refused"
    erased = report.report(user_id)
    aggregates = {"accounts", "graph", "posts", "feed", "stories", "messages", "media"}
    aggregates |= {"insights"}
    assert aggregates | {"exports", "reports", "moderation"} <= set(erased)
    assert all(count > 0 for count in erased.values())
    assert user_id not in report_pk(user_id)
    assert ok(api("posts", "get_post", bob, {"post_id": tagging["post_id"]}))["tags"] == []
    bob_post_now = ok(api("posts", "get_post", bob, {"post_id": bob_post}))
    assert (bob_post_now["like_count"], bob_post_now["comment_count"]) == (0, 1)
    (left,) = ok(api("posts", "comments", bob, {"post_id": bob_post}))["items"]
    assert (left["reply_count"], left["like_count"]) == (0, 0)
    me = ok(api("users", "get_me", bob))
    assert (me["followers_count"], me["following_count"]) == (0, 0)
