"""Story stickers through the handlers, against moto: what a story's stickers may be (and that
a refused one stores nothing), votes counted by the counters consumer (one per viewer, results
to the owner and voters only, exact under re-delivery), answers for the owner alone (text
normalised, hidden words applied), mention notifications, and who may vote or answer."""

from __future__ import annotations

from typing import Any

import pytest

from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import (
    StickerTally,
    StickerVote,
    Story,
    owner_pk,
    story_pk,
    tally_sk,
)
from tests.integration.conftest import Stack
from tests.integration.social import User, api, follow, make_user, settle
from tests.integration.test_events import emitted
from tests.integration.test_stories import story_media

AT = {"x": 0.5, "y": 0.5, "scale": 1.2, "rotation": -15}
POLL = {"type": "poll", **AT, "question": "Tea or coffee?", "options": ["Tea", "Coffee", "Both"]}
SLIDER = {"type": "slider", **AT, "prompt": "How hot?", "emoji": "🔥"}
QUESTION = {"type": "question", **AT, "prompt": "Ask me anything"}


def create(stack: Stack, owner: User, stickers: list[dict[str, Any]], **more: Any) -> Any:
    body = {"media_id": story_media(stack, owner), "stickers": stickers, **more}
    return api("stories", "create_story", owner, body=body)


def made(stack: Stack, owner: User, stickers: list[dict[str, Any]], **more: Any) -> Any:
    status, body = create(stack, owner, stickers, **more)
    assert status == 201, body
    return body


def on(
    name: str,
    user: User,
    story: Any,
    index: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
    **query: str,
) -> Any:
    params = {"story_id": story["story_id"], "sticker_id": story["stickers"][index]["sticker_id"]}
    return api("stories", name, user, params, body=body, query=query or None, headers=headers)


def story_as(user: User, story: Any) -> Any:
    status, body = api("stories", "get_story", user, {"story_id": story["story_id"]})
    assert status == 200, body
    return body


@pytest.fixture
def carol(stack: Stack) -> User:
    return make_user(prefix="carol")


BAD = [
    ({"type": "link", **AT, "url": "http://example.com"}, "stickers.0.link.url"),
    ({"type": "link", **AT, "url": "https://me:secret@example.com/"}, "stickers.0.link.url"),
    ({"type": "link", **AT, "url": "https://example.com/" + "a" * 2030}, "stickers.0.link.url"),
    ({"type": "link", **AT, "url": "javascript:alert(1)"}, "stickers.0.link.url"),
    ({"type": "poll", **AT, "question": "?", "options": ["one"]}, "stickers.0.poll.options"),
    ({**POLL, "options": ["a", "b", "c", "d", "e"]}, "stickers.0.poll.options"),
    ({**POLL, "options": ["a", "a"]}, "stickers.0.poll.options"),
    ({**POLL, "x": 1.5}, "stickers.0.poll.x"),
    ({**POLL, "scale": 6}, "stickers.0.poll.scale"),
    ({**POLL, "scale": 0.1}, "stickers.0.poll.scale"),
    ({**POLL, "rotation": 720}, "stickers.0.poll.rotation"),
    ({"type": "sticker", **AT}, "stickers.0"),
    ({"type": "hashtag", **AT, "tag": "two words"}, "stickers.0.hashtag.tag"),
    ({"type": "place", **AT, "place_id": "nowhere"}, "stickers.0.place.place_id"),
    ({"type": "mention", **AT, "username": "nobody_here_at_all"}, "stickers[0].username"),
    ({"type": "place", **AT, "place_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1D"}, "stickers[0].place_id"),
]


@pytest.mark.parametrize(("sticker", "field"), BAD)
def test_a_bad_sticker_is_a_400_and_nothing_is_stored(
    stack: Stack, alice: User, sticker: dict[str, Any], field: str
) -> None:
    media_id = story_media(stack, alice)
    body = {"media_id": media_id, "stickers": [sticker]}
    status, answer = api("stories", "create_story", alice, body=body)
    assert (status, answer["error"]["code"]) == (400, "bad_request"), answer
    assert field in [d["field"] for d in answer["error"]["details"]], answer
    assert list(Story.by_owner.query(owner_pk(alice.id))) == []
    assert MediaItem.get(media_pk(media_id), MEDIA).used_by is None


def test_at_most_ten_stickers_and_a_blocked_mention_is_nobody(
    stack: Stack, alice: User, bob: User
) -> None:
    status, body = create(stack, alice, [QUESTION] * 11)
    assert status == 400
    assert body["error"]["details"][0]["field"] == "stickers"
    assert api("graph", "block", bob, {"username": alice.username})[0] == 204
    status, body = create(stack, alice, [{"type": "mention", **AT, "username": bob.username}])
    assert (status, body["error"]["details"][0]["field"]) == (400, "stickers[0].username")
    assert list(Story.by_owner.query(owner_pk(alice.id))) == []


