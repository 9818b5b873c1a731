from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from glimpse.auth.schemas import SignupIn
from glimpse.clock import first_id_at, iso, new_id, time_of


def test_iso_is_utc_with_milliseconds() -> None:
    assert iso(datetime(2026, 11, 21, 9, 30, 0, 123456, tzinfo=UTC)) == "2026-11-21T09:30:00.123Z"


def test_ids_are_time_sortable_ulids() -> None:
    before = datetime.now(UTC).replace(microsecond=datetime.now(UTC).microsecond // 1000 * 1000)
    first, second = new_id(), new_id()
    assert len(first) == 26
    assert set(first) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert first[:10] <= second[:10]
    assert first != second
    assert before - timedelta(milliseconds=1) <= time_of(first) <= datetime.now(UTC)


def test_ulids_follow_the_spec() -> None:
    # The example of github.com/ulid/spec: its first 10 characters are this millisecond.
    assert time_of("01ARZ3NDEKTSV4RRFFQ69G5FAV") == datetime.fromtimestamp(1469922850.259, UTC)
    moment = datetime(2026, 11, 21, 9, 30, 0, 123000, tzinfo=UTC)
    smallest = first_id_at(moment)
    assert smallest.endswith("0" * 16)
    assert time_of(smallest) == moment
    assert first_id_at(moment + timedelta(milliseconds=1)) > smallest
    for bad in (
        "",
        "01ARZ3NDEKTSV4RRFFQ69G5FA",
        "81ARZ3NDEKTSV4RRFFQ69G5FAV",
        "01ARZ3NDEKTSV4RRFFQ69G5FAU",
    ):
        with pytest.raises(ValueError, match="not a ULID"):
            time_of(bad)


def test_signup_normalises_case_and_checks_the_username() -> None:
    body = SignupIn(username="Alice.B_1", email="A@Example.COM", password="x")
    assert (body.username, body.email) == ("alice.b_1", "a@example.com")
    for bad in ("ab", "a" * 31, "no-dash", "émile"):
        with pytest.raises(ValidationError):
            SignupIn(username=bad, email="a@example.com", password="x")
