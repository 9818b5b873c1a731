"""Pure pieces of the social features: captions, ranking, batch retries (cursors have their
own file, test_cursors.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from glimpse.feed import ranking
from glimpse.models import batch
from glimpse.posts import text

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("caption", "tags", "names"),
    [
        ("Sunset #Beach #beach #sea", ["beach", "sea"], []),
        ("with @Alice and @bob.smith. and @al", [], ["alice", "bob.smith"]),
        ("email me: a@b.com, not#tag, ##double", ["double"], []),
        ("#café @émile", ["café"], []),
        ("", [], []),
    ],
)
def test_captions_yield_hashtags_and_mentions(
    caption: str, tags: list[str], names: list[str]
) -> None:
    assert text.hashtags(caption) == tags
    assert text.mentions(caption) == names


def test_ranking_prefers_recent_engaging_and_familiar_posts() -> None:
    fresh = ranking.score(NOW, 0, 0, 0, NOW)
    old = ranking.score(NOW - timedelta(hours=12), 0, 0, 0, NOW)
    assert fresh > old
    assert ranking.score(NOW, 50, 0, 0, NOW) > fresh
    assert ranking.score(NOW, 0, 5, 0, NOW) > ranking.score(
        NOW, 5, 0, 0, NOW
    )  # comments weigh more
    assert ranking.score(NOW, 0, 0, 10, NOW) > fresh
    assert ranking.score(NOW - timedelta(hours=6), 0, 0, 0, NOW) == pytest.approx(fresh / 2)
    assert ranking.score(NOW + timedelta(minutes=5), -3, -1, -2, NOW) == fresh  # clamped


class FakeConnection:
    """Answers BatchWriteItem with some items unprocessed the first `stubborn` times."""

    def __init__(self, stubborn: int) -> None:
        self.stubborn = stubborn
        self.requests: list[int] = []

    def dispatch(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchWriteItem"
        (items,) = kwargs["RequestItems"].values()
        self.requests.append(len(items))
        if self.stubborn:
            self.stubborn -= 1
            return {"UnprocessedItems": {"t": items[: max(1, len(items) // 2)]}}
        return {}


class FakeModel:
    class Meta:
        table_name = "t"

    def __init__(self, n: int) -> None:
        self.n = n

    def serialize(self) -> dict[str, Any]:
        return {"pk": {"S": str(self.n)}}


def test_batch_writes_resend_unprocessed_items_with_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = FakeConnection(stubborn=2)
    monkeypatch.setattr(batch, "_connection", lambda _model: connection)
    sleeps: list[float] = []
    made = batch.write_many(FakeModel, puts=[FakeModel(i) for i in range(30)], sleep=sleeps.append)  # type: ignore[arg-type]
    assert connection.requests == [25, 12, 6, 5]  # 25, its leftovers twice, then the last 5
    assert made == 4
    assert len(sleeps) == 2
    assert all(0 <= s <= 2.0 for s in sleeps)


def test_batch_writes_give_up_after_max_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = FakeConnection(stubborn=100)
    monkeypatch.setattr(batch, "_connection", lambda _model: connection)
    with pytest.raises(RuntimeError, match="unprocessed"):
        batch.write_many(FakeModel, puts=[FakeModel(i) for i in range(4)], sleep=lambda _s: None)  # type: ignore[arg-type]
    assert len(connection.requests) == batch.MAX_ATTEMPTS


def test_backoff_grows_and_is_capped() -> None:
    assert max(batch.backoff(1) for _ in range(200)) <= 0.1
    assert max(batch.backoff(10) for _ in range(200)) <= 2.0
