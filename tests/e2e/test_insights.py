"""Insights over HTTP on the local cloud: a follower served a post and a story moves their
reach and impressions within seconds (the API functions' `served` log lines, through the local
cloud's CloudWatch Logs subscription to the impressions function); the same viewer again moves
impressions, not reach; only the author reads insights; `days` is 7 or 30."""

from __future__ import annotations

from typing import Any

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, sign_up_and_log_in
from tests.e2e.test_social import publish
from tests.e2e.test_stories import follow, story
from tests.e2e.waiting import until


def insights(client: Client, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return dict(response.json())


def served_to(reader: Client, path: str) -> None:
    response = reader.get(path)
    assert response.status_code == 200, response.text


def counted(author: Client, path: str, impressions: int) -> dict[str, Any]:
    """The insights once `impressions` are counted (the aggregator runs asynchronously)."""
    return until(
        lambda: insights(author, path),
        lambda found: found["impressions"] >= impressions,
        what=f"{path} counts {impressions} impressions",
    )


def test_a_follower_served_a_post_and_a_story_moves_reach_and_impressions(
    cloud: LocalCloud,
) -> None:
    alice, bob = sign_up_and_log_in(cloud, "ins_al"), sign_up_and_log_in(cloud, "ins_bo")
    follow(bob, alice)
    post_id = publish(alice, "seen #insights")
    shared = story(alice)
    post_path, story_path = f"/posts/{post_id}/insights", f"/stories/{shared['story_id']}/insights"
    assert insights(alice, post_path)["impressions"] == 0

    served_to(bob, f"/posts/{post_id}")
    served_to(alice, f"/posts/{post_id}")  # the author's own view is no impression
    first = counted(alice, post_path, 1)
    assert (first["reach"], first["impressions"]) == (1, 1)
    served_to(bob, f"/posts/{post_id}")  # the same viewer again: an impression, not reach
    again = counted(alice, post_path, 2)
    assert (again["reach"], again["impressions"]) == (1, 2)

    served_to(bob, f"/stories/{shared['story_id']}")
    seen = counted(alice, story_path, 1)
    assert (seen["reach"], seen["impressions"], seen["likes"], seen["replies"]) == (1, 1, 0, 0)
    served_to(bob, f"/users/{alice.username}/stories")
    twice = counted(alice, story_path, 2)
    assert (twice["reach"], twice["impressions"]) == (1, 2)

    week = counted(alice, "/me/insights?days=7", 4)
    assert (week["reach"], week["impressions"]) == (1, 4)
    assert len(week["by_day"]) == 7
    assert week["by_day"][-1]["impressions"] == 4
    assert len(insights(alice, "/me/insights?days=30")["by_day"]) == 30
    for days in ("1", "14", "31", "seven"):
        refused = alice.get(f"/me/insights?days={days}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "bad_request")


def test_only_the_author_reads_a_post_or_story_s_insights(cloud: LocalCloud) -> None:
    """Follower and stranger: 403; blocked either way: 404 (the author does not exist for
    them); a private account's non-follower: 403 (its content is not theirs to see)."""
    owner, follower, stranger, blocked, blocker = (
        sign_up_and_log_in(cloud, name) for name in ("ow", "fo", "st", "bl", "bk")
    )
    follow(follower, owner)
    post_id, story_id = publish(owner), story(owner)["story_id"]
    assert owner.post(f"/users/{blocked.username}/block").status_code == 204
    assert blocker.post(f"/users/{owner.username}/block").status_code == 204
    paths = (f"/posts/{post_id}/insights", f"/stories/{story_id}/insights")
    for path in paths:
        assert owner.get(path).status_code == 200
        for reader, status in ((follower, 403), (stranger, 403), (blocked, 404), (blocker, 404)):
            response = reader.get(path)
            assert response.status_code == status, (reader.username, path, response.text)
    private = sign_up_and_log_in(cloud, "pr")
    assert private.patch("/me", json={"is_private": True}).status_code == 200
    private_post, private_story = publish(private), story(private)["story_id"]
    for path in (f"/posts/{private_post}/insights", f"/stories/{private_story}/insights"):
        response = stranger.get(path)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
        assert private.get(path).status_code == 200
