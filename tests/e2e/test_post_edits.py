"""Post edits, alt text, hidden like counts and comments turned off, over HTTP on the local
cloud with real uploads: an edit moves a post from `#old`'s page and search to `#new`'s within
seconds; a hidden like count is null for a viewer in the feed, on the post and in search; and
who may edit a post (owner, follower, stranger, a private account's non-follower, blocked
either way)."""

from __future__ import annotations

import time
from typing import Any

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.test_search import searched_posts, tagged
from tests.e2e.test_social import feed, publish
from tests.e2e.waiting import until, within_promise


def counted(client: Client, tag: str) -> int | None:
    response = client.get("/search", params={"q": tag, "type": "hashtags"})
    assert response.status_code == 200, response.text
    return next((h["post_count"] for h in response.json()["items"] if h["tag"] == tag), None)


def test_an_edit_moves_the_post_between_hashtag_pages_and_search_within_seconds(
    cloud: LocalCloud,
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    old, new = f"old{ann.username[-6:]}", f"new{ann.username[-6:]}"
    word, gone = f"lagoon{ann.username[-6:]}", f"ebb{ann.username[-6:]}"
    post_id = publish(ann, f"Low tide {gone} #{old}")
    until(lambda: searched_posts(ben, gone), lambda ids: ids == [post_id], what="old text found")
    until(lambda: tagged(ben, old), lambda ids: ids == [post_id], what="on #old's page")

    response = ann.patch(f"/posts/{post_id}", json={"caption": f"High tide {word} #{new}"})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["hashtags"], edited["edited_at"] is not None) == ([new], True)
    started = time.monotonic()
    assert tagged(ben, old) == []  # at once: the page checks the caption it shows
    until(lambda: tagged(ben, new), lambda ids: ids == [post_id], what="on #new's page")
    until(lambda: searched_posts(ben, word), lambda ids: ids == [post_id], what="new text found")
    until(lambda: counted(ben, new), lambda n: n == 1, what="#new counts the post")
    within_promise(started, 5, "an edit reaching hashtag pages and search")
    assert counted(ben, old) is None  # no post carries #old now
    assert searched_posts(ben, gone) == []
    assert ben.get(f"/posts/{post_id}").json()["caption"] == f"High tide {word} #{new}"


def test_a_hidden_like_count_is_null_for_a_viewer_in_the_feed_on_the_post_and_in_search(
    cloud: LocalCloud,
) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    assert ben.post(f"/users/{ann.username}/follow").json() == {"follow_status": "following"}
    tag = f"hush{ann.username[-6:]}"
    media = upload_image(ann, images.jpeg(640, 480), "image/jpeg")
    response = ann.post(
        "/posts",
        json={
            "media_ids": [media["media_id"]],
            "caption": f"#{tag}",
            "alt_texts": {media["media_id"]: "A grey heron in the reeds"},
            "hide_like_count": True,
        },
    )
    assert response.status_code == 201, response.text
    post_id = response.json()["post_id"]
    liked = ben.post(f"/posts/{post_id}/like")
    assert liked.json() == {"like_count": None, "liked_by_me": True}
    until(lambda: ann.get(f"/posts/{post_id}").json()["like_count"], lambda n: n == 1, what="1")

    until(lambda: feed(ben), lambda ids: post_id in ids, what="the post in ben's feed")
    shown = {p["post_id"]: p for p in ben.get("/feed").json()["items"]}[post_id]
    assert (shown["like_count"], shown["hide_like_count"]) == (None, True)
    assert shown["media"][0]["alt_text"] == "A grey heron in the reeds"
    assert ben.get(f"/posts/{post_id}").json()["like_count"] is None
    until(lambda: searched_posts(ben, tag), lambda ids: ids == [post_id], what="found")
    results = ben.get("/search", params={"q": tag, "type": "posts"}).json()["items"]
    assert [p["like_count"] for p in results] == [None]
    page = ben.get(f"/hashtags/{tag}/posts").json()["items"]
    assert [p["like_count"] for p in page] == [None]
    mine = ann.get("/search", params={"q": tag, "type": "posts"}).json()["items"]
    assert [p["like_count"] for p in mine] == [1]  # the author sees the count

    # shown again once the author stops hiding it; comments off refuse new ones
    changed = ann.patch(
        f"/posts/{post_id}", json={"hide_like_count": False, "comments_disabled": True}
    )
    assert changed.status_code == 200, changed.text
    assert ben.get(f"/posts/{post_id}").json()["like_count"] == 1
    refused = ben.post(f"/posts/{post_id}/comments", json={"text": "lovely"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    media_read = ben.get(f"/media/{media['media_id']}").json()
    assert media_read["alt_text"] == "A grey heron in the reeds"


def test_only_the_author_edits_every_other_actor_gets_what_reading_gives(
    cloud: LocalCloud,
) -> None:
    """PATCH /posts/{post_id} for the five actors: the owner 200; a follower and a stranger
    403; a private account's non-follower 403; blocked either way 404. Nothing they sent
    changes the post."""
    owner, follower, stranger = (sign_up_and_log_in(cloud, n) for n in ("own", "fol", "str"))
    blocked, blocker = sign_up_and_log_in(cloud, "bkd"), sign_up_and_log_in(cloud, "bkr")
    private, outsider = sign_up_and_log_in(cloud, "pri"), sign_up_and_log_in(cloud, "out")
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    assert private.patch("/me", json={"is_private": True}).status_code == 200
    post_id, private_post = publish(owner, "mine"), publish(private, "secret")
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204

    def edit(client: Client, target: str) -> tuple[int, Any]:
        response = client.patch(f"/posts/{target}", json={"caption": f"by {client.username}"})
        return response.status_code, response.json()

    for client, target, status, code in [
        (follower, post_id, 403, "forbidden"),
        (stranger, post_id, 403, "forbidden"),
        (outsider, private_post, 403, "forbidden"),
        (blocked, post_id, 404, "not_found"),
        (blocker, post_id, 404, "not_found"),
    ]:
        answer = edit(client, target)
        assert (answer[0], answer[1]["error"]["code"]) == (status, code), client.username
    assert owner.get(f"/posts/{post_id}").json()["edited_at"] is None
    assert private.get(f"/posts/{private_post}").json()["caption"] == "secret"
    assert edit(owner, post_id)[0] == 200
    assert follower.get(f"/posts/{post_id}").json()["caption"] == f"by {owner.username}"
