"""`make demo` on a tiny scale against the local cloud: it seeds the world over HTTP, its
celebrity passes the cloud's CelebrityFollowerThreshold, and a second run creates nothing
(every item recognised by its marker), leaving the same counts.

The cloud is its own process, started as `make run` starts one but with the threshold below
the tiny world's three followers of the celebrity (the session's cloud keeps the template's
10,000)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from infra.demo.seed import Person, Seeder
from infra.demo.world import TINY, plan
from tests.e2e.processes import free_ports, local_cloud

THRESHOLD = 2  # the tiny world's celebrity has 3 followers


@pytest.fixture(scope="module")
def demo_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    work: Path = tmp_path_factory.mktemp("demo")
    port = free_ports()
    threshold = f"CelebrityFollowerThreshold={THRESHOLD}"
    with local_cloud(port, work / "state", work / "cloud.log", "--parameter", threshold) as url:
        yield SimpleNamespace(url=url, aws=f"http://127.0.0.1:{port + 3}")


def observed(url: str) -> dict[str, object]:
    """What the API shows of the demo world, read as one of its accounts."""
    world = plan(TINY)
    reader = Person(url, world.users[0], 0)
    reader.token = reader.call(
        "POST",
        "/auth/login",
        json={"username": reader.user.username, "password": "sunlit-harbour-77"},
    )["id_token"]
    posts = {}
    for user in world.users:
        if reader.user.username == user.username or not user.private:
            for item in reader.pages(f"/users/{user.username}/posts"):
                comments = reader.pages(f"/posts/{item['post_id']}/comments")
                posts[(user.username, item["caption"])] = len(comments)
    following = {
        user.username: sorted(
            u["username"] for u in reader.pages(f"/users/{user.username}/following")
        )
        for user in world.users
        if not user.private
    }
    conversations = reader.pages("/conversations")
    return {"posts": posts, "following": following, "conversations": len(conversations)}


def test_the_demo_seeds_once_and_a_second_run_adds_nothing(demo_cloud: SimpleNamespace) -> None:
    world = plan(TINY)
    seeder = Seeder(demo_cloud.url, world, quiet=True)
    first = seeder.run()
    assert first["users"] == len(world.users)
    assert first["posts"] == len(world.posts)
    assert first["comments"] == sum(len(post.comments) for post in world.posts)
    assert first["likes"] == sum(len(post.likers) for post in world.posts)
    assert first["stories"] == len(world.stories)
    assert first["messages"] == sum(len(c.messages) for c in world.conversations)
    assert first["avatars"] == len(world.users)
    followers = sum(followed == world.celebrity for _follower, followed in world.follows)
    assert followers > THRESHOLD
    assert seeder.celebrity(demo_cloud.aws) == (followers, True)
    before = observed(demo_cloud.url)
    public_posts = [p for p in world.posts if not world.user(p.author).private]
    assert set(before["posts"]) >= {(p.author, p.caption) for p in public_posts}

    second = Seeder(demo_cloud.url, plan(TINY), quiet=True)
    assert +second.run() == {}, second.created  # nothing created
    assert observed(demo_cloud.url) == before
    assert second.celebrity(demo_cloud.aws) == (followers, True)
