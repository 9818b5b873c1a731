"""Two-factor codes and sign-ins waiting for them (glimpse.auth.totp) on moto, on a clock the
test moves: the step either side of now is right and no other; a waiting sign-in lasts three
minutes and its item holds nothing readable; the wrong-code limit lifts after its window."""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest

from functions.auth import app as auth
from functions.users import app as users
from glimpse.auth import totp
from glimpse.errors import RateLimited, Unauthorized
from glimpse.models.totp import TotpChallenge, TotpFactor, user_pk
from glimpse.models.users import CLAIM, UniqueClaim
from tests.conftest import FakeContext, run_concurrently
from tests.integration.conftest import Stack, as_user, call, unique_name
from tests.integration.test_auth import PASSWORD, signup

START = 1_800_000_000.0  # a step boundary: 1.8e9 is a multiple of 30


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [START + 1.0]
    monkeypatch.setattr(totp.time, "time", lambda: now[0])
    return now


def enabled(user: str) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    TotpFactor(user_pk(user), secret=secret, created_at=START, enabled_at=START).save()
    return pyotp.TOTP(secret)


def test_the_step_either_side_of_now_is_right_and_no_other() -> None:
    secret = pyotp.random_base32()
    otp, step = pyotp.TOTP(secret), int(START // 30)
    for offset in (-1, 0, 1):
        assert totp.right_step(secret, otp.generate_otp(step + offset), START + 1) == step + offset
    for offset in (-3, -2, 2, 3):
        assert totp.right_step(secret, otp.generate_otp(step + offset), START + 1) is None
    arabic_indic = otp.generate_otp(step).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for malformed in ("", "12345", "1234567", "12 456", arabic_indic):
        assert totp.right_step(secret, malformed, START + 1) is None


def test_a_waiting_sign_in_lasts_three_minutes_and_is_sealed(
    stack: Stack, clock: list[float]
) -> None:
    user = unique_name()
    otp = enabled(user)
    sign_in = {"IdToken": "id-token-of-" + user, "RefreshToken": "refresh-of-" + user}
    late = totp.challenge(user, sign_in)
    session = totp.challenge(user, sign_in)
    stored = [i for i in TotpChallenge.scan() if i.user_id == user]
    assert len(stored) == 2
    for item in stored:
        raw = bytes(item.sealed) + item.pk.encode()
        assert b"id-token-of-" not in raw
        assert b"refresh-of-" not in raw
        assert session not in item.pk
        assert late not in item.pk
        assert item.expires_at <= clock[0] + totp.CHALLENGE_SECONDS + 1

    clock[0] += totp.CHALLENGE_SECONDS - 5
    step = int(clock[0] // 30)
    assert totp.complete(session, otp.generate_otp(step)) == (user, sign_in)
    clock[0] += 10  # past three minutes
    with pytest.raises(Unauthorized):
        totp.complete(late, otp.generate_otp(step + 1))
    with pytest.raises(Unauthorized):  # a session is spent once its code was right
        totp.complete(session, otp.generate_otp(step + 1))


def test_the_wrong_code_limit_lifts_after_its_window(stack: Stack, clock: list[float]) -> None:
    user = unique_name()
    otp = enabled(user)
    near = {otp.generate_otp(int(clock[0] // 30) + d) for d in range(-1, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    for _ in range(totp.MAX_WRONG_CODES):
        session = totp.challenge(user, {"started": 0})
        with pytest.raises(Unauthorized):
            totp.complete(session, wrong)
    session = totp.challenge(user, {"started": 0})
    with pytest.raises(RateLimited):
        totp.complete(session, otp.generate_otp(int(clock[0] // 30)))
    clock[0] += totp.WRONG_CODE_WINDOW_SECONDS
    session = totp.challenge(user, {"started": 0})
    assert totp.complete(session, otp.generate_otp(int(clock[0] // 30)))[0] == user


def test_codes_sent_together_get_no_more_checks_than_the_limit(stack: Stack) -> None:
    """Every check takes an attempt first, in one conditional write: twenty wrong codes at
    once are five checked (401) and fifteen refused unchecked (429)."""
    user = unique_name()
    otp = enabled(user)
    sessions = [totp.challenge(user, {"started": 0}) for _ in range(20)]
    near = {otp.generate_otp(int(time.time() // 30) + d) for d in range(-1, 3)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

    def guess(index: int) -> str:
        try:
            totp.complete(sessions[index], wrong)
        except (Unauthorized, RateLimited) as exc:
            return type(exc).__name__
        return "accepted"

    answers = run_concurrently(20, guess)
    assert answers.count("Unauthorized") == totp.MAX_WRONG_CODES
    assert answers.count("RateLimited") == 20 - totp.MAX_WRONG_CODES
    assert int(TotpFactor.get(user_pk(user), "TOTP").wrong_codes) == totp.MAX_WRONG_CODES


def as_me(name: str, user_id: str, username: str, body: Any = None) -> tuple[int, Any]:
    """The users function's answer to the sample event `name`, sent by this account."""
    event = as_user(name, user_id, username, body=json.dumps(body) if body else None)
    response = users.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_the_routes_through_their_handlers(stack: Stack, auto_confirm: None) -> None:
    """Enrol, verify, the login challenge and its answer, turning it off: each through its
    function's handler, so each call is held to that function's policy (the IAM recorder)."""
    name = unique_name()
    assert signup(name)[0] == 201
    user_id = UniqueClaim.get(f"USERNAME#{name}", CLAIM).user_id
    status, enrolled = as_me("users/enrol_totp", user_id, name)
    assert status == 200, enrolled
    if time.time() % 30 > 20:  # the step before now stays in the window for the whole test
        time.sleep(31 - time.time() % 30)
    otp, step = pyotp.TOTP(enrolled["secret"]), int(time.time() // 30)
    code = {"code": otp.generate_otp(step - 1)}
    assert as_me("users/verify_totp", user_id, name, code)[0] == 204

    login = {"username": name, "password": PASSWORD}
    status, challenge = call(auth.lambda_handler, "auth/login", login)
    assert status == 200
    assert set(challenge) == {"challenge", "session"}
    answer = {"session": challenge["session"], "code": otp.generate_otp(step)}
    status, tokens = call(auth.lambda_handler, "auth/login_totp", answer)
    assert status == 200, tokens
    assert tokens["refresh_token"]
    code = {"code": otp.generate_otp(step + 1)}
    assert as_me("users/disable_totp", user_id, name, code)[0] == 204
    assert set(call(auth.lambda_handler, "auth/login", login)[1]) >= {"id_token"}
