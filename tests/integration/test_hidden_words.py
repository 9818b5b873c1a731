"""Hidden words through the handlers, against moto: the routes (defaults, replacing, bad bodies
that change nothing, each caller only their own list), and what they hide from whom: comments on
the caller's posts (paging, notifications), and message requests (the list, the inbox, real
time, accepting)."""

from __future__ import annotations

from typing import Any

from glimpse.messages import service as messages
from glimpse.messages.schemas import MessageCreate
from glimpse.users.hidden_words import offensive
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, post, settle
from tests.integration.test_messages import history, inbox, say, start


def set_words(user: User, words: list[str], hide_offensive: bool = False) -> dict[str, Any]:
    body = {"words": words, "hide_offensive": hide_offensive}
    status, answer = api("users", "put_hidden_words", user, body=body)
    assert status == 200, answer
    return dict(answer)


def words_of(user: User) -> dict[str, Any]:
    status, body = api("users", "get_hidden_words", user)
    assert status == 200, body
    return dict(body)


def comment(user: User, post_id: str, text: str) -> str:
    status, body = api("posts", "create_comment", user, {"post_id": post_id}, body={"text": text})
    assert status == 201, body
    return str(body["comment_id"])


def comment_texts(user: User, post_id: str, **query: str) -> tuple[list[str], str | None]:
    status, body = api("posts", "comments", user, {"post_id": post_id}, query=query or None)
    assert status == 200, body
    return [c["text"] for c in body["items"]], body["next_cursor"]


def notified_comments(user: User) -> list[str | None]:
    settle()
    status, body = api("notifications", "list", user)
    assert status == 200, body
    return [n["comment_id"] for n in body["items"] if n["type"] == "comment"]


# ------------------------------------------------------------------ the routes
def test_none_yet_then_replaced_each_time_and_only_ones_own(stack: Stack) -> None:
    alice, bob = make_user(), make_user()
    assert words_of(alice) == {"words": [], "hide_offensive": False}
    stored = set_words(alice, ["Spoiler", "spoiler!", "Go  away", "go away", "Cafe\u0301"], True)
    # one of each, as first written (in the one text form), whatever folds the same
    assert stored == {"words": ["Spoiler", "Go  away", "Café"], "hide_offensive": True}
    assert words_of(alice) == stored
    assert set_words(alice, ["meh"]) == {"words": ["meh"], "hide_offensive": False}
    assert words_of(alice) == {"words": ["meh"], "hide_offensive": False}
    assert words_of(bob) == {"words": [], "hide_offensive": False}  # the token's, no one else's
    assert set_words(alice, []) == {"words": [], "hide_offensive": False}


def test_a_bad_list_is_a_400_naming_the_entry_and_changes_nothing(stack: Stack) -> None:
    alice = make_user()
    set_words(alice, ["kept"], hide_offensive=True)
    bodies = [
        ({"words": [f"w{i}" for i in range(501)], "hide_offensive": False}, "words"),
        ({"words": ["ok", "!!!"], "hide_offensive": False}, "words.1"),
        ({"words": ["ok", "x" * 101], "hide_offensive": False}, "words.1"),
        ({"words": ["ok"]}, "hide_offensive"),
        ({"words": ["ok"], "hide_offensive": 1}, "hide_offensive"),
    ]
    for body, field in bodies:
        status, answer = api("users", "put_hidden_words", alice, body=body)
        assert status == 400, answer
        assert answer["error"]["code"] == "bad_request"
        assert field in [d["field"] for d in answer["error"]["details"]], answer
    assert words_of(alice) == {"words": ["kept"], "hide_offensive": True}


# ------------------------------------------------------------------ comments
def test_a_matching_comment_is_hidden_from_the_post_s_author_only(stack: Stack) -> None:
    author, rude, reader = make_user(), make_user(), make_user()
    post_id = post(author)
    set_words(author, ["idiot", "go away"])
    kind = comment(rude, post_id, "lovely light")
    comment(rude, post_id, "you IDIÓT!")
    comment(rude, post_id, "go... away")
    comment(author, post_id, "I am no idiot")  # the author's own: never hidden from them
    assert comment_texts(author, post_id)[0] == ["lovely light", "I am no idiot"]
    everything = ["lovely light", "you IDIÓT!", "go... away", "I am no idiot"]
    assert comment_texts(rude, post_id)[0] == everything
    assert comment_texts(reader, post_id)[0] == everything
    # the author is told of the comment they see only; nobody else's list changes
    assert notified_comments(author) == [kind]
    _status, got = api("posts", "get_post", author, {"post_id": post_id})
    assert got["comment_count"] == 4  # counts stay as they are

    # a word hidden later hides what was written before, and its notification
    set_words(author, ["idiot", "go away", "lovely"])
    assert comment_texts(author, post_id)[0] == ["I am no idiot"]
    assert notified_comments(author) == []
    set_words(author, [])
    assert comment_texts(author, post_id)[0] == everything
    assert notified_comments(author) == [kind]


