"""Three users over HTTP on the local cloud: follows, posts with real uploads, feeds, likes."""

from __future__ import annotations

import time

import pytest

from infra.local.cloud import LocalCloud
from tests import images
from tests.conftest import run_concurrently
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import until, within_promise


def feed(client: Client) -> list[str]:
    response = client.get("/feed")
    assert response.status_code == 200, response.text
    return [item["post_id"] for item in response.json()["items"]]


def publish(client: Client, caption: str = "") -> str:
    media = upload_image(client, images.jpeg(640, 480), "image/jpeg")
    assert media["status"] == "ready"
    response = client.post("/posts", json={"media_ids": [media["media_id"]], "caption": caption})
    assert response.status_code == 201, response.text
    return str(response.json()["post_id"])


@pytest.fixture
def trio(cloud: LocalCloud) -> tuple[Client, Client, Client]:
    return tuple(sign_up_and_log_in(cloud, name) for name in ("ann", "ben", "cat"))  # type: ignore[return-value]


def test_a_post_reaches_followers_feeds_within_seconds(trio: tuple[Client, Client, Client]) -> None:
    ann, ben, cat = trio
    for reader in (ben, cat):
        response = reader.post(f"/users/{ann.username}/follow")
        assert response.json() == {"follow_status": "following"}
    post_id = publish(ann, "First light #dawn")
    started = time.monotonic()
    for reader in (ben, cat):
        shown_to = until(
            lambda r=reader: feed(r),
            lambda ids: post_id in ids,
            what=f"the post is in {reader.username}'s feed",
        )
        assert shown_to == [post_id]
    within_promise(started, 5, "a post reaching its followers' feeds")
    shown = ben.get(f"/posts/{post_id}").json()
    assert shown["hashtags"] == ["dawn"]
    assert shown["media"][0]["renditions"]["1080"].startswith("http://127.0.0.1")
    until(
        lambda: ann.get(f"/users/{ann.username}").json()["followers_count"],
        lambda n: n == 2,
        what="ann's followers_count is 2",
    )


def test_private_posts_stay_hidden_until_the_request_is_approved(
    trio: tuple[Client, Client, Client],
) -> None:
    ann, ben, cat = trio
    assert ann.patch("/me", json={"is_private": True}).status_code == 200
    assert ben.post(f"/users/{ann.username}/follow").json() == {"follow_status": "requested"}
    assert cat.post(f"/users/{ann.username}/follow").json() == {"follow_status": "requested"}
    assert ann.post(f"/me/follow-requests/{cat.username}/approve").status_code == 204
    post_id = publish(ann)
    assert ben.get(f"/posts/{post_id}").status_code == 403
    assert ben.get(f"/users/{ann.username}/posts").status_code == 403
    # cat, an approved follower, gets the post from the same fan-out that would reach ben
    until(lambda: feed(cat), lambda ids: post_id in ids, what="the post is in cat's feed")
    assert post_id not in feed(ben)
    requests = ann.get("/me/follow-requests").json()["items"]
    assert [u["username"] for u in requests] == [ben.username]
    assert ann.post(f"/me/follow-requests/{ben.username}/approve").status_code == 204
    back_filled = until(lambda: feed(ben), lambda ids: post_id in ids, what="back-fill to ben")
    assert back_filled == [post_id]
    assert ben.get(f"/posts/{post_id}").status_code == 200


def test_block_unfollow_and_delete_take_posts_out_of_feeds(
    trio: tuple[Client, Client, Client],
) -> None:
    ann, ben, cat = trio
    for reader in (ben, cat):
        reader.post(f"/users/{ann.username}/follow")
    first = publish(ann)
    second = publish(ann)
    for reader in (ben, cat):
        until(
            lambda r=reader: feed(r),
            lambda ids: {first, second} <= set(ids),
            what=f"both posts are in {reader.username}'s feed",
        )
    assert ben.delete(f"/users/{ann.username}/follow").status_code == 204
    assert feed(ben) == []
    assert ann.post(f"/users/{cat.username}/block").status_code == 204
    assert feed(cat) == []
    assert cat.get(f"/users/{ann.username}").status_code == 404
    assert ann.delete(f"/posts/{second}").status_code == 204
    assert ann.get(f"/posts/{second}").status_code == 404
    assert feed(ann) == [first]


def test_counts_stay_exact_when_clients_hammer_likes_and_comments(
    cloud: LocalCloud, trio: tuple[Client, Client, Client]
) -> None:
    ann, _ben, _cat = trio
    post_id = publish(ann)
    fans = [sign_up_and_log_in(cloud, "fan") for _ in range(6)]

    def hammer(index: int) -> int:
        fan = fans[index % len(fans)]
        codes = [fan.post(f"/posts/{post_id}/like").status_code for _ in range(3)]
        codes.append(fan.post(f"/posts/{post_id}/comments", json={"text": f"#{index}"}).status_code)
        return len([c for c in codes if c in (200, 201)])

    def counts() -> tuple[int, int]:
        shown = ann.get(f"/posts/{post_id}").json()
        return shown["like_count"], shown["comment_count"]

    assert run_concurrently(12, hammer) == [4] * 12
    # Counted from the events by the counters consumer: exact once it has caught up.
    until(counts, lambda found: found == (6, 12), what="6 likes and 12 comments counted")
    run_concurrently(6, lambda i: fans[i % 3].delete(f"/posts/{post_id}/like").status_code)
    until(counts, lambda found: found == (3, 12), what="3 likes and 12 comments counted")
    likers = ann.get(f"/posts/{post_id}/likes?limit=100").json()["items"]
    assert sorted(u["username"] for u in likers) == sorted(f.username for f in fans[3:])


