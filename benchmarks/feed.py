"""`GET /feed` latency in-process: a reader following 1,000 accounts (50 of them celebrity
accounts, merged at read time), 20,000 posts, a feed partition of 500 fanned-out entries.

Runs the feed function's handler on moto (tables from template.yaml) and prints p50/p99 per
order, the DynamoDB requests per call, and, as the baseline measured in the same run, one
plain Query of the reader's feed partition (the least any feed read must do).

    python -m benchmarks.feed [--requests 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import LambdaContext, post_item, provisioned

ROOT = Path(__file__).resolve().parents[1]
FOLLOWS, CELEBRITIES, POSTS, FEED_ENTRIES = 1000, 50, 20_000, 500
FRESH = 5  # celebrities with posts newer than the first page, in the last scenario


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = smoke.parse(parser, {"requests": 3})
    global FOLLOWS, CELEBRITIES, POSTS, FEED_ENTRIES  # smoke mode scales them down
    if args.smoke:
        FOLLOWS, CELEBRITIES, POSTS, FEED_ENTRIES = 60, 6, 300, 50
    with provisioned():
        from benchmarks.moto_stack import counted
        from functions.feed import app as feed_app
        from glimpse.clock import new_id, now
        from glimpse.models.batch import write_many
        from glimpse.models.feed import CELEBRITIES as CELEBRITY_SET
        from glimpse.models.feed import FeedItem, author_sk, feed_pk
        from glimpse.models.graph import FOLLOWS as FOLLOWS_EDGE
        from glimpse.models.graph import Edge, edge_key
        from glimpse.models.media import MEDIA, MediaItem, media_pk
        from glimpse.models.posts import POST, Post, author_pk, post_pk
        from glimpse.models.users import PROFILE, UserProfile, user_pk

        started = time.perf_counter()
        moment = now()
        reader = "reader"
        authors = [f"author-{i:04d}" for i in range(FOLLOWS)]
        celebrities = set(authors[:CELEBRITIES])
        profiles = [
            UserProfile(
                user_pk(uid),
                PROFILE,
                user_id=uid,
                username=uid,
                email=f"{uid}@example.com",
                is_celebrity=uid in celebrities,
                created_at=moment,
                updated_at=moment,
            )
            for uid in [reader, *authors]
        ]
        write_many(UserProfile, puts=profiles)
        write_many(
            Edge,
            puts=[Edge(*edge_key(reader, FOLLOWS_EDGE, a), other_id=a) for a in authors],
        )
        FeedItem(feed_pk(reader), CELEBRITY_SET, celebrity_ids=celebrities).save()
        posts, media = [], []
        for index in range(POSTS):
            author = authors[index % FOLLOWS]
            post_id, media_id = new_id(), new_id()
            posts.append(
                post_item(
                    author,
                    post_id=post_id,
                    media_ids=[media_id],
                    caption=f"post {index}",
                    like_count=index % 50,
                    comment_count=index % 7,
                )
            )
            media.append(
                MediaItem(
                    media_pk(media_id),
                    MEDIA,
                    media_id=media_id,
                    owner_id=author,
                    kind="post",
                    content_type="image/jpeg",
                    size_bytes=1,
                    status="ready",
                    width=1080,
                    height=1080,
                    renditions={"1080": f"renditions/{media_id}/1080.jpg"},
                    used_by=post_id,
                    created_at=moment,
                    updated_at=moment,
                )
            )
        write_many(Post, puts=posts)
        write_many(MediaItem, puts=media)
        newest = {p.author_id: p.post_id for p in posts}  # posts are in time order
        for profile in profiles[1:]:
            profile.last_post_id = newest[profile.user_id]
        write_many(UserProfile, puts=profiles)
        fanned = [p for p in posts if p.author_id not in celebrities][-FEED_ENTRIES:]
        write_many(
            FeedItem,
            puts=[
                FeedItem(
                    feed_pk(reader),
                    p.post_id,
                    author_id=p.author_id,
                    author_sk=author_sk(p.author_id, p.post_id),
                )
                for p in fanned
            ],
        )
        print(
            f"set-up: {FOLLOWS:,} follows ({CELEBRITIES} celebrity accounts), {POSTS:,} posts, "
            f"{FEED_ENTRIES} feed entries ({time.perf_counter() - started:.1f} s)"
        )

        event = json.loads((ROOT / "events/feed/get_feed.json").read_text())
        event["requestContext"]["authorizer"]["claims"]["sub"] = reader

        def timed_feed(order: str) -> tuple[float, Counter[str]]:
            event["queryStringParameters"] = {"order": order}
            event["multiValueQueryStringParameters"] = {"order": [order]}
            with counted() as calls:
                begin = time.perf_counter()
                response: dict[str, Any] = feed_app.lambda_handler(event, LambdaContext("feed"))
                elapsed = (time.perf_counter() - begin) * 1000
            assert response["statusCode"] == 200, response["body"]
            assert len(json.loads(response["body"])["items"]) == 20
            return elapsed, calls

        def timed_query() -> float:
            begin = time.perf_counter()
            list(FeedItem.query(feed_pk(reader), scan_index_forward=False, limit=20))
            return (time.perf_counter() - begin) * 1000

        timed_feed("chronological")  # warm-up (imports, cursor key, connections)
        baseline = [timed_query() for _ in range(args.requests)]
        print(f"{args.requests} requests each, page of 20")
        header = f"{'read':<38} {'p50 ms':>8} {'p99 ms':>8} {'x query':>8} {'DynamoDB calls':>15}"
        print(header)
        print("-" * len(header))
        base_p50 = statistics.median(baseline)
        print(
            f"{'baseline: one feed Query':<38} {base_p50:>8.1f} "
            f"{percentile(baseline, 0.99):>8.1f} {1.0:>7.2f}x {1:>15}"
        )
        scenarios: list[tuple[str, str]] = [("chronological", ""), ("ranked", "")]
        for order, note in scenarios:
            runs = [timed_feed(order) for _ in range(args.requests)]
            samples = [ms for ms, _calls in runs]
            calls = runs[-1][1]
            described = (
                f"{sum(calls.values())} ({calls['Query']} Query, {calls['BatchGetItem']} Batch)"
            )
            print(
                f"{'GET /feed?order=' + order + note:<38} {statistics.median(samples):>8.1f} "
                f"{percentile(samples, 0.99):>8.1f} {statistics.median(samples) / base_p50:>7.2f}x "
                f"{described:>15}"
            )
            if note == "" and order == "ranked":
                # Five celebrities post now: their posts are fresh for the first page.
                for author in sorted(celebrities)[:FRESH]:
                    post_id = new_id()
                    Post(
                        post_pk(post_id),
                        POST,
                        post_id=post_id,
                        author_id=author,
                        media_ids=[],
                        created_at=now(),
                        author_pk=author_pk(author),
                        post_sk=post_id,
                    ).save()
                    UserProfile(user_pk(author), PROFILE).update(
                        actions=[UserProfile.last_post_id.set(post_id)]
                    )
                scenarios.append(("chronological", f" ({FRESH} fresh)"))


if __name__ == "__main__":
    main()
