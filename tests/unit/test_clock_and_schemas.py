from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from glimpse.auth.schemas import SignupIn
from glimpse.clock import iso, new_id


def test_iso_is_utc_with_milliseconds() -> None:
    assert iso(datetime(2026, 11, 21, 9, 30, 0, 123456, tzinfo=UTC)) == "2026-11-21T09:30:00.123Z"


def test_ids_are_time_sortable_ulids() -> None:
    first, second = new_id(), new_id()
    assert len(first) == 26
    assert first <= second


def test_signup_normalises_case_and_checks_the_username() -> None:
    body = SignupIn(username="Alice.B_1", email="A@Example.COM", password="x")
    assert (body.username, body.email) == ("alice.b_1", "a@example.com")
    for bad in ("ab", "a" * 31, "no-dash", "émile"):
        with pytest.raises(ValidationError):
            SignupIn(username=bad, email="a@example.com", password="x")
