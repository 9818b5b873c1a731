"""Text people read goes through one normaliser on every route that stores it (glimpse.inputs):
NFC, spoofing format characters removed, line breaks as "\\n", control characters refused with
a 400 naming the field, limits counted after all that."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack
from tests.integration.social import User, api, make_media, make_user, post
from tests.integration.test_messages import start
from tests.integration.test_stories import create as create_story

DECOMPOSED = "Cafe\u0301"  # "e" + COMBINING ACUTE ACCENT
COMPOSED = "Café"


def refused(status: int, body: Any, field: str) -> None:
    assert (status, body["error"]["code"]) == (400, "bad_request"), body
    assert [d["field"] for d in body["error"]["details"]] == [field], body


def test_the_profile_stores_names_and_bios_in_one_form(stack: Stack, alice: User) -> None:
    status, me = api(
        "users",
        "patch_me",
        alice,
        body={"display_name": f"\u2066{DECOMPOSED}\u202e gnp.exe", "bio": "one\r\ntwo\rthree"},
    )
    assert status == 200, me
    assert (me["display_name"], me["bio"]) == (f"{COMPOSED} gnp.exe", "one\ntwo\nthree")
    # 64 characters once composed (128 code points as sent) is within the limit; 65 is not
    assert api("users", "patch_me", alice, body={"display_name": "e\u0301" * 64})[0] == 200
    refused(*api("users", "patch_me", alice, body={"display_name": "é" * 65}), "display_name")
    refused(*api("users", "patch_me", alice, body={"display_name": "two\nlines"}), "display_name")
    refused(*api("users", "patch_me", alice, body={"bio": "bell\x07"}), "bio")
    assert api("users", "get_me", alice)[1]["display_name"] == "é" * 64


def test_posts_comments_highlights_and_messages_use_the_same_rule(
    stack: Stack, alice: User, bob: User
) -> None:
    status, created = api(
        "posts",
        "create_post",
        alice,
        body={
            "media_ids": [make_media(alice)],
            "caption": f"Morning at the {DECOMPOSED}\u2028#{DECOMPOSED}",
            "location": f"\u202d{DECOMPOSED}",
        },
    )
    assert status == 201, created
    assert created["caption"] == f"Morning at the {COMPOSED}\n#{COMPOSED}"
    assert (created["hashtags"], created["location"]) == (["café"], COMPOSED)
    body = {"media_ids": [make_media(alice)], "location": "two\nlines"}
    refused(*api("posts", "create_post", alice, body=body), "location")

    on_post = {"post_id": post(alice)}
    status, comment = api("posts", "create_comment", bob, on_post, {"text": f"{DECOMPOSED}!"})
    assert (status, comment["text"]) == (201, f"{COMPOSED}!")
    refused(*api("posts", "create_comment", bob, on_post, {"text": "\u202e\u2069"}), "text")
    refused(*api("posts", "create_comment", bob, on_post, {"text": "esc\x1b[2J"}), "text")

    story_ids = [create_story(stack, alice)["story_id"]]
    status, highlight = api(
        "stories",
        "create_highlight",
        alice,
        body={"title": f"\u2067{DECOMPOSED}\u2069", "story_ids": story_ids},
    )
    assert (status, highlight["title"]) == (201, COMPOSED)
    for title in ("\u202a\u202c", "a\tb"):
        body = {"title": title, "story_ids": story_ids}
        refused(*api("stories", "create_highlight", alice, body=body), "title")

    talk = {"conversation_id": start(alice, bob)["conversation_id"]}
    status, message = api("messages", "send", alice, talk, {"text": f"{DECOMPOSED}\r\n\tok"})
    assert (status, message["text"]) == (201, f"{COMPOSED}\n\tok")
    refused(*api("messages", "send", alice, talk, {"text": "nul\x00"}), "text")


def test_a_limit_counts_characters_after_normalising(stack: Stack) -> None:
    """2,200 composed characters fill a caption even when sent decomposed (4,400 code points)."""
    carol = make_user(prefix="carol")
    caption = "e\u0301" * 2200
    body: dict[str, Any] = {"media_ids": [make_media(carol)], "caption": caption}
    status, created = api("posts", "create_post", carol, body=body)
    assert (status, created["caption"]) == (201, "é" * 2200)
    body = {"media_ids": [make_media(carol)], "caption": caption + "e"}
    refused(*api("posts", "create_post", carol, body=body), "caption")


def test_hidden_words_are_kept_in_the_same_form(stack: Stack, alice: User) -> None:
    body = {"words": [f"\u202e{DECOMPOSED}", "ok"], "hide_offensive": False}
    status, stored = api("users", "put_hidden_words", alice, body=body)
    assert (status, stored["words"]) == (200, [COMPOSED, "ok"])
    bad = {"words": ["ok", "bell\x07"], "hide_offensive": False}
    refused(*api("users", "put_hidden_words", alice, body=bad), "words.1")
    assert api("users", "get_hidden_words", alice)[1]["words"] == [COMPOSED, "ok"]
