"""The HyperLogLog sketch behind reach (glimpse.hll): within 2% of exact counts, mergeable,
idempotent, and stored sparse or dense under DynamoDB's item limit."""

from __future__ import annotations

import pytest

from glimpse.hll import DENSE_BYTES, Sketch


def ids(start: int, stop: int) -> list[str]:
    """Account-like ids (deterministic: the hash is too, so these tests are never flaky)."""
    return [f"01J{n:023d}" for n in range(start, stop)]


@pytest.mark.parametrize("exact", [0, 1, 7, 100, 1_000, 5_000, 20_000, 100_000])
def test_reach_is_within_two_percent_of_the_exact_distinct_count(exact: int) -> None:
    sketch = Sketch.of(ids(0, exact))
    assert abs(sketch.count() - exact) <= 0.02 * exact


def test_one_hundred_thousand_viewers_seen_many_times_count_once_each() -> None:
    viewers = ids(0, 100_000)
    sketch = Sketch()
    for _round in range(3):
        sketch.update(viewers)
    exact = len(set(viewers))
    assert abs(sketch.count() - exact) / exact < 0.02


def test_small_counts_are_exact() -> None:
    """Few viewers (most posts) are counted exactly: linear counting over 16,384 registers."""
    for exact in (1, 2, 3, 10, 50):
        assert Sketch.of(ids(0, exact)).count() == exact


def test_merging_days_counts_the_union_not_the_sum() -> None:
    """Seven days of 20,000 viewers each, overlapping: reach is the union, within 2%."""
    days = [Sketch.of(ids(day * 10_000, day * 10_000 + 20_000)) for day in range(7)]
    union = Sketch.union(days)
    exact = 6 * 10_000 + 20_000
    assert abs(union.count() - exact) / exact < 0.02
    assert union.count() < sum(day.count() for day in days)


def test_merge_is_idempotent_commutative_and_says_whether_it_changed() -> None:
    a, b = Sketch.of(ids(0, 3_000)), Sketch.of(ids(2_000, 6_000))
    ab = Sketch.union([a, b])
    ba = Sketch.union([b, a])
    assert ab == ba
    again = Sketch.from_bytes(ab.to_bytes())
    assert not again.merge(a)  # already in: nothing changes (a re-delivered batch)
    assert again == ab
    assert Sketch.of(ids(0, 10)).merge(Sketch.of(ids(10, 20)))


def test_stored_sparse_while_small_and_dense_after_round_trip() -> None:
    small = Sketch.of(ids(0, 100))
    stored = small.to_bytes()
    assert len(stored) == 2 + 3 * 100  # sparse: 3 bytes a register (no collisions at 100)
    assert Sketch.from_bytes(stored) == small
    big = Sketch.of(ids(0, 50_000))
    dense = big.to_bytes()
    assert len(dense) == 2 + DENSE_BYTES < 400_000 / 30
    assert Sketch.from_bytes(dense) == big
    assert Sketch.from_bytes(None).count() == 0


@pytest.mark.parametrize(
    "data", [b"X", b"H\x03", b"H\x01\x00\x00", b"H\x02" + b"\xff" * DENSE_BYTES, b"H\x02\x00"]
)
def test_bytes_that_are_not_a_sketch_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"sketch|register"):
        Sketch.from_bytes(data)
