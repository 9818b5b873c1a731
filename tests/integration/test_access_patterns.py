"""Each endpoint's DynamoDB calls, against the budget docs/access-patterns.md states for it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.social import (
    api,
    dynamodb_calls,
    follow,
    make_media,
    make_user,
    post,
    run_feed_jobs,
)
from tests.integration.test_stories import story_media


class World:
    """An author with a post, a comment and a follower; a private account with a request; the
    follower's collection holding the post, saved; a post tagging the follower."""

    def __init__(self, stack: Stack) -> None:
        self.author, self.reader, self.other = make_user(), make_user(), make_user()
        self.private = make_user(private=True)
        follow(self.reader, self.author)
        follow(self.other, self.private)
        self.post = post(self.author, "#x")
        _s, comment = api(
            "posts", "create_comment", self.reader, {"post_id": self.post}, body={"text": "hi"}
        )
        self.comment = comment["comment_id"]
        _s, reply = api(
            "posts",
            "create_comment",
            self.author,
            {"post_id": self.post},
            body={"text": "yes", "reply_to": self.comment},
        )
        self.reply = reply["comment_id"]
        for target in (self.comment, self.reply):
            api("posts", "like_comment", self.reader, {"post_id": self.post, "comment_id": target})
        self.media = make_media(self.author)
        self.story_media = story_media(stack, self.author)
        _s, story = api(
            "stories",
            "create_story",
            self.author,
            body={"media_id": story_media(stack, self.author)},
        )
        self.story = story["story_id"]
        _s, highlight = api(
            "stories",
            "create_highlight",
            self.author,
            body={"title": "h", "story_ids": [self.story]},
        )
        self.highlight = highlight["highlight_id"]
        _s, other = api(
            "stories",
            "create_story",
            self.author,
            body={"media_id": story_media(stack, self.author)},
        )
        self.other_story = other["story_id"]
        at = {"x": 0.5, "y": 0.5}
        self.stickers = [
            {"type": "poll", **at, "question": "?", "options": ["a", "b"]},
            {"type": "question", **at, "prompt": "Ask"},
            {"type": "mention", **at, "username": self.reader.username},
        ]
        _s, stickered = api(
            "stories",
            "create_story",
            self.author,
            body={"media_id": story_media(stack, self.author), "stickers": self.stickers},
        )
        self.poll = {
            "story_id": stickered["story_id"],
            "sticker_id": stickered["stickers"][0]["sticker_id"],
        }
        self.question = {**self.poll, "sticker_id": stickered["stickers"][1]["sticker_id"]}
        api("stories", "answer", self.other, self.question, body={"text": "hi"})
        _s, export = api("exports", "request_export", self.author)
        self.export = export["export_id"]
        _s, chat = api(
            "messages",
            "create_conversation",
            self.author,
            body={"usernames": [self.reader.username]},
        )
        self.chat = chat["conversation_id"]
        _s, message = api(
            "messages", "send", self.author, {"conversation_id": self.chat}, body={"text": "hi"}
        )
        self.message = {"conversation_id": self.chat, "message_id": message["message_id"]}
        _s, shelf = api("posts", "create_collection", self.reader, body={"name": "c"})
        self.collection = shelf["collection_id"]
        into = {"collection_id": self.collection}
        api("posts", "save", self.reader, {"post_id": self.post}, body=into)
        tag = {"username": self.reader.username, "media_id": self.media, "x": 0.5, "y": 0.5}
        body = {"media_ids": [self.media], "tags": [tag]}
        self.tagged = api("posts", "create_post", self.author, body=body)[1]["post_id"]
        self.media = make_media(self.author)
        self.spot = {"name": f"Spot {uuid.uuid4().hex}", "lat": 10.0, "lng": 20.0}
        self.place = api("search", "create_place", self.author, body=self.spot)[1]["place_id"]
        run_feed_jobs(stack)