def test_pages_may_come_out_shorter_and_the_cursor_goes_on(stack: Stack) -> None:
    author, fan = make_user(), make_user()
    post_id = post(author)
    set_words(author, ["spam"])
    for text in ("one", "spam", "spam", "two", "spam", "three"):
        comment(fan, post_id, text)
    seen, cursor, pages = [], None, 0
    while True:
        texts, cursor = comment_texts(
            author, post_id, limit="2", **({"cursor": cursor} if cursor else {})
        )
        seen += texts
        pages += 1
        if cursor is None:
            break
    assert seen == ["one", "two", "three"]
    assert pages == 3  # the pages held 1, 1 and 1 of 2: none was skipped


def test_a_mention_in_a_hidden_comment_still_reaches_who_it_names(stack: Stack) -> None:
    author, rude, named = make_user(), make_user(), make_user()
    post_id = post(author)
    set_words(author, ["ugh"])
    comment(rude, post_id, f"ugh @{named.username}")
    settle()
    status, body = api("notifications", "list", named)
    assert status == 200
    assert [n["type"] for n in body["items"]] == ["mention"]
    assert notified_comments(author) == []


def test_the_offensive_switch_hides_the_built_in_list(stack: Stack) -> None:
    author, rude = make_user(), make_user()
    post_id = post(author)
    word = next(e[0] for e in offensive() if len(e) == 1)
    comment(rude, post_id, f"you {word.upper()}")
    set_words(author, [], hide_offensive=False)
    assert len(comment_texts(author, post_id)[0]) == 1
    set_words(author, [], hide_offensive=True)
    assert comment_texts(author, post_id)[0] == []
    assert len(comment_texts(rude, post_id)[0]) == 1


# ------------------------------------------------------------------ message requests
def test_a_request_s_matching_messages_are_hidden_from_its_recipient(stack: Stack) -> None:
    alice, stranger = make_user(), make_user()
    set_words(alice, ["creep"])
    cid = start(stranger, alice)["conversation_id"]
    clean = say(stranger, cid, "hello there")
    sent = messages.send(stranger.id, cid, MessageCreate(text="hey CREEP"))
    assert sent.recipients == (stranger.id,)  # not to alice's WebSocket
    assert [m["text"] for m in history(alice, cid)[1]["items"]] == ["hello there"]
    assert [m["text"] for m in history(stranger, cid)[1]["items"]] == ["hey CREEP", "hello there"]
    seen = inbox(alice)[cid]
    assert seen["is_request"] is True
    assert seen["last_message"]["message_id"] == clean["message_id"]
    assert seen["unread_count"] == 1
    assert seen["updated_at"] == clean["created_at"]  # a hidden message did not move it
    assert inbox(stranger)[cid]["last_message"]["text"] == "hey CREEP"

    # accepting ends the hiding: every message shows
    assert api("messages", "accept", alice, {"conversation_id": cid})[0] == 204
    texts = [m["text"] for m in history(alice, cid)[1]["items"]]
    assert texts == ["hey CREEP", "hello there"]
    assert inbox(alice)[cid]["unread_count"] == 2
    assert messages.send(stranger.id, cid, MessageCreate(text="creep")).recipients == (
        stranger.id,
        alice.id,
    )


def test_a_request_with_only_hidden_messages_shows_as_one_with_none(stack: Stack) -> None:
    alice, stranger = make_user(), make_user()
    set_words(alice, ["creep"])
    cid = start(stranger, alice)["conversation_id"]
    say(stranger, cid, "creep")
    say(stranger, cid, "still a creep")
    seen = inbox(alice)[cid]
    assert (seen["is_request"], seen["last_message"], seen["unread_count"]) == (True, None, 0)
    assert history(alice, cid)[1]["items"] == []


def test_what_is_not_a_request_is_not_hidden(stack: Stack) -> None:
    alice, friend = make_user(), make_user()
    follow(alice, friend)
    set_words(alice, ["creep"])
    cid = start(friend, alice)["conversation_id"]
    say(friend, cid, "creep")
    assert inbox(alice)[cid]["is_request"] is False
    assert inbox(alice)[cid]["last_message"]["text"] == "creep"
    assert [m["text"] for m in history(alice, cid)[1]["items"]] == ["creep"]
    # and the recipient's own words never hide what they send themselves
    assert say(alice, cid, "creep")["text"] == "creep"
