from datetime import UTC, datetime

import pytest

from infra.local.schedule import Schedule, ScheduleError

START = datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC)  # a Saturday


def test_rate() -> None:
    assert Schedule("rate(5 minutes)").next_after(START) == datetime(
        2026, 11, 21, 9, 35, 15, tzinfo=UTC
    )
    assert Schedule("rate(1 day)").next_after(START).day == 22


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 12 * * ? *)", datetime(2026, 11, 21, 12, 0, tzinfo=UTC)),
        ("cron(15 10 ? * MON-FRI *)", datetime(2026, 11, 23, 10, 15, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 21, 9, 45, tzinfo=UTC)),
        ("cron(0 8 1 * ? *)", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_cron(expression: str, expected: datetime) -> None:
    assert Schedule(expression).next_after(START) == expected


@pytest.mark.parametrize(
    "bad", ["rate(0 minutes)", "rate(5 weeks)", "cron(* * *)", "every day", "cron(61 * * * ? *)"]
)
def test_bad_expressions(bad: str) -> None:
    with pytest.raises(ScheduleError):
        Schedule(bad)
