"""`GET /stories/tray` and the fan-out of one story, in-process on moto.

Tray: a viewer following 1,000 accounts, 100 of which have live stories (10 of those are
celebrity accounts, merged at read time; the other 90 fanned out: 2 stories each in the
viewer's tray partition), and a seen marker for a third of them. Prints p50/p99 of the stories
function's handler and its DynamoDB requests, next to one plain Query of the tray partition
measured in the same run (the least any tray read must do).

Fan-out: one story to 10,000 followers through the fanout job logic (continuations fed back
in-process, as the queue would), its DynamoDB requests against the minimum: one Query page per
1,000 followers plus ceil(N / 25) BatchWriteItem requests.

    python -m benchmarks.tray [--requests 50] [--followers 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import smoke
from benchmarks.feed import percentile
from benchmarks.moto_stack import LambdaContext, counted, profiles, provisioned

ROOT = Path(__file__).resolve().parents[1]
FOLLOWS, WITH_STORIES, CELEBRITIES, STORIES_EACH = 1000, 100, 10, 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--followers", type=int, default=10_000)
    args = smoke.parse(parser, {"requests": 3, "followers": 100})
    global FOLLOWS, WITH_STORIES, CELEBRITIES  # smoke mode scales them down
    if args.smoke:
        FOLLOWS, WITH_STORIES, CELEBRITIES = 60, 12, 3
    with provisioned():
        from functions.stories import app as stories_app
        from glimpse import jobs
        from glimpse.clock import new_id, now
        from glimpse.consumers import feed_jobs
        from glimpse.events import StoryCreated
        from glimpse.models.batch import write_many
        from glimpse.models.feed import CELEBRITIES as CELEBRITY_SET
        from glimpse.models.feed import FeedItem, feed_pk
        from glimpse.models.graph import FOLLOWER, Edge, edge_key
        from glimpse.models.graph import FOLLOWS as FOLLOWS_EDGE
        from glimpse.models.stories import (
            STORY,
            Story,
            TrayMarker,
            marker_sk,
            owner_pk,
            seen_sk,
            story_pk,
            tray_pk,
        )

        started = time.perf_counter()
        viewer = "viewer"
        accounts = [f"account-{i:04d}" for i in range(FOLLOWS)]
        posting = accounts[:WITH_STORIES]
        celebrities = frozenset(posting[:CELEBRITIES])
        profiles([viewer, *accounts], celebrities=celebrities)
        write_many(
            Edge, puts=[Edge(*edge_key(viewer, FOLLOWS_EDGE, a), other_id=a) for a in accounts]
        )
        FeedItem(feed_pk(viewer), CELEBRITY_SET, celebrity_ids=set(celebrities)).save()
        moment = now()
        expires = moment + timedelta(hours=12)

        def story_item(owner: str) -> Story:
            sid = new_id()
            return Story(
                story_pk(sid),
                STORY,
                story_id=sid,
                owner_id=owner,
                media_id=new_id(),
                audience="followers",
                created_at=moment,
                expires_at=expires,
                owner_pk=owner_pk(owner),
                story_sk=sid,
            )

        stories: list[Story] = []
        markers = []
        for owner in posting:
            for _ in range(STORIES_EACH):
                stories.append(story_item(owner))
                sid = stories[-1].story_id
                if owner not in celebrities:
                    markers.append(
                        TrayMarker(
                            tray_pk(viewer),
                            marker_sk(owner, sid),
                            owner_id=owner,
                            story_id=sid,
                            audience="followers",
                            expires_at=expires,
                        )
                    )
        for owner in posting[::3]:
            latest = max(s.story_id for s in stories if s.owner_id == owner)
            markers.append(
                TrayMarker(
                    tray_pk(viewer),
                    seen_sk(owner),
                    owner_id=owner,
                    story_id=latest,
                    expires_at=expires,
                )
            )
        write_many(Story, puts=stories)
        write_many(TrayMarker, puts=markers)
        print(
            f"set-up: {FOLLOWS:,} follows, {WITH_STORIES} with live stories ({CELEBRITIES} "
            f"celebrities), {len(markers)} tray items ({time.perf_counter() - started:.1f} s)"
        )

        event = json.loads((ROOT / "events/stories/tray.json").read_text())
        event["requestContext"]["authorizer"]["claims"]["sub"] = viewer

        def timed_tray() -> tuple[float, Any]:
            with counted() as calls:
                begin = time.perf_counter()
                response: dict[str, Any] = stories_app.lambda_handler(
                    event, LambdaContext("stories")
                )
                elapsed = (time.perf_counter() - begin) * 1000
            assert response["statusCode"] == 200, response["body"]
            assert len(json.loads(response["body"])["items"]) == WITH_STORIES
            return elapsed, calls

        def timed_query() -> float:
            begin = time.perf_counter()
            list(TrayMarker.query(tray_pk(viewer)))
            return (time.perf_counter() - begin) * 1000

        timed_tray()  # warm-up: imports, connections
        baseline = [timed_query() for _ in range(args.requests)]
        runs = [timed_tray() for _ in range(args.requests)]
        samples = [ms for ms, _ in runs]
        calls = runs[-1][1]
        base_p50 = statistics.median(baseline)
        header = f"{'read':<34} {'p50 ms':>8} {'p99 ms':>8} {'x query':>8} {'DynamoDB calls':>24}"
        print(f"{args.requests} requests each")
        print(header)
        print("-" * len(header))
        print(
            f"{'baseline: one tray Query':<34} {base_p50:>8.1f} "
            f"{percentile(baseline, 0.99):>8.1f} {1.0:>7.2f}x {1:>24}"
        )
        described = (
            f"{sum(calls.values())} ({calls['Query']} Query, {calls['GetItem']} Get, "
            f"{calls['BatchGetItem']} Batch)"
        )
        print(
            f"{'GET /stories/tray':<34} {statistics.median(samples):>8.1f} "
            f"{percentile(samples, 0.99):>8.1f} {statistics.median(samples) / base_p50:>7.2f}x "
            f"{described:>24}"
        )

        # ------------------------------------------------------------- fan-out of one story
        owner = "storyteller"
        followers = [f"follower-{i:06d}" for i in range(args.followers)]
        profiles([owner])
        write_many(Edge, puts=[Edge(*edge_key(owner, FOLLOWER, f), other_id=f) for f in followers])
        story = story_item(owner)
        story.save()
        sid = story.story_id
        queue: list[dict[str, Any]] = []
        with counted() as fan_calls:
            begin = time.perf_counter()
            feed_jobs.on_event(
                StoryCreated(story_id=sid, owner_id=owner, audience="followers"), queue.extend
            )
            while queue:
                feed_jobs.run(queue.pop(0), queue.extend)
            elapsed = time.perf_counter() - begin
        pages = math.ceil(args.followers / jobs.PAGE)
        minimum = pages + math.ceil(args.followers / 25)
        total = sum(fan_calls.values())
        written = sum(1 for _ in TrayMarker.scan(TrayMarker.sk == marker_sk(owner, sid)))
        assert written == args.followers, written
        print(
            f"\nfan-out of one story to {args.followers:,} followers: {total} DynamoDB requests "
            f"(minimum {minimum}: {pages} Query pages + {math.ceil(args.followers / 25)} "
            f"BatchWriteItem), ratio {total / minimum:.2f}; {dict(fan_calls)}; "
            f"{elapsed * 1000 / args.followers * 1000:.0f} ms per 1,000 followers on moto"
        )


if __name__ == "__main__":
    main()
