"""Who may see or do what, over HTTP: the same answer on every route, and nothing leaks
through likes, lists or comment ids."""

from __future__ import annotations

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, open_upload, post_file, sign_up_and_log_in, wait_for_media
from tests.e2e.test_social import publish
from tests.e2e.waiting import until


def test_likes_answer_as_reading_the_post_does(cloud: LocalCloud) -> None:
    owner, stranger, blocked = (sign_up_and_log_in(cloud, n) for n in ("own", "str", "blk"))
    post_id = publish(owner)
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    for method in ("POST", "DELETE"):
        response = stranger.request(method, f"/posts/{post_id}/like")
        assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
        assert stranger.get(f"/posts/{post_id}").status_code == 403
        response = blocked.request(method, f"/posts/{post_id}/like")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
        assert blocked.get(f"/posts/{post_id}").status_code == 404


def test_third_party_lists_hide_blocked_accounts_both_ways(cloud: LocalCloud) -> None:
    ann, ben, cat = (sign_up_and_log_in(cloud, n) for n in ("ann", "ben", "cat"))
    for fan in (ann, ben):
        assert fan.post(f"/users/{cat.username}/follow").status_code == 200
    post_id = publish(cat)
    for fan in (ann, ben):
        assert fan.post(f"/posts/{post_id}/like").status_code == 200
        assert fan.post(f"/posts/{post_id}/comments", json={"text": "hi"}).status_code == 201
    assert ann.post(f"/users/{ben.username}/block").status_code == 204

    def names(client: Client, path: str) -> list[str]:
        items = client.get(path).json()["items"]
        return sorted(i.get("username") or i["author"]["username"] for i in items)

    for viewer, hidden in ((ann, ben), (ben, ann)):
        for path in (
            f"/users/{cat.username}/followers",
            f"/posts/{post_id}/likes",
            f"/posts/{post_id}/comments",
        ):
            assert hidden.username not in names(viewer, path), (viewer.username, path)
    until(  # a follower is listed once the followers function has read the follow
        lambda: names(cat, f"/users/{cat.username}/followers"),
        lambda found: found == sorted([ann.username, ben.username]),
        what="cat's followers",
    )


def test_a_post_hidden_by_its_rejected_media_cannot_be_liked(cloud: LocalCloud) -> None:
    owner, fan = sign_up_and_log_in(cloud, "own"), sign_up_and_log_in(cloud, "fan")
    slot = open_upload(owner, b"not an image at all", "image/jpeg")
    created = owner.post("/posts", json={"media_ids": [slot["media_id"]]})
    assert created.status_code == 201  # pending media may be posted
    post_id = created.json()["post_id"]
    assert post_file(slot, b"not an image at all", "image/jpeg").status_code in (200, 201, 204)
    assert wait_for_media(owner, slot["media_id"])["status"] == "rejected"
    assert fan.get(f"/posts/{post_id}").status_code == 404
    assert fan.post(f"/posts/{post_id}/like").status_code == 404
    assert fan.post(f"/posts/{post_id}/comments", json={"text": "x"}).status_code == 404
    assert fan.get(f"/media/{slot['media_id']}").status_code == 404  # nor its media
    assert owner.get(f"/media/{slot['media_id']}").json()["status"] == "rejected"


def test_comment_ids_cannot_be_probed(cloud: LocalCloud) -> None:
    owner, fan, stranger = (sign_up_and_log_in(cloud, n) for n in ("own", "fan", "str"))
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    fan.post(f"/users/{owner.username}/follow")
    owner.post(f"/me/follow-requests/{fan.username}/approve")
    post_id = publish(owner)
    comment = fan.post(f"/posts/{post_id}/comments", json={"text": "mine"}).json()
    for caller in (stranger, sign_up_and_log_in(cloud, "oth")):  # cannot see it; can see it
        real = caller.delete(f"/posts/{post_id}/comments/{comment['comment_id']}")
        made_up = caller.delete(f"/posts/{post_id}/comments/01JD0Z8Q5M3S4V6X7Y8Z9A0B1C")
        assert real.status_code == made_up.status_code == 403
        assert real.json() == made_up.json()
        assert owner.patch("/me", json={"is_private": False}).status_code == 200


def test_going_public_approves_pending_requests(cloud: LocalCloud) -> None:
    owner, fan = sign_up_and_log_in(cloud, "own"), sign_up_and_log_in(cloud, "fan")
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    post_id = publish(owner, "for my followers")
    assert fan.post(f"/users/{owner.username}/follow").json()["follow_status"] == "requested"
    assert owner.patch("/me", json={"is_private": False}).status_code == 200
    until(
        lambda: fan.get(f"/users/{owner.username}").json()["follow_status"],
        lambda s: s == "following",
        what="the pending request is approved",
    )
    assert owner.get("/me/follow-requests").json()["items"] == []
    feed = until(
        lambda: [p["post_id"] for p in fan.get("/feed").json()["items"]],
        lambda ids: post_id in ids,
        what="the post is back-filled into the fan's feed",
    )
    assert feed == [post_id]


def test_every_story_route_answers_by_the_same_rules(cloud: LocalCloud) -> None:
    """Private: 403 to a non-follower; blocked: 404; owner-only routes: 403 to others who may
    see the story. A story's media are not readable through /media by anyone but the owner."""
    from tests.e2e.test_stories import story

    owner, fan, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, n) for n in ("so", "sf", "ss", "sb", "sk")
    )
    assert fan.post(f"/users/{owner.username}/follow").status_code == 200
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    made = story(owner)
    assert owner.patch("/me", json={"is_private": True}).status_code == 200
    sid = made["story_id"]
    reads = [
        ("GET", f"/users/{owner.username}/stories"),
        ("GET", f"/users/{owner.username}/highlights"),
        ("POST", f"/stories/{sid}/view"),
        ("POST", f"/stories/{sid}/like"),
        ("DELETE", f"/stories/{sid}/like"),
    ]
    owner_only = [("GET", f"/stories/{sid}/viewers"), ("DELETE", f"/stories/{sid}")]
    for method, path in reads + owner_only:
        answer = stranger.request(method, path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden"), path
        for client in (blocked, blocker):  # a block either way
            answer = client.request(method, path)
            assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), path
    for method, path in reads:
        assert fan.request(method, path).status_code in (200, 204), path
    for method, path in owner_only:
        answer = fan.request(method, path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden"), path
    media = f"/media/{made['media']['media_id']}"
    assert fan.get(media).status_code == 404
    assert owner.get(media).status_code == 200
    assert owner.get(f"/stories/{sid}/viewers").status_code == 200