def test_every_graph_and_post_route_answers_over_http(trio: tuple[Client, Client, Client]) -> None:
    ann, ben, cat = trio
    assert ben.post(f"/users/{ann.username}/follow").status_code == 200
    until(  # listed once the followers function has read the follow (about a second)
        lambda: [
            u["username"] for u in ann.get(f"/users/{ann.username}/followers").json()["items"]
        ],
        lambda found: found == [ben.username],
        what="ann's followers",
    )
    assert [u["username"] for u in ben.get(f"/users/{ben.username}/following").json()["items"]] == [
        ann.username
    ]
    assert ben.patch("/me", json={"is_private": True}).status_code == 200
    assert cat.post(f"/users/{ben.username}/follow").json()["follow_status"] == "requested"
    assert ben.post(f"/me/follow-requests/{cat.username}/deny").status_code == 204
    assert ben.get("/me/follow-requests").json()["items"] == []
    assert cat.post(f"/users/{ann.username}/block").status_code == 204
    assert ann.get(f"/users/{cat.username}").status_code == 404
    assert cat.delete(f"/users/{ann.username}/block").status_code == 204
    assert ann.get(f"/users/{cat.username}").status_code == 200

    post_id = publish(ann, "route check")
    comment = ben.post(f"/posts/{post_id}/comments", json={"text": "hello"})
    assert comment.status_code == 201
    assert [c["text"] for c in ann.get(f"/posts/{post_id}/comments").json()["items"]] == ["hello"]
    assert (
        ann.delete(f"/posts/{post_id}/comments/{comment.json()['comment_id']}").status_code == 204
    )
    assert ben.post(f"/posts/{post_id}/like").json() == {"like_count": 1, "liked_by_me": True}
    assert ben.delete(f"/posts/{post_id}/like").json() == {"like_count": 0, "liked_by_me": False}
    assert [p["post_id"] for p in cat.get(f"/users/{ann.username}/posts").json()["items"]] == [
        post_id
    ]
    assert ann.get("/feed?order=ranked&limit=5").status_code == 200
    bad = ann.get("/feed?cursor=forged.cursor")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_request")


# --------------------------------------------------------------------------- storage probes
def edges(cloud: LocalCloud, a: Client, b: Client) -> list[str]:
    """The follow, follower and request edges between a and b that are stored."""
    dynamodb = cloud.provisioner.client("dynamodb")
    found = []
    for owner, kind, other in (
        (a, "FOLLOWS#", b),
        (b, "FOLLOWS#", a),
        (a, "FOLLOWER#", b),
        (b, "FOLLOWER#", a),
        (a, "REQUEST#", b),
        (b, "REQUEST#", a),
    ):
        key = {"pk": {"S": f"USER#{owner.user_id}"}, "sk": {"S": f"{kind}{other.user_id}"}}
        item = dynamodb.get_item(TableName=cloud.ref("UsersTable"), Key=key, ConsistentRead=True)
        if "Item" in item:
            found.append(f"{owner.username} {kind} {other.username}")
    return found


def stored_feed(cloud: LocalCloud, reader: Client) -> list[str]:
    """The post ids stored in the reader's feed partition (what the fan-out wrote)."""
    dynamodb = cloud.provisioner.client("dynamodb")
    items = dynamodb.query(
        TableName=cloud.ref("FeedTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"FEED#{reader.user_id}"}},
        ConsistentRead=True,
    )["Items"]
    return sorted(i["sk"]["S"] for i in items if not i["sk"]["S"].startswith("~"))


def test_a_block_wins_every_follow_sent_at_the_same_instant(
    cloud: LocalCloud, trio: tuple[Client, Client, Client]
) -> None:
    ann, ben, cat = trio
    assert cat.post(f"/users/{ann.username}/follow").status_code == 200
    for _round in range(20):
        assert ann.delete(f"/users/{ben.username}/block").status_code == 204
        follow_code, block_code = run_concurrently(
            2,
            lambda i: (
                (
                    ben.post(f"/users/{ann.username}/follow")
                    if i == 0
                    else ann.post(f"/users/{ben.username}/block")
                ).status_code
            ),
        )
        assert follow_code in (200, 404)  # followed before the block, or refused by it
        assert block_code == 204
        # a follow that committed just after the block is deleted by the followers function
        until(lambda: edges(cloud, ann, ben), lambda found: found == [], what="no edge")
    post_id = publish(ann, "not for ben")
    until(lambda: feed(ann), lambda ids: post_id in ids, what="the post is in ann's own feed")
    # cat follows ann: once the fan-out reached cat, it has passed every follower ben could be
    until(lambda: stored_feed(cloud, cat), lambda ids: post_id in ids, what="fan-out to cat")
    assert post_id not in stored_feed(cloud, ben)
    assert ben.get(f"/posts/{post_id}").status_code == 404


def test_re_following_back_fills_again_and_each_unfollow_prunes(
    cloud: LocalCloud, trio: tuple[Client, Client, Client]
) -> None:
    ann, ben, _cat = trio
    posts = sorted(publish(ann, f"p{i}") for i in range(2))
    for _round in range(2):
        assert ben.post(f"/users/{ann.username}/follow").status_code == 200
        until(lambda: stored_feed(cloud, ben), lambda ids: ids == posts, what="back-fill")
        assert feed(ben) == posts[::-1]
        assert ben.delete(f"/users/{ann.username}/follow").status_code == 204
        until(lambda: stored_feed(cloud, ben), lambda ids: ids == [], what="the unfollow prunes")
        assert feed(ben) == []
