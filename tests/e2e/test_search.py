"""Search and explore over HTTP on the local cloud: posts found by caption and hashtag within
5 s, never a private account's, gone once deleted or once the account turns private (and back
when it turns public); users by the first letters of their name; hashtags with their counts;
explore without followed or blocked accounts, at most two posts per author on a page."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, sign_up_and_log_in
from tests.e2e.test_social import publish
from tests.e2e.waiting import until, within_promise


def found(client: Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def post_ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["post_id"] for item in items]


def searched_posts(client: Client, q: str) -> list[str]:
    return post_ids(found(client, "/search", q=q, type="posts", limit=100))


def tagged(client: Client, tag: str) -> list[str]:
    return post_ids(found(client, f"/hashtags/{tag}/posts", limit=100))


def test_a_public_post_is_found_within_5_s_and_leaves_when_deleted(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    post_id = publish(ann, "Golden hour over the bay #sunset #Bay")
    started = time.monotonic()
    until(lambda: searched_posts(ben, "sunset"), lambda ids: post_id in ids, what="found by q")
    until(lambda: tagged(ben, "sunset"), lambda ids: post_id in ids, what="found by #sunset")
    within_promise(started, 5, "a public post being found")
    assert post_id in searched_posts(ben, "golden bay")  # every word of the caption
    assert post_id not in searched_posts(ben, "golden fox")
    assert post_id in tagged(ben, "BAY")  # any case
    shown = found(ben, "/hashtags/sunset/posts", limit=100)
    assert shown[post_ids(shown).index(post_id)]["author"]["username"] == ann.username

    assert ann.delete(f"/posts/{post_id}").status_code == 204
    until(lambda: tagged(ben, "sunset"), lambda ids: post_id not in ids, what="deleted: gone")
    assert post_id not in searched_posts(ben, "sunset")


def test_a_private_account_s_posts_are_never_found(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    assert ann.patch("/me", json={"is_private": True}).status_code == 200
    assert ben.post(f"/users/{ann.username}/follow").json() == {"follow_status": "requested"}
    assert ann.post(f"/me/follow-requests/{ben.username}/approve").status_code == 204
    hidden = publish(ann, "quiet morning #sunrise")
    marker = publish(sign_up_and_log_in(cloud, "cat"), "loud morning #sunrise")
    until(lambda: tagged(ben, "sunrise"), lambda ids: marker in ids, what="cat's post found")
    for reader in (ben, ann):  # not even to a follower, or to its author
        assert hidden not in tagged(reader, "sunrise")
        assert hidden not in searched_posts(reader, "morning")


def test_turning_private_drops_the_posts_and_public_brings_them_back(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    post_id = publish(ann, "#flipflop")
    until(lambda: tagged(ben, "flipflop"), lambda ids: post_id in ids, what="found while public")
    assert ann.patch("/me", json={"is_private": True}).status_code == 200
    assert post_id not in tagged(ben, "flipflop")  # at once: results are checked on read
    assert ann.patch("/me", json={"is_private": False}).status_code == 200
    until(lambda: tagged(ben, "flipflop"), lambda ids: post_id in ids, what="found once public")


def test_a_non_ascii_hashtag_page_is_found_by_its_percent_encoded_path(cloud: LocalCloud) -> None:
    """The path arrives percent-encoded, as API Gateway sends it; the API decodes it."""
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    post_id = publish(ann, "Espresso at the corner #café")
    until(lambda: tagged(ben, "caf%C3%A9"), lambda ids: post_id in ids, what="found by #café")
    assert post_id in tagged(ben, "CAF%C3%89")  # any case
    assert post_id in tagged(ben, "cafe%CC%81")  # "e" + U+0301: the same tag
    assert ben.get(f"/posts/{post_id}").json()["hashtags"] == ["café"]
    for broken in ("caf%E9", "caf%"):  # not UTF-8, not an escape
        response = ben.get(f"/hashtags/{broken}/posts")
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "bad_request"
        assert response.json()["error"]["details"][0]["in"] == "path"


def test_users_by_their_first_letters_and_blocked_users_never(cloud: LocalCloud) -> None:
    ann, ben, cat = (sign_up_and_log_in(cloud, name) for name in ("zed", "ben", "cat"))
    prefix = ann.username[:3]

    def usernames(client: Client, q: str) -> list[str]:
        return [u["username"] for u in found(client, "/search", q=q, type="users", limit=100)]

    until(
        lambda: usernames(ben, ann.username),
        lambda names: ann.username in names,
        what=f"{ann.username} is found",
    )
    assert usernames(ben, ann.username)[0] == ann.username  # the exact name first
    assert ann.username in usernames(ben, prefix)
    assert ann.username in usernames(ben, prefix.upper())
    assert ann.post(f"/users/{cat.username}/block").status_code == 204
    assert ann.username not in usernames(cat, ann.username)  # blocked by ann
    assert cat.username not in usernames(ann, cat.username)  # blocked by her


def test_hashtags_with_their_counts(cloud: LocalCloud) -> None:
    ann = sign_up_and_log_in(cloud, "ann")
    tag = f"tide{ann.username[-6:].replace('.', '')}"
    first = publish(ann, f"#{tag}")
    publish(ann, f"again #{tag} #{tag}x")

    def tags() -> dict[str, int]:
        items = found(ann, "/search", q=tag[:6], type="hashtags", limit=100)
        return {h["tag"]: h["post_count"] for h in items}

    until(
        tags,
        lambda counts: counts.get(tag) == 2 and counts.get(f"{tag}x") == 1,
        what=f"#{tag} counts 2 posts and #{tag}x 1",
    )
    exact = found(ann, "/search", q=f"#{tag}", type="hashtags")
    assert exact[0] == {"tag": tag, "post_count": 2}
    assert ann.delete(f"/posts/{first}").status_code == 204
    until(tags, lambda counts: counts.get(tag) == 1, what=f"#{tag} counts 1 post once deleted")


def test_explore_shows_strangers_two_per_author_per_page(cloud: LocalCloud) -> None:
    me, friend, foe, star, other = (
        sign_up_and_log_in(cloud, name) for name in ("me", "friend", "foe", "star", "other")
    )
    assert me.post(f"/users/{friend.username}/follow").status_code == 200
    assert foe.post(f"/users/{me.username}/block").status_code == 204
    mine = {publish(friend, "#explore"), publish(foe, "#explore")}
    strangers = {publish(star, f"#explore {n}") for n in range(4)} | {publish(other, "#explore")}
    until(
        lambda: tagged(me, "explore"),
        lambda ids: strangers <= set(ids),
        what="the strangers' posts are indexed",
    )

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _page in range(100):
        params: dict[str, Any] = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        response = me.get("/explore", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        authors = Counter(item["author"]["username"] for item in page["items"])
        assert all(n <= 2 for n in authors.values()), authors
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = post_ids(seen)
    assert strangers <= set(ids)
    assert not mine & set(ids)  # followed, or blocked me
    assert len(ids) == len(set(ids))  # no post twice across pages
    assert me.username not in {item["author"]["username"] for item in seen}


def test_bad_searches_are_400s(cloud: LocalCloud) -> None:
    ann = sign_up_and_log_in(cloud, "ann")
    for params in ({}, {"q": ""}, {"q": "x", "type": "venues"}, {"q": "x" * 101}):
        response = ann.get("/search", params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["error"]["code"] == "bad_request"
    assert ann.get("/hashtags/not a tag/posts").status_code == 400
    assert ann.get("/explore", params={"cursor": "forged"}).status_code == 400
