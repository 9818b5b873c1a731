"""Hidden words over HTTP on the local cloud, with real accounts: a user's list and the
offensive-words switch hide others' comments on their posts (and those comments'
notifications) and what a stranger's message request holds, from them and only from them."""

from __future__ import annotations

from typing import Any

from infra.local.cloud import LocalCloud
from tests.conftest import ROOT
from tests.e2e.conftest import Client, queue_drained, sign_up_and_log_in
from tests.e2e.test_social import publish
from tests.e2e.waiting import until

# The built-in list, read as a file: importing glimpse's models here would read the settings
# before the local cloud gives them.
OFFENSIVE = ROOT / "layers" / "common" / "python" / "glimpse" / "users" / "offensive_words.txt"


def an_offensive_word() -> str:
    lines = OFFENSIVE.read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line and not line.startswith("#") and " " not in line)


def set_words(client: Client, words: list[str], hide_offensive: bool = False) -> dict[str, Any]:
    response = client.put(
        "/me/hidden-words", json={"words": words, "hide_offensive": hide_offensive}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def comment(client: Client, post_id: str, text: str) -> str:
    response = client.post(f"/posts/{post_id}/comments", json={"text": text})
    assert response.status_code == 201, response.text
    return str(response.json()["comment_id"])


def comments(client: Client, post_id: str) -> list[str]:
    response = client.get(f"/posts/{post_id}/comments")
    assert response.status_code == 200, response.text
    return [c["text"] for c in response.json()["items"]]


def commented(client: Client) -> list[str]:
    response = client.get("/notifications")
    assert response.status_code == 200, response.text
    return [n["comment_id"] for n in response.json()["items"] if n["type"] == "comment"]


def messages(client: Client, conversation_id: str) -> list[str]:
    response = client.get(f"/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


def test_the_list_is_the_caller_s_own_and_a_bad_one_changes_nothing(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    assert ann.get("/me/hidden-words").json() == {"words": [], "hide_offensive": False}
    stored = set_words(ann, ["Spoiler", "spoiler", "go away"], hide_offensive=True)
    assert stored == {"words": ["Spoiler", "go away"], "hide_offensive": True}
    assert ann.get("/me/hidden-words").json() == stored
    assert ben.get("/me/hidden-words").json() == {"words": [], "hide_offensive": False}
    too_many = ann.put(
        "/me/hidden-words", json={"words": [f"w{i}" for i in range(501)], "hide_offensive": False}
    )
    assert too_many.status_code == 400, too_many.text
    error = too_many.json()["error"]
    assert error["code"] == "bad_request"
    assert [d["field"] for d in error["details"]] == ["words"]
    assert ann.get("/me/hidden-words").json() == stored
    assert Client(cloud.url).get("/me/hidden-words").status_code == 401


def test_comments_and_requests_are_hidden_from_their_owner_only(cloud: LocalCloud) -> None:
    owner, commenter, reader, stranger = (
        sign_up_and_log_in(cloud, name) for name in ("own", "com", "rea", "str")
    )
    set_words(owner, ["spoiler", "go away"])
    post_id = publish(owner)
    comment(commenter, post_id, "SPOILER: he dies at the end")
    shown = comment(commenter, post_id, "Lovely light")
    both = ["SPOILER: he dies at the end", "Lovely light"]
    assert comments(owner, post_id) == ["Lovely light"]
    assert comments(commenter, post_id) == both
    assert comments(reader, post_id) == both
    # the owner is told of the comment they see, never of the hidden one
    until(lambda: commented(owner), lambda found: shown in found, what="the shown comment's")
    queue_drained(cloud, "NotifierQueue")
    assert commented(owner) == [shown]

    started = stranger.post("/conversations", json={"usernames": [owner.username]})
    assert started.status_code == 201, started.text
    cid = started.json()["conversation_id"]
    for text in ("hi, saw your photo", "now Go... AWAY"):
        sent = stranger.post(f"/conversations/{cid}/messages", json={"text": text})
        assert sent.status_code == 201, sent.text
    assert messages(owner, cid) == ["hi, saw your photo"]
    assert messages(stranger, cid) == ["now Go... AWAY", "hi, saw your photo"]
    (request,) = owner.get("/conversations").json()["items"]
    assert request["is_request"] is True
    assert request["last_message"]["text"] == "hi, saw your photo"
    assert request["unread_count"] == 1


def test_the_offensive_switch(cloud: LocalCloud) -> None:
    owner, commenter = sign_up_and_log_in(cloud, "own"), sign_up_and_log_in(cloud, "com")
    post_id = publish(owner)
    word = an_offensive_word()
    comment(commenter, post_id, f"you {word.upper()}!")
    assert len(comments(owner, post_id)) == 1
    set_words(owner, [], hide_offensive=True)
    assert comments(owner, post_id) == []
    assert len(comments(commenter, post_id)) == 1
    set_words(owner, [], hide_offensive=False)
    assert len(comments(owner, post_id)) == 1
