"""`make demo` on a tiny scale against the local cloud: it seeds the world over HTTP, and a
second run creates nothing (every item recognised by its marker), leaving the same counts."""

from __future__ import annotations

from infra.demo.seed import Person, Seeder
from infra.demo.world import TINY, plan
from infra.local.cloud import LocalCloud


def observed(cloud: LocalCloud) -> dict[str, object]:
    """What the API shows of the demo world, read as one of its accounts."""
    world = plan(TINY)
    reader = Person(cloud.url, world.users[0], 0)
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


def test_the_demo_seeds_once_and_a_second_run_adds_nothing(cloud: LocalCloud) -> None:
    world = plan(TINY)
    first = Seeder(cloud.url, world, quiet=True).run()
    assert first["users"] == len(world.users)
    assert first["posts"] == len(world.posts)
    assert first["comments"] == sum(len(post.comments) for post in world.posts)
    assert first["likes"] == sum(len(post.likers) for post in world.posts)
    assert first["stories"] == len(world.stories)
    assert first["messages"] == sum(len(c.messages) for c in world.conversations)
    assert first["avatars"] == len(world.users)
    before = observed(cloud)
    public_posts = [p for p in world.posts if not world.user(p.author).private]
    assert set(before["posts"]) >= {(p.author, p.caption) for p in public_posts}

    second = Seeder(cloud.url, plan(TINY), quiet=True).run()
    assert +second == {}, second  # nothing created
    assert observed(cloud) == before
