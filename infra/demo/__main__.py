"""`python -m infra.demo --port 3000 [--scale tiny]` (`make demo`): seeds the running local
cloud with the demo world over its HTTP API, prints what it created, the world's counts and the
logins to try. Run it again: it adds nothing that is there already."""

from __future__ import annotations

import argparse
import sys
import time

import requests
from botocore.exceptions import BotoCoreError, ClientError

from infra.demo.photos import MissingPhotos
from infra.demo.seed import DemoError, Seeder
from infra.demo.world import FULL, PASSWORD, TINY, World, plan
from infra.local.moderator import AWS_PORT_OFFSET


def summary(world: World) -> dict[str, int]:
    """What the world holds once seeded (the plan: each item is there or was just made)."""
    return {
        "users": len(world.users),
        "private users": sum(user.private for user in world.users),
        "follows": len(world.follows),
        "posts": len(world.posts),
        "likes": sum(len(post.likers) for post in world.posts),
        "comments": sum(len(post.comments) for post in world.posts),
        "posts with a place": sum(post.place is not None for post in world.posts),
        "live stories": len(world.stories),
        "video stories": sum(story.video for story in world.stories),
        "conversations": len(world.conversations),
        "messages": sum(len(c.messages) for c in world.conversations),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="the local cloud's API port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scale", choices=("full", "tiny"), default="full")
    args = parser.parse_args(argv)
    base = f"http://{args.host}:{args.port}"
    try:
        requests.get(f"{base}/health", timeout=5).raise_for_status()
    except requests.RequestException:
        print(f"No local cloud answers at {base}: start it with `make run` first.", file=sys.stderr)
        return 1
    world = plan(FULL if args.scale == "full" else TINY)
    started = time.monotonic()
    try:
        seeder = Seeder(base, world)
        created = seeder.run()
        elapsed = time.monotonic() - started
        aws = f"http://{args.host}:{args.port + AWS_PORT_OFFSET}"
        followers, celebrity = seeder.celebrity(aws)
    except (BotoCoreError, ClientError) as error:  # the embedded AWS endpoint (port + 3)
        print(f"\nThe demo could not check the celebrity at {aws}: {error}", file=sys.stderr)
        return 1
    except (DemoError, MissingPhotos) as error:
        print(f"\nThe demo stopped: {error}", file=sys.stderr)
        return 1
    made = ", ".join(f"{n} {what}" for what, n in sorted(created.items()) if n) or "nothing"
    print(f"Seeded {base} in {elapsed:.1f} s. Created now: {made}.")
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeder.timings.items())
    print(f"Steps: {steps}.")
    print("The world: " + ", ".join(f"{n} {what}" for what, n in summary(world).items()) + ".")
    print(_celebrity_line(world.celebrity, followers, celebrity))
    private = [u.username for u in world.users if u.private]
    print(f"Log in (web client, or POST /auth/login) as any of them, password {PASSWORD!r}:")
    print(f"  {world.celebrity}  the celebrity: everyone follows them")
    print(f"  {world.users[1].username}  private, with close friends and a close-friends story")
    talker = world.conversations[0].members[0] if world.conversations else world.users[-1].username
    print(
        f"  {talker}  in conversations (and private)"
        if world.user(talker).private
        else f"  {talker}  in conversations"
    )
    print(f"  private accounts: {', '.join(private)}")
    return 0


def _celebrity_line(name: str, followers: int, celebrity: bool) -> str:
    if celebrity:
        return (
            f"{name} has {followers} followers and is a celebrity: above the cloud's "
            "CelebrityFollowerThreshold, her posts are pulled into feeds at read time."
        )
    return (
        f"{name} has {followers} followers and is NOT a celebrity: the cloud's "
        f"CelebrityFollowerThreshold is {followers} or more (make run sets 20; "
        'ARGS="--parameter CelebrityFollowerThreshold=N" changes it).'
    )


if __name__ == "__main__":
    sys.exit(main())
