"""Poll votes: N distinct viewers vote on one story's poll sticker.

In process on moto (every resource from template.yaml). Each vote goes through the service the
route calls (`stories.votes.vote`: the story read, the visibility batch, the vote's conditional
put with its checks and `story_sticker_voted`, and, as a vote is also a view, the view and the
seen marker); the events then flow as in AWS: the outbox stream → the publisher → SNS → the
counters queue → the counters function, in batches of 100, polled every 100 votes.

It prints, per vote: the hot-item writes (DynamoDB requests that write or condition-check the
poll's tally item, on the request path and in the consumers), the same for the story item (its
`view_count`, which the votes' first views move), requests, the median vote's time, and how
long the tally took to be exact after the last vote. A second vote of each voter is made too:
every one must be refused (409) and change nothing. The baseline, measured in the same run, is
the design this replaced: a vote is a transaction that puts the vote item and `ADD`s to the
tally.

    python -m benchmarks.poll_votes [--voters 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks import smoke
from benchmarks.hot_items import POLL_EVERY, Pipeline, written_keys
from benchmarks.moto_stack import observed, profiles, provisioned

type Key = tuple[str, str]


@dataclass
class Tally:
    requests: int = 0
    hot: int = 0
    story: int = 0


@contextmanager
def watching(hot: Key, story: Key, tally: Tally) -> Iterator[Tally]:
    """Counts DynamoDB requests into `tally`, and those that write or check `hot` or `story`."""

    def see(operation: str, params: dict[str, Any]) -> None:
        tally.requests += 1
        written = set(written_keys(operation, params))
        tally.hot += hot in written
        tally.story += story in written

    with observed(see):
        yield tally


@dataclass
class Result:
    name: str
    votes: int
    hot: float
    story: float
    requests: float
    p50_ms: float
    settle_s: float
    errors: int


def scenario(
    name: str,
    count: int,
    keys: tuple[Key, Key],
    act: Callable[[int], bool],
    stored: Callable[[], int],
    pipeline: Pipeline | None,
) -> Result:
    """`act(i)` for each voter, the consumers polled every POLL_EVERY votes; then settle."""
    errors, timings, seen = 0, [], Tally()
    for start in range(0, count, POLL_EVERY):
        with watching(*keys, seen):
            for index in range(start, min(count, start + POLL_EVERY)):
                started = time.perf_counter()
                errors += 0 if act(index) else 1
                timings.append(time.perf_counter() - started)
            if pipeline is not None and start + POLL_EVERY < count:
                pipeline.run()
    settled_at = time.perf_counter()
    with watching(*keys, seen):
        while pipeline is not None and stored() != count:
            pipeline.run()
            if time.perf_counter() - settled_at > 120:
                break
    errors += 0 if stored() == count else 1
    return Result(
        name,
        count,
        seen.hot / count,
        seen.story / count,
        seen.requests / count,
        statistics.median(timings) * 1000,
        time.perf_counter() - settled_at,
        errors,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=1000)
    args = smoke.parse(parser, {"voters": 40})
    count = args.voters

    with provisioned() as provisioner:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        results, refused = run(provisioner, count)

    print(f"{count:,} distinct viewers vote on one story's poll, in process on moto")
    header = (
        f"{'scenario':<40} {'hot writes/vote':>15} {'(story item)':>12} {'requests/vote':>13} "
        f"{'p50 ms':>7} {'exact after':>11} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<40} {r.hot:>15.3f} {r.story:>12.3f} {r.requests:>13.2f} "
            f"{r.p50_ms:>7.1f} {r.settle_s:>10.2f}s {r.errors:>6}"
        )
    baseline, glimpse = results
    print(
        f"tally writes per vote: {glimpse.hot:.3f} against the baseline's {baseline.hot:.3f} "
        f"({glimpse.hot / baseline.hot:.3f}x; target <= 0.05 per vote); second votes refused: "
        f"{refused:,} of {count:,}"
    )


def run(provisioner: Any, count: int) -> tuple[list[Result], int]:
    from glimpse.clock import new_id, now
    from glimpse.errors import Conflict
    from glimpse.models.media import MEDIA, MediaItem, media_pk
    from glimpse.models.stories import (
        STORY,
        StickerTally,
        StickerVote,
        Story,
        story_pk,
        tally_sk,
        vote_sk,
    )
    from glimpse.models.stories import owner_pk as story_owner_pk
    from glimpse.models.transactions import transaction
    from glimpse.stories import votes
    from glimpse.stories.access import ttl
    from glimpse.stories.schemas import VoteIn
    from infra.local import atomicity

    atomicity.install()
    voters = [f"voter-{i:05d}" for i in range(count)]
    profiles(["owner", *voters])

    def a_poll() -> tuple[str, str]:
        story_id, sticker_id, created, media_id = new_id(), new_id(), now(), new_id()
        expires = (created + ttl()).replace(microsecond=0)
        MediaItem(  # ready: others vote on a story once its media is (stories.votes)
            media_pk(media_id),
            MEDIA,
            media_id=media_id,
            owner_id="owner",
            kind="story",
            content_type="image/jpeg",
            size_bytes=1000,
            status="ready",
            width=1080,
            height=1920,
            renditions={s: f"renditions/{media_id}/{s}.jpg" for s in ("1080", "640", "320", "150")},
            created_at=created,
            updated_at=created,
        ).save()
        poll = {"sticker_id": sticker_id, "type": "poll", "x": 0.5, "y": 0.5, "scale": 1.0}
        poll |= {"rotation": 0.0, "question": "?", "options": ["yes", "no"]}
        Story(
            story_pk(story_id),
            STORY,
            story_id=story_id,
            owner_id="owner",
            media_id=media_id,
            audience="followers",
            created_at=created,
            expires_at=expires,
            owner_pk=story_owner_pk("owner"),
            story_sk=story_id,
            stickers=[poll],
        ).save()
        StickerTally(story_pk(story_id), tally_sk(sticker_id), expires_at=expires).save()
        return story_id, sticker_id

    def keys(story_id: str, sticker_id: str) -> tuple[Key, Key]:
        return (story_pk(story_id), tally_sk(sticker_id)), (story_pk(story_id), STORY)

    def votes_of(story_id: str, sticker_id: str) -> Callable[[], int]:
        key = (story_pk(story_id), tally_sk(sticker_id))
        return lambda: int(StickerTally.get(*key, consistent_read=True).votes)

    def old_vote(story_id: str, sticker_id: str) -> Callable[[int], bool]:
        def act(i: int) -> bool:
            try:
                with transaction() as tx:
                    tx.save(
                        StickerVote(
                            story_pk(story_id),
                            vote_sk(sticker_id, voters[i]),
                            voter_id=voters[i],
                            option=i % 2,
                            created_at=now(),
                            expires_at=now() + ttl(),
                        ),
                        condition=StickerVote.pk.does_not_exist(),
                    )
                    tx.update(
                        StickerTally(story_pk(story_id), tally_sk(sticker_id)),
                        actions=[StickerTally.votes.add(1), StickerTally.option_0.add(1)],
                        condition=StickerTally.pk.exists(),
                    )
            except Exception:
                return False
            return True

        return act

    def new_vote(story_id: str, sticker_id: str) -> Callable[[int], bool]:
        def act(i: int) -> bool:
            try:
                votes.vote(voters[i], story_id, sticker_id, VoteIn(option=i % 2))
            except Exception:
                return False
            return True

        return act

    old, new = a_poll(), a_poll()
    pipeline = Pipeline(provisioner)
    results = [
        scenario(
            "vote (baseline: ADD in the request)",
            count,
            keys(*old),
            old_vote(*old),
            votes_of(*old),
            None,
        ),
        scenario(
            "vote (Glimpse: counted from events)",
            count,
            keys(*new),
            new_vote(*new),
            votes_of(*new),
            pipeline,
        ),
    ]
    refused = 0
    for voter in voters:
        try:
            votes.vote(voter, new[0], new[1], VoteIn(option=0))
        except Conflict:
            refused += 1
    pipeline.run()
    if votes_of(*new)() != count:
        refused = -1  # a second vote changed the tally: the table's last line says so
    return results, refused


if __name__ == "__main__":
    main()
