"""Story stickers over HTTP on the local cloud, with real image bytes: a poll voted by two
followers (results to the owner and the voters, none to a non-voter, a second vote refused), a
slider, question answers for the owner alone, a mention's notification, bad link stickers, and
who may call each sticker route (the owner, a follower, a stranger, a private account's
non-follower, an account blocked either way)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import until

AT = {"x": 0.3, "y": 0.7, "scale": 1.5, "rotation": 10}
POLL = {"type": "poll", **AT, "question": "Beach or hills?", "options": ["Beach", "Hills"]}
SLIDER = {"type": "slider", **AT, "prompt": "How sunny?", "emoji": "☀️"}
QUESTION = {"type": "question", **AT, "prompt": "Any tips?"}


def story(client: Client, stickers: list[dict[str, Any]]) -> dict[str, Any]:
    media = upload_image(client, images.jpeg(720, 1280), "image/jpeg", kind="story")
    assert media["status"] == "ready", media
    response = client.post("/stories", json={"media_id": media["media_id"], "stickers": stickers})
    assert response.status_code == 201, response.text
    return dict(response.json())


def follow(reader: Client, author: Client) -> None:
    assert reader.post(f"/users/{author.username}/follow").status_code == 200


def sticker(client: Client, made: dict[str, Any], index: int) -> dict[str, Any]:
    response = client.get(f"/stories/{made['story_id']}")
    assert response.status_code == 200, response.text
    return dict(response.json()["stickers"][index])


def route(made: dict[str, Any], index: int, action: str) -> str:
    return f"/stories/{made['story_id']}/stickers/{made['stickers'][index]['sticker_id']}/{action}"


def test_a_poll_voted_by_two_followers_answers_and_a_mention(cloud: LocalCloud) -> None:
    alice, bob, carol, dave = (sign_up_and_log_in(cloud, n) for n in ("al", "bo", "ca", "da"))
    follow(bob, alice)
    follow(carol, alice)
    mention = {"type": "mention", **AT, "username": bob.username}
    made = story(alice, [POLL, SLIDER, QUESTION, mention])
    assert [s["type"] for s in made["stickers"]] == ["poll", "slider", "question", "mention"]
    assert made["stickers"][0]["results"] == [0, 0]
    assert (made["stickers"][0]["x"], made["stickers"][0]["scale"]) == (0.3, 1.5)

    first = bob.post(route(made, 0, "vote"), json={"option": 0})
    assert (first.status_code, first.json()) == (200, {"results": [1, 0], "my_vote": 0})
    again = bob.post(route(made, 0, "vote"), json={"option": 1})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    assert carol.post(route(made, 0, "vote"), json={"option": 1}).status_code == 200
    slid = carol.post(route(made, 1, "vote"), json={"value": 0.8})
    assert (slid.status_code, slid.json()) == (200, {"average": 0.8, "count": 1})

    until(
        lambda: sticker(alice, made, 0)["results"],
        lambda results: results == [1, 1],
        what="the owner sees both votes",
    )
    for voter, mine in ((bob, 0), (carol, 1)):
        poll = sticker(voter, made, 0)
        assert (poll["results"], poll["my_vote"]) == ([1, 1], mine)
    unseen = sticker(dave, made, 0)  # a public account's story: dave may see it, not vote yet
    assert (unseen["results"], unseen["my_vote"]) == (None, None)
    assert sticker(bob, made, 1)["average"] is None  # bob did not use the slider
    assert sticker(carol, made, 1)["average"] == 0.8

    assert bob.post(route(made, 2, "answer"), json={"text": "Go early!"}).status_code == 204
    answers = alice.get(route(made, 2, "answers"))
    assert answers.status_code == 200
    assert [(a["user"]["username"], a["text"]) for a in answers.json()["items"]] == [
        (bob.username, "Go early!")
    ]
    for other in (bob, carol, dave):
        assert other.get(route(made, 2, "answers")).status_code == 403

    def mentions() -> list[dict[str, Any]]:
        items = bob.get("/notifications").json()["items"]
        return [n for n in items if n["type"] == "story_mention"]

    told = until(mentions, lambda found: len(found) == 1, what="bob is told of the mention")
    assert told[0]["story_id"] == made["story_id"]
    assert told[0]["actors"][0]["username"] == alice.username


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "https://me:secret@example.com/",
        "https://example.com/" + "x" * 2040,
    ],
)
def test_a_bad_link_sticker_is_a_400_and_makes_no_story(cloud: LocalCloud, url: str) -> None:
    owner = sign_up_and_log_in(cloud, "link")
    media = upload_image(owner, images.jpeg(720, 1280), "image/jpeg", kind="story")
    body = {"media_id": media["media_id"], "stickers": [{"type": "link", **AT, "url": url}]}
    response = owner.post("/stories", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")
    assert owner.get(f"/users/{owner.username}/stories").json()["items"] == []
    link = {"type": "link", **AT, "url": "https://example.com/ok"}
    kept = owner.post("/stories", json={"media_id": media["media_id"], "stickers": [link]})
    assert kept.status_code == 201, kept.text  # the media was left unused


def test_who_may_vote_answer_and_read_answers(cloud: LocalCloud) -> None:
    names = ("owner", "follower", "stranger", "blocked", "blocker", "public")
    owner, follower, stranger, blocked, blocker, public = (
        sign_up_and_log_in(cloud, name[:4]) for name in names
    )
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    follow(follower, owner)
    approve = f"/me/follow-requests/{follower.username}/approve"
    assert owner.post(approve).status_code == 204
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    made = story(owner, [POLL, QUESTION])
    cast = {
        "owner": owner,
        "follower": follower,
        "stranger": stranger,  # a private account's non-follower
        "blocked": blocked,
        "blocker": blocker,
    }
    expected = {
        "vote": {"owner": 403, "follower": 200, "stranger": 403, "blocked": 404, "blocker": 404},
        "answer": {"owner": 403, "follower": 204, "stranger": 403, "blocked": 404, "blocker": 404},
        "answers": {"owner": 200, "follower": 403, "stranger": 403, "blocked": 404, "blocker": 404},
    }
    for who, client in cast.items():
        voted = client.post(route(made, 0, "vote"), json={"option": 1})
        assert voted.status_code == expected["vote"][who], (who, voted.text)
        answered = client.post(route(made, 1, "answer"), json={"text": f"from {who}"})
        assert answered.status_code == expected["answer"][who], (who, answered.text)
        listed = client.get(route(made, 1, "answers"))
        assert listed.status_code == expected["answers"][who], (who, listed.text)
    texts = [a["text"] for a in owner.get(route(made, 1, "answers")).json()["items"]]
    assert texts == ["from follower"]

    # A public account's story: a stranger who follows nobody may vote and answer.
    shown = story(public, [POLL, QUESTION])
    assert stranger.post(route(shown, 0, "vote"), json={"option": 0}).status_code == 200
    assert stranger.post(route(shown, 1, "answer"), json={"text": "hi"}).status_code == 204
    assert stranger.get(route(shown, 1, "answers")).status_code == 403
