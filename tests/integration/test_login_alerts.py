"""Login alerts' memory of devices (glimpse.auth.devices) on moto: the first sign-in ever
alerts nobody, a known device does not, one unseen for 90 days does (`new_device_login` in
the outbox, written with the device), and an account remembers its 20 most recent devices."""

from __future__ import annotations

import json

import pytest

from glimpse.auth import devices
from glimpse.models.logins import LOGINS, Logins, user_pk
from glimpse.models.outbox import OutboxEvent
from tests.integration.conftest import Stack, unique_name
from tests.integration.iam import attributed

DAY = 86400.0


def alerts(user: str) -> int:
    """The `new_device_login` events the account's sign-ins have published so far."""
    bodies = [json.loads(e.body) for e in OutboxEvent.scan() if e.type == "new_device_login"]
    return sum(body["user_id"] == user for body in bodies)


def signs_in(user: str, agent: str) -> bool:
    """Whether this sign-in alerted the account."""
    before = alerts(user)
    with attributed("AuthFunction"):  # a sign-in through POST /auth/login records it
        devices.signed_in(user, agent)
    return alerts(user) == before + 1


def test_new_devices_are_those_unseen_for_90_days(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, clock = unique_name(), [1_800_000_000.0]
    monkeypatch.setattr(devices.time, "time", lambda: clock[0])
    assert signs_in(user, "phone") is False  # the first sign-in ever
    assert signs_in(user, "laptop") is True
    assert signs_in(user, "laptop") is False
    clock[0] += 89 * DAY
    assert signs_in(user, "phone") is False
    clock[0] += 91 * DAY
    assert signs_in(user, "laptop") is True


def test_an_account_remembers_its_most_recent_devices(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, clock = unique_name(), [1_800_000_000.0]
    monkeypatch.setattr(devices.time, "time", lambda: clock[0])
    for n in range(devices.KEPT + 5):
        clock[0] += 1
        devices.signed_in(user, f"agent {n}")
    assert len(Logins.get(user_pk(user), LOGINS).devices.as_dict()) == devices.KEPT
    assert signs_in(user, "agent 0") is True  # forgotten, so new again
    assert signs_in(user, f"agent {devices.KEPT + 4}") is False


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        ("curl/8.5.0", "curl"),
        ("Glimpse/1.0 \u202e", "Glimpse/1.0"),
        ("", "an unknown device"),
    ],
)
def test_a_device_is_named_from_its_user_agent(agent: str, name: str) -> None:
    assert devices.device_name(agent) == name
