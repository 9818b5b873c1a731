"""Rate limits through the handlers, at the template's default RateLimitScale (1): a burst
of comments meets its budget, scale 0 turns the limits off, and the login lock-out answers an
unknown username as it answers an existing one (glimpse.api.limits)."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import botocore.client
import pytest

from functions.auth import app as auth
from functions.posts import app as posts
from glimpse.api import limits
from glimpse.config import get_settings
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import Stack, as_user, unique_name
from tests.integration.social import User, make_user, post

PASSWORD = "correct-horse-1"


@pytest.fixture
def scale(stack: Stack) -> Iterator[Any]:
    """Sets RATE_LIMIT_SCALE for the test (the suite runs at 1000), then puts it back."""
    saved = os.environ["RATE_LIMIT_SCALE"]

    def set_scale(value: str) -> None:
        os.environ["RATE_LIMIT_SCALE"] = value
        get_settings.cache_clear()

    set_scale("1")
    yield set_scale
    set_scale(saved)
    limits._HOT.clear()


def new_ip() -> str:
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


def respond(event: dict[str, Any], handler: Any) -> tuple[int, Any, dict[str, str]]:
    event["headers"]["Origin"] = "https://app.example"
    event["multiValueHeaders"]["Origin"] = ["https://app.example"]
    response = handler(event, FakeContext())
    headers = {k: v[0] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    text = response.get("body")
    return response["statusCode"], json.loads(text) if text else None, headers


def comment(user: User, post_id: str, text: str = "nice") -> tuple[int, Any, dict[str, str]]:
    event = as_user("posts/create_comment", user.id, user.username)
    event.update(
        path=f"/posts/{post_id}/comments",
        pathParameters={"post_id": post_id},
        body=json.dumps({"text": text}),
    )
    return respond(event, posts.lambda_handler)


def login(username: str, password: str, ip: str) -> tuple[int, Any, dict[str, str]]:
    event = load_event("auth/login", body=json.dumps({"username": username, "password": password}))
    event["requestContext"]["identity"]["sourceIp"] = ip
    return respond(event, auth.lambda_handler)


def test_a_burst_of_comments_meets_its_budget(scale: Any) -> None:
    alice = make_user(prefix="alice")
    post_id = post(alice)  # the suite's scale: posts are not what this test spends
    # The burst happens in one instant, however slow this machine is (a token comes back
    # every 2 s of the limits' clock).
    moment = time.time()
    frozen = SimpleNamespace(time=lambda: moment)
    with mock.patch.object(limits, "time", frozen):
        answers = [comment(alice, post_id, f"comment {n}") for n in range(31)]
    assert [status for status, _, _ in answers] == [201] * 30 + [429]
    status, body, headers = answers[0]
    assert headers["RateLimit-Policy"] == '"comments";q=30;w=60'
    assert headers["RateLimit"] == '"comments";r=29;t=2'
    assert answers[29][2]["RateLimit"] in {'"comments";r=0;t=60', '"comments";r=0;t=59'}
    status, body, headers = answers[30]
    assert body["error"]["code"] == "rate_limited"
    assert headers["Retry-After"] in {"1", "2"}  # a token every 2 s
    assert headers["RateLimit-Policy"] == '"comments";q=30;w=60'
    assert headers["RateLimit"].startswith('"comments";r=0;t=')
    exposed = {h.strip().lower() for h in headers["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "ratelimit", "ratelimit-policy", "x-amzn-requestid"} <= exposed
    # Another user's budget is their own; a read spends nothing and says nothing.
    bob = make_user(prefix="bob")
    assert comment(bob, post_id)[0] == 201
    read = as_user("posts/get_post", alice.id, alice.username)
    read.update(path=f"/posts/{post_id}", pathParameters={"post_id": post_id})
    status, _, headers = respond(read, posts.lambda_handler)
    assert status == 200
    assert "RateLimit" not in headers


def test_a_limited_call_is_one_conditional_update(scale: Any) -> None:
    alice = make_user(prefix="alice")
    post_id = post(alice)
    for _ in range(2):  # a full bucket, then one this process knows is partly empty
        with dynamodb_requests() as requests:
            assert comment(alice, post_id)[0] == 201
        limited = [(op, p) for op, p in requests if "RateLimitsTable" in str(p.get("TableName"))]
        assert [op for op, _ in limited] == ["UpdateItem"]
        assert "ConditionExpression" in limited[0][1]


@contextmanager
def dynamodb_requests() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    made: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            made.append((operation, params))
        return original(client, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        yield made


def test_scale_zero_turns_the_limits_off(scale: Any) -> None:
    scale("0")
    alice = make_user(prefix="alice")
    post_id = post(alice)
    answers = [comment(alice, post_id) for _ in range(35)]
    assert {status for status, _, _ in answers} == {201}
    assert not any("RateLimit" in headers for _, _, headers in answers)


def test_errors_of_a_limited_route_carry_its_headers(scale: Any) -> None:
    alice = make_user(prefix="alice")
    status, _, headers = comment(alice, "no-such-post")
    assert status == 404
    assert headers["RateLimit"] == '"comments";r=29;t=2'


def test_the_login_lockout_answers_unknown_and_existing_usernames_alike(
    scale: Any, auto_confirm: None
) -> None:
    existing, unknown = unique_name("real"), unique_name("ghost")
    signup = load_event(
        "auth/signup",
        body=json.dumps(
            {"username": existing, "email": f"{existing}@example.com", "password": PASSWORD}
        ),
    )
    signup["requestContext"]["identity"]["sourceIp"] = new_ip()
    assert respond(signup, auth.lambda_handler)[0] == 201
    ips = {existing: new_ip(), unknown: new_ip()}
    answers: dict[str, list[tuple[int, Any, dict[str, str]]]] = {existing: [], unknown: []}
    for name in (existing, unknown):
        for _ in range(6):
            answers[name].append(login(name, "wrong-password-9", ips[name]))

    def shape(answer: tuple[int, Any, dict[str, str]]) -> tuple[Any, ...]:
        status, body, headers = answer
        kept = ("Retry-After", "RateLimit-Policy", "RateLimit")
        return status, body, {k: headers.get(k) for k in kept}

    assert [shape(a) for a in answers[existing]] == [shape(a) for a in answers[unknown]]
    assert [a[0] for a in answers[existing]] == [401] * 5 + [429]
    locked = answers[existing][5]
    assert locked[1]["error"]["code"] == "rate_limited"
    assert locked[2]["Retry-After"] == "60"
    assert answers[existing][0][1]["error"]["code"] == "unauthorized"
    # Locked: even the right password waits.
    assert login(existing, PASSWORD, ips[existing])[0] == 429


def test_a_successful_login_forgets_the_failures(scale: Any, auto_confirm: None) -> None:
    name, ip = unique_name("real"), new_ip()
    signup = load_event(
        "auth/signup",
        body=json.dumps({"username": name, "email": f"{name}@example.com", "password": PASSWORD}),
    )
    signup["requestContext"]["identity"]["sourceIp"] = ip
    assert respond(signup, auth.lambda_handler)[0] == 201
    for _ in range(4):
        assert login(name, "wrong-password-9", ip)[0] == 401
    assert login(name, PASSWORD, ip)[0] == 200
    for _ in range(4):  # four more: not five in a row
        assert login(name, "wrong-password-9", ip)[0] == 401
    status, _, headers = login(name, "wrong-password-9", new_ip())  # the fifth locks
    assert status == 401
    assert login(name, PASSWORD, new_ip())[0] == 429
    assert headers["RateLimit-Policy"] == '"login";q=10;w=60, "login-ip";q=10;w=60'


def test_a_call_whose_bucket_moves_between_its_conditions_tries_again(scale: Any) -> None:
    """This process last saw the bucket partly empty (so it tries the advance first), but the
    bucket has expired; another call makes it again just after the advance fails, so the
    refill fails too: the call goes round again and spends a token of what is there."""
    budget = limits.BUDGETS["comments"]
    key = f"user#{unique_name()}#comments"
    moment = time.time()
    limits._HOT[key] = moment + 10  # seen partly empty a moment ago (TTL removed it since)
    original, calls = limits.update, []

    def racing(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)
        calls.append(answer[0])
        if len(calls) == 1:  # between the two conditions, another call makes the bucket
            with mock.patch.object(limits, "update", original):
                assert limits.spend(key, budget, budget.quota, moment).decision.allowed
        return answer

    with mock.patch.object(limits, "update", racing):
        spent = limits.spend(key, budget, budget.quota, moment)
    assert calls == [False, False, True]  # advance, refill, then the advance again
    assert (spent.decision.allowed, spent.decision.remaining) == (True, 28)


def test_reset_and_sign_up_codes_share_a_budget_per_username_whoever_asks(scale: Any) -> None:
    """Each sends an email: five an hour for one username (`codes`), asked from five
    addresses, whether the account exists or not (a 429 tells a stranger nothing), and one
    more username is untouched."""
    bombed, other = unique_name("target"), unique_name("other")

    def ask(route: str, username: str) -> int:
        event = load_event(route, body=json.dumps({"username": username}))
        event["requestContext"]["identity"]["sourceIp"] = new_ip()
        return respond(event, auth.lambda_handler)[0]

    asked = [ask("auth/forgot_password", bombed) for _ in range(3)]
    asked += [ask("auth/resend_code", bombed) for _ in range(2)]
    assert asked == [202] * 5
    assert ask("auth/forgot_password", bombed) == 429
    assert ask("auth/resend_code", bombed) == 429
    assert ask("auth/forgot_password", other) == 202