def test_stickers_are_placed_with_ids_and_normal_text(stack: Stack, alice: User, bob: User) -> None:
    link = {"type": "link", **AT, "url": "https://example.com/a?b=c#d"}
    place = api("search", "create_place", bob, body={"name": "Café", "lat": 48.2, "lng": 16.37})[1]
    stickers = [
        {**POLL, "question": "Tea\u202e or coffee?"},  # an override goes
        {"type": "hashtag", **AT, "tag": "#Cafe\u0301"},
        {"type": "mention", **AT, "username": bob.username.upper()},
        link,
        SLIDER,
        QUESTION,
        {"type": "place", **AT, "place_id": place["place_id"]},
    ]
    story = made(stack, alice, stickers)
    got = story["stickers"]
    assert [s["type"] for s in got] == [s["type"] for s in stickers]
    assert len({s["sticker_id"] for s in got}) == 7
    assert got[0]["question"] == "Tea or coffee?"
    assert (got[0]["results"], got[0]["my_vote"]) == ([0, 0, 0], None)  # the owner's
    assert got[1]["tag"] == "café"
    assert got[2]["username"] == bob.username
    assert "user_id" not in got[2]
    assert got[3]["url"] == link["url"]
    assert (got[3]["x"], got[3]["scale"], got[3]["rotation"]) == (0.5, 1.2, -15)
    assert (got[4]["average"], got[4]["count"]) == (0.0, 0)
    assert got[6]["place_id"] == place["place_id"]
    assert story_as(bob, story)["stickers"][0]["results"] is None  # not voted: no results


