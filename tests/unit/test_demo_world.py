"""The demo world's plan: the sizes issue 32 asks for, the same plan every run (a second run
recognises what the first made), and nothing planned that the API would refuse."""

from __future__ import annotations

from collections import Counter

from infra.demo.world import FULL, PLACES, TINY, plan


def test_the_full_world_has_what_the_demo_promises() -> None:
    world = plan(FULL)
    assert len(world.users) >= 30
    assert len(world.posts) == 200
    assert 0 < sum(user.private for user in world.users) < len(world.users)
    followers = Counter(followed for _, followed in world.follows)
    assert followers[world.celebrity] == len(world.users) - 1  # the most followed by far
    assert followers.most_common(1)[0][0] == world.celebrity
    assert any(story.video for story in world.stories)
    assert any(story.close_friends for story in world.stories)
    assert world.conversations
    assert sum(len(post.comments) for post in world.posts) > 50
    assert sum(len(post.likers) for post in world.posts) > 200
    assert {post.place for post in world.posts} >= set(range(len(PLACES)))
    assert all("#" in post.caption for post in world.posts)


def test_the_plan_is_the_same_every_time_and_captions_mark_posts() -> None:
    assert plan(FULL) == plan(FULL)
    assert plan(TINY) == plan(TINY)
    for world in (plan(FULL), plan(TINY)):
        marks = [(post.author, post.caption) for post in world.posts]
        assert len(set(marks)) == len(marks)


def test_the_plan_asks_nothing_the_api_refuses() -> None:
    """Likes and comments only from accounts that may see the post; at most 25 posts an
    author (the posts budget per hour); texts within the API's limits; one follow each."""
    for world in (plan(FULL), plan(TINY)):
        for post in world.posts:
            assert all(world.can_see(liker, post.author) for liker in post.likers)
            assert len(set(post.likers)) == len(post.likers)
            assert all(world.can_see(author, post.author) for author, _ in post.comments)
            assert len(post.caption) <= 2200
        assert max(Counter(post.author for post in world.posts).values()) <= 25
        assert len(set(world.follows)) == len(world.follows)
        assert all(a != b for a, b in world.follows)
        for conversation in world.conversations:
            assert all(len(cid) <= 64 for _, cid, _ in conversation.messages)


def test_the_demo_page_quotes_the_plan() -> None:
    from infra.demo.__main__ import summary
    from tests.conftest import ROOT

    page = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    counts = summary(plan(FULL))
    for row, numbers in (
        ("| users, each with", f"{counts['users']} ({counts['private users']} private)"),
        ("| follows", str(counts["follows"])),
        ("| photo posts", f"{counts['posts']} ({counts['posts with a place']} at one of"),
        ("| likes, comments", f"{counts['likes']}, {counts['comments']}"),
        ("| live stories", str(counts["live stories"])),
        ("| 1:1 conversations", f"{counts['conversations']}, {counts['messages']}"),
    ):
        line = next(line for line in page.splitlines() if line.startswith(row))
        assert numbers in line, (line, numbers)
