"""The rate limits' arithmetic: token buckets kept as the moment they are full again, the
lock-out after failed logins, the route table and the header syntax (glimpse.api.limits)."""

from __future__ import annotations

import pytest

from glimpse.api import limits
from glimpse.api.limits import (
    BUDGETS,
    Decision,
    Spent,
    budgets_of,
    lockout_seconds,
    rate_limit_headers,
    scaled,
    take,
)
from infra.local.template import Template
from tests.conftest import ROOT

NOW = 1_800_000_000.0


def drain(quota: int, window: int, calls: int, now: float = NOW) -> list[Decision]:
    full_at: float | None = None
    answers = []
    for _ in range(calls):
        after, decision = take(full_at, now, quota, window)
        full_at = after if after is not None else full_at
        answers.append(decision)
    return answers


def test_a_full_bucket_allows_its_quota_at_once_then_refuses() -> None:
    answers = drain(30, 60, 31)
    assert [a.allowed for a in answers] == [True] * 30 + [False]
    assert [a.remaining for a in answers[:3]] == [29, 28, 27]
    assert answers[29].remaining == 0
    assert answers[29].reset == 60  # empty: full again in a window
    refused = answers[30]
    assert refused.retry_after == 2  # a token every 2 s
    assert refused.remaining == 0


def test_tokens_come_back_evenly_and_never_beyond_the_quota() -> None:
    full_at: float | None = None
    for _ in range(30):
        full_at, _ = take(full_at, NOW, 30, 60)
    assert full_at == pytest.approx(NOW + 60)
    after, decision = take(full_at, NOW + 1.9, 30, 60)
    assert after is None
    assert decision.retry_after == 1
    after, decision = take(full_at, NOW + 2, 30, 60)  # one token back
    assert after is not None
    assert decision.allowed
    assert decision.remaining == 0
    after, decision = take(full_at, NOW + 3600, 30, 60)  # long idle: full, not 1,800 tokens
    assert decision.remaining == 29
    assert after == pytest.approx(NOW + 3602)


def test_an_absent_or_stale_bucket_is_full() -> None:
    for full_at in (None, NOW - 5):
        after, decision = take(full_at, NOW, 25, 3600)
        assert decision == Decision(True, 24, 144)
        assert after == pytest.approx(NOW + 144)


def test_the_scale_multiplies_every_quota_and_zero_turns_them_off() -> None:
    assert scaled(30, 1) == 30
    assert scaled(30, 1000) == 30_000
    assert scaled(25, 0.01) == 1  # never below one call
    assert scaled(30, 0) == 0


def test_lockouts_double_after_repeated_failures_up_to_an_hour() -> None:
    assert [lockout_seconds(n, 5) for n in range(1, 5)] == [0, 0, 0, 0]
    assert [lockout_seconds(n, 5) for n in range(5, 9)] == [60, 120, 240, 480]
    assert lockout_seconds(40, 5) == 3600
    assert lockout_seconds(100, 0) == 0  # limits off


def test_headers_follow_the_draft_syntax() -> None:
    comments = Spent(BUDGETS["comments"], 30, Decision(True, 29, 2))
    assert rate_limit_headers([comments]) == {
        "RateLimit-Policy": '"comments";q=30;w=60',
        "RateLimit": '"comments";r=29;t=2',
    }
    login = Spent(BUDGETS["login"], 10, Decision(True, 9, 6))
    login_ip = Spent(BUDGETS["login-ip"], 10, Decision(True, 3, 42))
    assert rate_limit_headers([login, login_ip]) == {
        "RateLimit-Policy": '"login";q=10;w=60, "login-ip";q=10;w=60',
        "RateLimit": '"login";r=9;t=6, "login-ip";r=3;t=42',
    }
    assert rate_limit_headers([]) == {}


def test_the_budgets_the_issue_names() -> None:
    expected = {
        "login": (10, 60, "username"),
        "login-ip": (10, 60, "ip"),
        "signup": (20, 3600, "ip"),
        "posts": (25, 3600, "user"),
        "comments": (30, 60, "user"),
        "follows": (60, 3600, "user"),
        "messages": (100, 60, "user"),
        "conversations": (20, 86400, "user"),
    }
    for name, (quota, window, per) in expected.items():
        budget = BUDGETS[name]
        assert (budget.quota, budget.window, budget.per) == (quota, window, per), name


def test_every_write_and_every_auth_call_of_the_template_spends_a_budget() -> None:
    template = Template.load(ROOT / "template.yaml")
    routes = set(template.api_routes())
    for method, path in routes:
        spends = budgets_of(method, path)
        if method == "GET" and not path.startswith("/auth/"):
            assert spends == (), (method, path)
        else:
            assert spends, (method, path)
            assert all(name in BUDGETS for name in spends), (method, path)
    assert set(limits.ROUTES) <= routes, set(limits.ROUTES) - routes  # no stale entry
