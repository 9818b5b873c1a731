"""EventBridge schedule expressions: `rate(...)` and `cron(...)` (AWS's six-field form)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


class ScheduleError(ValueError):
    pass


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    if text in {"*", "?"}:
        return set(range(low, high + 1))
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in {"*", ""}:
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"cannot read {text!r} in a cron field")
    return int(text)


class Schedule:
    """When a schedule fires next, after a given moment."""

    def __init__(self, expression: str) -> None:
        self.expression = expression.strip()
        rate = re.fullmatch(r"rate\((\d+)\s+(\w+)\)", self.expression)
        cron = re.fullmatch(r"cron\((.+)\)", self.expression)
        self.period: timedelta | None = None
        if rate:
            unit = rate.group(2)
            if unit not in _UNITS or int(rate.group(1)) < 1:
                raise ScheduleError(f"bad rate expression {expression!r}")
            self.period = timedelta(seconds=int(rate.group(1)) * _UNITS[unit])
        elif cron:
            fields = cron.group(1).split()
            if len(fields) != 6:
                raise ScheduleError(f"cron needs 6 fields: {expression!r}")
            self.minutes = _field(fields[0], 0, 59)
            self.hours = _field(fields[1], 0, 23)
            self.days = _field(fields[2].replace("L", "31"), 1, 31)
            self.months = _field(fields[3], 1, 12, _MONTHS)
            self.weekdays = _field(fields[4].split("#")[0].replace("L", ""), 1, 7, _DAYS)
            self.any_day, self.any_weekday = fields[2] in {"*", "?"}, fields[4] in {"*", "?"}
            self.years = None if fields[5] in {"*", "?"} else _field(fields[5], 1970, 2199)
        else:
            raise ScheduleError(f"not a schedule expression: {expression!r}")

    def _matches(self, moment: datetime) -> bool:
        weekday = (moment.isoweekday() % 7) + 1  # SUN=1 … SAT=7
        day_ok = (
            (moment.day in self.days or weekday in self.weekdays)
            if not (self.any_day or self.any_weekday)
            else (moment.day in self.days and weekday in self.weekdays)
        )
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and day_ok
            and (self.years is None or moment.year in self.years)
        )

    def next_after(self, moment: datetime) -> datetime:
        if self.period is not None:
            return moment + self.period
        candidate = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(60 * 24 * 366 * 2):
            if self._matches(candidate):
                return candidate
            candidate += timedelta(minutes=1)
        raise ScheduleError(f"{self.expression} never fires")