Case = Callable[[World], tuple[int, Any]]
MUTE_BOTH = {"posts": True, "stories": True}
CASES: dict[str, tuple[int, Case]] = {
    "GET /me": (1, lambda w: api("users", "get_me", w.reader)),
    "PATCH /me": (2, lambda w: api("users", "patch_me", w.reader, body={"bio": "b"})),
    "GET /users/{u}": (
        2,
        lambda w: api("users", "get_user", w.reader, {"username": w.author.username}),
    ),
    "POST /users/{u}/follow": (
        3,
        lambda w: api("graph", "follow", w.other, {"username": w.author.username}),
    ),
    "DELETE /users/{u}/follow": (
        3,
        lambda w: api("graph", "unfollow", w.reader, {"username": w.author.username}),
    ),
    "GET /users/{u}/followers": (
        4,
        lambda w: api("graph", "followers", w.reader, {"username": w.author.username}),
    ),
    "GET /users/{u}/following": (
        4,
        lambda w: api("graph", "following", w.reader, {"username": w.reader.username}),
    ),
    "GET /me/follow-requests": (2, lambda w: api("graph", "follow_requests", w.private)),
    "POST approve": (
        4,
        lambda w: api("graph", "approve", w.private, {"username": w.other.username}),
    ),
    "POST deny": (2, lambda w: api("graph", "deny", w.private, {"username": w.other.username})),
    "POST /users/{u}/block": (
        3,
        lambda w: api("graph", "block", w.author, {"username": w.reader.username}),
    ),
    "DELETE /users/{u}/block": (
        3,
        lambda w: api("graph", "unblock", w.author, {"username": w.reader.username}),
    ),
    "GET /me/blocked": (2, lambda w: api("graph", "blocked", w.author)),
    "GET /me/muted": (2, lambda w: api("graph", "muted", w.reader)),
    "POST /users/{u}/mute": (
        3,
        lambda w: api("graph", "mute", w.reader, {"username": w.author.username}, body=MUTE_BOTH),
    ),
    "DELETE /users/{u}/mute": (
        2,
        lambda w: api("graph", "unmute", w.reader, {"username": w.author.username}),
    ),
    "DELETE /me/followers/{u}": (
        4,
        lambda w: api("graph", "remove_follower", w.author, {"username": w.reader.username}),
    ),
    "GET /me/badges": (5, lambda w: api("notifications", "badges", w.reader)),
    "DELETE /me/devices": (
        1,
        lambda w: api("notifications", "unregister_device", w.reader, body={"token": "a" * 64}),
    ),
    "GET /stories/{id}": (
        2,
        lambda w: api("stories", "get_story", w.reader, {"story_id": w.story}),
    ),
    "GET /conversations/{id}": (
        5,
        lambda w: api("messages", "conversation", w.reader, {"conversation_id": w.chat}),
    ),
    # the last Query of each: a member's connections (the frame), one per member
    "DELETE message (unsend)": (6, lambda w: api("messages", "unsend", w.author, w.message)),
    "PUT reaction": (
        6,
        lambda w: api("messages", "react", w.reader, w.message, body={"emoji": "👍"}),
    ),
    "DELETE reaction": (6, lambda w: api("messages", "unreact", w.reader, w.message)),
    "DELETE /media/{id}": (
        3,
        lambda w: api("media", "delete_media", w.author, {"media_id": w.media}),
    ),
    "POST /posts": (
        2,
        lambda w: api("posts", "create_post", w.author, body={"media_ids": [w.media]}),
    ),
    "PATCH /posts/{id}": (
        3,
        lambda w: api(
            "posts",
            "edit_post",
            w.author,
            {"post_id": w.post},
            body={"caption": "#y @someone", "hide_like_count": True},
        ),
    ),
    "PATCH /posts/{id} (not the author)": (
        2,
        lambda w: (
            (200, None)
            if api("posts", "edit_post", w.reader, {"post_id": w.post}, body={"caption": "y"})[0]
            == 403
            else (500, "not refused")
        ),
    ),
    "GET /posts/{id}": (2, lambda w: api("posts", "get_post", w.reader, {"post_id": w.post})),
    "DELETE /posts/{id}": (2, lambda w: api("posts", "delete_post", w.author, {"post_id": w.post})),
    "GET /users/{u}/posts": (
        4,
        lambda w: api("posts", "user_posts", w.reader, {"username": w.author.username}),
    ),
    "POST like": (3, lambda w: api("posts", "like", w.reader, {"post_id": w.post})),
    "DELETE like": (3, lambda w: api("posts", "unlike", w.reader, {"post_id": w.post})),
    "GET likes": (4, lambda w: api("posts", "likes", w.reader, {"post_id": w.post})),
    "POST comment": (
        3,
        lambda w: api("posts", "create_comment", w.reader, {"post_id": w.post}, body={"text": "x"}),
    ),
    "GET comments": (5, lambda w: api("posts", "comments", w.reader, {"post_id": w.post})),
    # the author's hidden words are read with the post's visibility: no call more
    "GET comments (author)": (
        5,
        lambda w: api("posts", "comments", w.author, {"post_id": w.post}),
    ),
    "DELETE comment": (
        3,
        lambda w: api(
            "posts", "delete_comment", w.reader, {"post_id": w.post, "comment_id": w.comment}
        ),
    ),
    "POST reply": (
        4,
        lambda w: api(
            "posts",
            "create_comment",
            w.reader,
            {"post_id": w.post},
            body={"text": "x", "reply_to": w.comment},
        ),
    ),
    # a reply to a reply: the reply found by its id (Query ByCommentId + GetItem)
    "POST reply to a reply": (
        6,
        lambda w: api(
            "posts",
            "create_comment",
            w.reader,
            {"post_id": w.post},
            body={"text": "x", "reply_to": w.reply},
        ),
    ),
    "GET replies": (
        5,
        lambda w: api(
            "posts", "list_replies", w.author, {"post_id": w.post, "comment_id": w.comment}
        ),
    ),
    "POST comment like": (
        4,
        lambda w: api(
            "posts", "like_comment", w.author, {"post_id": w.post, "comment_id": w.comment}
        ),
    ),
    "POST reply like": (
        6,
        lambda w: api(
            "posts", "like_comment", w.author, {"post_id": w.post, "comment_id": w.reply}
        ),
    ),
    "DELETE comment like": (
        4,
        lambda w: api(
            "posts", "unlike_comment", w.reader, {"post_id": w.post, "comment_id": w.comment}
        ),
    ),
    "DELETE reply like": (
        7,
        lambda w: api(
            "posts", "unlike_comment", w.reader, {"post_id": w.post, "comment_id": w.reply}
        ),
    ),
    "DELETE reply": (
        5,
        lambda w: api(
            "posts", "delete_comment", w.author, {"post_id": w.post, "comment_id": w.reply}
        ),
    ),
    "GET /feed": (4, lambda w: api("feed", "get_feed", w.reader)),
    "POST /stories": (
        2,
        lambda w: api("stories", "create_story", w.author, body={"media_id": w.story_media}),
    ),
    "GET /stories/tray": (4, lambda w: api("stories", "tray", w.reader)),
    "GET /users/{u}/stories": (
        4,
        lambda w: api("stories", "user_stories", w.reader, {"username": w.author.username}),
    ),
    "POST story view": (4, lambda w: api("stories", "view_story", w.reader, {"story_id": w.story})),
    "POST story like": (
        5,
        lambda w: api("stories", "like_story", w.reader, {"story_id": w.story}),
    ),
    "DELETE story like": (
        3,
        lambda w: api("stories", "unlike_story", w.reader, {"story_id": w.story}),
    ),
    "GET viewers": (3, lambda w: api("stories", "viewers", w.author, {"story_id": w.story})),
    "POST /stories with stickers": (
        4,  # the owner and media; the mention's claim; its profile, edges and close-friend entry
        lambda w: api(
            "stories",
            "create_story",
            w.author,
            body={"media_id": w.story_media, "stickers": w.stickers},
        ),
    ),
    "GET /stories/{id} with stickers": (
        2,  # the story; its owner, edges, view, media, the poll's tally and the reader's vote
        lambda w: api("stories", "get_story", w.reader, {"story_id": w.poll["story_id"]}),
    ),
    "POST sticker vote": (
        5,  # story, visibility + tally + vote, the vote's transaction, the view's, the seen mark
        lambda w: api("stories", "vote", w.reader, w.poll, body={"option": 1}),
    ),
    "POST sticker answer": (
        5,  # as a vote
        lambda w: api("stories", "answer", w.reader, w.question, body={"text": "yes"}),
    ),
    "GET sticker answers": (
        4,  # story, the answers' Query, hidden words, the answerers' profiles and blocks
        lambda w: api("stories", "answers", w.author, w.question),
    ),
    "DELETE /stories/{id}": (
        2,
        lambda w: api("stories", "delete_story", w.author, {"story_id": w.story}),
    ),
    "POST /highlights": (
        4,
        lambda w: api(
            "stories", "create_highlight", w.author, body={"title": "t", "story_ids": [w.story]}
        ),
    ),
    "GET /users/{u}/highlights": (
        4,
        lambda w: api("stories", "user_highlights", w.reader, {"username": w.author.username}),
    ),
    "PATCH /highlights/{id}": (
        2,
        lambda w: api(
            "stories",
            "update_highlight",
            w.author,
            {"highlight_id": w.highlight},
            body={"title": "x"},
        ),
    ),
    "PATCH /highlights/{id} stories": (
        5,  # a new story copied (its story and media read), the one it kept dropped (a Query)
        lambda w: api(
            "stories",
            "update_highlight",
            w.author,
            {"highlight_id": w.highlight},
            body={"story_ids": [w.other_story]},
        ),
    ),
    "DELETE /highlights/{id}": (
        3,
        lambda w: api("stories", "delete_highlight", w.author, {"highlight_id": w.highlight}),
    ),
    "PUT /me/close-friends": (
        5,  # someone added: the owner's live stories (none close-friends here)
        lambda w: api(
            "stories", "set_close_friends", w.author, body={"usernames": [w.reader.username]}
        ),
    ),
    "GET /me/close-friends": (2, lambda w: api("stories", "close_friends", w.author)),
    "GET /me/hidden-words": (1, lambda w: api("users", "get_hidden_words", w.author)),
    "PUT /me/hidden-words": (
        1,
        lambda w: api(
            "users", "put_hidden_words", w.author, body={"words": ["x"], "hide_offensive": True}
        ),
    ),
    "POST /me/exports": (3, lambda w: api("exports", "request_export", w.other)),
    "GET /me/exports/{id}": (
        1,
        lambda w: api("exports", "get_export", w.author, {"export_id": w.export}),
    ),
    "POST /reports post": (
        5,
        lambda w: api("moderation", "report", w.reader, body=reported("post", w.post)),
    ),
    "POST /reports comment": (
        7,
        lambda w: api("moderation", "report", w.author, body=reported("comment", w.comment)),
    ),
    "POST /moderation/actions": (
        2,
        lambda w: api(
            "moderation",
            "moderation_action",
            w.other,
            body={"target_type": "post", "target_id": w.post, "action": "remove"},
            groups="moderators",
        ),
    ),
    "POST /posts with tags": (
        4,
        lambda w: api(
            "posts",
            "create_post",
            w.author,
            body={
                "media_ids": [w.media],
                "tags": [
                    {"username": u.username, "media_id": w.media, "x": 0, "y": 1}
                    for u in (w.reader, w.other, w.author)
                ],
            },
        ),
    ),
    "POST save": (3, lambda w: api("posts", "save", w.other, {"post_id": w.post})),
    "POST save into a collection": (
        3,
        lambda w: api(
            "posts", "save", w.reader, {"post_id": w.tagged}, body={"collection_id": w.collection}
        ),
    ),
    "POST save again": (2, lambda w: api("posts", "save", w.reader, {"post_id": w.post})),
    "DELETE save": (2, lambda w: api("posts", "unsave", w.reader, {"post_id": w.post})),
    "GET /me/saved": (3, lambda w: api("posts", "saved", w.reader)),
    "GET /me/saved?collection_id": (
        4,
        lambda w: api("posts", "saved", w.reader, query={"collection_id": w.collection}),
    ),
    "POST /me/collections": (
        1,
        lambda w: api("posts", "create_collection", w.reader, body={"name": "n"}),
    ),
    "GET /me/collections": (1, lambda w: api("posts", "collections", w.reader)),
    "DELETE /me/collections/{id}": (
        4,
        lambda w: api("posts", "delete_collection", w.reader, {"collection_id": w.collection}),
    ),
    "GET /users/{u}/tagged": (
        5,
        lambda w: api("posts", "tagged", w.other, {"username": w.reader.username}),
    ),
    "DELETE /posts/{id}/tags/me": (
        2,
        lambda w: api("posts", "untag", w.reader, {"post_id": w.tagged}),
    ),
    "POST /places": (
        2,
        lambda w: api("search", "create_place", w.reader, body={**w.spot, "name": "Another"}),
    ),
    "POST /places (exists)": (
        2,
        lambda w: api("search", "create_place", w.other, body=w.spot),
    ),
    "GET /places/{id}": (1, lambda w: api("search", "get_place", w.reader, {"place_id": w.place})),
    "GET /moderation/log": (
        2,
        lambda w: api("moderation", "moderation_log", w.other, groups="moderators"),
    ),
    "GET /posts/{id}/insights": (
        4,  # the post, its totals, the author's days, its saves counted
        lambda w: api("insights", "post_insights", w.author, {"post_id": w.post}),
    ),
    "GET /stories/{id}/insights": (
        2,
        lambda w: api("insights", "story_insights", w.author, {"story_id": w.story}),
    ),
    "GET /me/insights": (
        1,
        lambda w: api("insights", "account_insights", w.author, query={"days": "30"}),
    ),
}


def reported(target_type: str, target_id: str) -> dict[str, str]:
    return {"target_type": target_type, "target_id": target_id, "reason": "spam"}


@pytest.mark.parametrize("route", list(CASES))
def test_each_endpoint_stays_within_its_documented_calls(stack: Stack, route: str) -> None:
    world = World(stack)
    budget, call = CASES[route]
    with dynamodb_calls() as calls:
        status, body = call(world)
    assert status < 300, body
    if route in {"GET /me/saved", "GET /me/saved?collection_id", "GET /users/{u}/tagged"}:
        assert body["items"], "a list with something in it"
    assert "Scan" not in calls
    assert len(calls) <= budget, calls
