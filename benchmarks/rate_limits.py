"""Rate limits: DynamoDB requests and time per limited call (`glimpse.api.limits.spend`).

In process on moto (the RateLimits table from template.yaml). Three patterns, each `--calls`
times on fresh buckets:
- steady: one call per bucket at a time, spaced as a caller within its budget is (a full
  bucket each time: the common case);
- burst: a caller spending its whole quota at once, then being refused;
- refused: calls on a bucket already empty.
The baseline, measured in the same run, is a read then a conditional write (GetItem, then
UpdateItem conditioned on what was read), the obvious way to keep a bucket.

    python -m benchmarks.rate_limits [--calls 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import observed, provisioned


@contextmanager
def counting(tally: list[int]) -> Iterator[None]:
    def see(_operation: str, _params: dict[str, Any]) -> None:
        tally[0] += 1

    with observed(see):
        yield


def measure(calls: int, one: Callable[[int], object]) -> tuple[float, float]:
    """(DynamoDB requests per call, median milliseconds per call)."""
    tally, times = [0], []
    with counting(tally):
        for i in range(calls):
            started = time.perf_counter()
            one(i)
            times.append((time.perf_counter() - started) * 1000)
    return tally[0] / calls, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = smoke.parse(parser, {"calls": 50})
    with provisioned():
        from glimpse.api.limits import BUDGETS, spend
        from glimpse.models.base import get_or_none
        from glimpse.models.rate_limits import Bucket

        comments = BUDGETS["comments"]
        quota = comments.quota
        start = time.time()

        def steady(i: int) -> object:  # a fresh (full) bucket each call
            return spend(f"user#steady{i}#comments", comments, quota, start + i)

        def burst(i: int) -> object:  # one caller, its quota at once, then refused
            return spend(f"user#burst{i // (quota + 5)}#comments", comments, quota, start)

        def refused(i: int) -> object:
            return spend("user#empty#comments", comments, quota, start)

        for _ in range(quota + 1):
            refused(0)  # empty it first

        def baseline(i: int) -> object:  # read, then write conditioned on what was read
            key = f"user#base{i}#comments"
            found = get_or_none(Bucket, key)
            full_at = found.full_at if found is not None else None
            condition = (
                Bucket.full_at.does_not_exist() if full_at is None else Bucket.full_at == full_at
            )
            Bucket(key).update(actions=[Bucket.full_at.set(start + 2)], condition=condition)
            return None

        rows = [
            ("steady (a token left)", measure(args.calls, steady)),
            ("burst (quota, then refused)", measure(args.calls, burst)),
            ("refused (an empty bucket)", measure(args.calls, refused)),
            ("baseline: read, then conditional write", measure(args.calls, baseline)),
        ]
    print(f"rate limits: {args.calls} calls per pattern, moto in process")
    print(f"{'pattern':<42} {'requests/call':>14} {'median ms':>10}")
    for name, (requests, median) in rows:
        print(f"{name:<42} {requests:>14.2f} {median:>10.2f}")
    steady_requests = rows[0][1][0]
    print(f"steady call vs baseline: {steady_requests:.2f} vs {rows[3][1][0]:.2f} requests")


if __name__ == "__main__":
    main()