def test_votes_count_once_each_and_results_show_to_the_owner_and_voters(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    dave = make_user(prefix="dave")
    story = made(stack, alice, [POLL, SLIDER, QUESTION])
    assert on("vote", bob, story, 0, {"option": 1}) == (200, {"results": [0, 1, 0], "my_vote": 1})
    status, body = on("vote", bob, story, 0, {"option": 0})
    assert (status, body["error"]["code"]) == (409, "conflict")
    types = emitted(lambda: on("vote", carol, story, 0, {"option": 1}))
    assert types == ["story_sticker_voted", "story_viewed"]  # a vote is also a view
    assert on("vote", bob, story, 1, {"value": 0.25}) == (200, {"average": 0.25, "count": 1})
    assert on("vote", carol, story, 1, {"value": 1})[0] == 200
    settle(deliveries=2)  # every event twice: counted once
    tally = StickerTally.get(
        story_pk(story["story_id"]), tally_sk(story["stickers"][0]["sticker_id"])
    )
    assert (tally.votes, tally.option_1) == (2, 2)
    for viewer, mine in ((alice, None), (bob, 1), (carol, 1)):
        poll = story_as(viewer, story)["stickers"][0]
        assert (poll["results"], poll["my_vote"]) == ([0, 2, 0], mine)
    slider = story_as(alice, story)["stickers"][1]
    assert (slider["average"], slider["count"]) == (0.625, 2)
    assert story_as(bob, story)["stickers"][1]["my_vote"] == 0.25
    hidden = story_as(dave, story)["stickers"]
    assert hidden[0]["results"] is None
    assert hidden[1]["average"] is None
    assert hidden[1]["count"] is None
    assert hidden[0]["my_vote"] is None
    status, body = api("stories", "user_stories", dave, {"username": alice.username})
    assert body["items"][0]["stickers"][0]["results"] is None
    status, body = api("stories", "user_stories", bob, {"username": alice.username})
    assert body["items"][0]["stickers"][0]["results"] == [0, 2, 0]
    _, viewers = api("stories", "viewers", alice, {"story_id": story["story_id"]})
    assert {v["username"] for v in viewers["items"]} == {bob.username, carol.username}


@pytest.mark.parametrize(
    ("index", "body", "status"),
    [
        (0, {"option": 3}, 400),  # a poll of three options
        (0, {"value": 0.5}, 400),  # a slider's vote on a poll
        (1, {"option": 0}, 400),
        (1, {"value": 1.5}, 400),
        (0, {"option": 0, "value": 0.5}, 400),
        (0, {}, 400),
        (0, {"option": "1"}, 400),
        (2, {"option": 0}, 400),  # a question takes answers
    ],
)
def test_a_bad_vote_is_a_400_and_stores_nothing(
    stack: Stack, alice: User, bob: User, index: int, body: Any, status: int
) -> None:
    story = made(stack, alice, [POLL, SLIDER, QUESTION])
    assert on("vote", bob, story, index, body)[0] == status
    assert (
        list(StickerVote.query(story_pk(story["story_id"]), StickerVote.sk.startswith("VOTE#")))
        == []
    )


def test_who_may_vote_and_answer(stack: Stack, alice: User, bob: User, carol: User) -> None:
    owner = make_user(private=True, prefix="priv")
    story = made(stack, owner, [POLL, QUESTION])
    assert on("vote", owner, story, 0, {"option": 0})[0] == 403  # not on one's own
    assert on("answer", owner, story, 1, {"text": "me?"})[0] == 403
    assert on("vote", bob, story, 0, {"option": 0})[0] == 403  # a private non-follower
    assert on("answer", bob, story, 1, {"text": "hi"})[0] == 403
    follow(carol, owner)
    assert api("graph", "approve", owner, {"username": carol.username})[0] == 204
    assert on("vote", carol, story, 0, {"option": 0})[0] == 200
    assert on("answer", carol, story, 1, {"text": "hi"}) == (204, None)
    assert api("graph", "block", owner, {"username": carol.username})[0] == 204
    assert on("answer", carol, story, 1, {"text": "again"})[0] == 404
    params = {"story_id": story["story_id"], "sticker_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1D"}
    assert api("stories", "vote", owner, params, body={"option": 0})[0] == 404
    body = {"media_id": story_media(stack, alice, status="pending"), "stickers": [POLL]}
    pending = api("stories", "create_story", alice, body=body)[1]
    assert on("vote", bob, pending, 0, {"option": 0})[0] == 404  # not shown until ready
    closed = made(stack, alice, [POLL], audience="close_friends")
    assert on("vote", bob, closed, 0, {"option": 0})[0] == 404  # not on the list


def test_answers_are_the_owner_s_only(stack: Stack, alice: User, bob: User, carol: User) -> None:
    story = made(stack, alice, [QUESTION, POLL])
    assert on("answer", bob, story, 0, {"text": "Why\u202e not?"}) == (204, None)
    answered = emitted(lambda: on("answer", carol, story, 0, {"text": "a meh one"}))
    assert answered == ["story_question_answered", "story_viewed"]
    assert on("answer", bob, story, 0, {"text": "x" * 301})[0] == 400
    assert on("answer", bob, story, 0, {"text": "   "})[0] == 400
    assert on("answer", bob, story, 1, {"text": "a poll?"})[0] == 400
    status, body = on("answers", alice, story, 0)
    assert status == 200
    assert [(a["user"]["username"], a["text"]) for a in body["items"]] == [
        (bob.username, "Why not?"),
        (carol.username, "a meh one"),
    ]
    for other in (bob, carol):
        status, body = on("answers", other, story, 0)
        assert (status, body["error"]["code"]) == (403, "forbidden")
    words = {"words": ["meh"], "hide_offensive": False}
    assert api("users", "put_hidden_words", alice, body=words)[0] == 200
    _, body = on("answers", alice, story, 0)
    assert [a["user"]["username"] for a in body["items"]] == [bob.username]
    _, page = on("answers", alice, story, 0, limit="1")
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    status, _ = on("answers", alice, story, 0, cursor="tampered")
    assert status == 400


def test_a_mention_tells_who_may_see_the_story(
    stack: Stack, alice: User, bob: User, carol: User
) -> None:
    owner = make_user(private=True, prefix="priv")
    follow(bob, owner)
    assert api("graph", "approve", owner, {"username": bob.username})[0] == 204
    mentions = [{"type": "mention", **AT, "username": u.username} for u in (bob, carol, owner)]
    story = made(stack, owner, mentions)
    settle()

    def mentioned(user: User) -> list[Any]:
        _, body = api("notifications", "list", user)
        return [n for n in body["items"] if n["type"] == "story_mention"]

    told = mentioned(bob)
    assert [(n["story_id"], n["actors"][0]["username"]) for n in told] == [
        (story["story_id"], owner.username)
    ]
    assert told[0]["text"] == f"{owner.username} mentioned you in their story"
    assert mentioned(carol) == []  # a private account's non-follower
    _, tray = api("stories", "tray", bob)  # the mention's marker is not a tray entry
    assert [entry["user"]["username"] for entry in tray["items"]] == [owner.username]
    assert mentioned(owner) == []


def test_an_answer_retried_with_its_idempotency_key_is_one_answer(
    stack: Stack, alice: User, bob: User
) -> None:
    story = made(stack, alice, [QUESTION])
    key = {"Idempotency-Key": "answer-once-1"}
    for _ in range(2):
        assert on("answer", bob, story, 0, {"text": "once"}, headers=key) == (204, None)
    _, body = on("answers", alice, story, 0)
    assert [a["text"] for a in body["items"]] == ["once"]
    status, body = on("answer", bob, story, 0, {"text": "other"}, headers=key)
    assert (status, body["error"]["code"]) == (409, "conflict")  # the key with another body
