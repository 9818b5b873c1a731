"""Two-factor authentication with time-based one-time passwords (RFC 6238).

The API checks the codes itself, the same code on the local cloud and in AWS: Cognito's own
software-token MFA needs the caller's access token to enrol (the API identifies callers by
their ID token) and has no way to check a code outside a sign-in, which turning it off with a
code needs. Nobody signs in around the check: the app client offers no password flow of its
own (template.yaml, `UserPoolClient`); passwords are checked through this API's functions.

A code is right for the current 30-second step or the one either side, and works once: the
factor remembers the last step it accepted, and accepting a step is a conditional write, so two
requests racing with one code cannot both win. Five wrong codes within 15 minutes refuse every
code of the account (429) until the window ends.

A sign-in with the factor on does not answer tokens: they are sealed (AES-GCM, keyed by a
digest of a fresh random session) into a Sessions-table item that lasts 3 minutes, and the
client gets the session. The right code opens them, once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from typing import Any

import pyotp
from pynamodb.expressions.update import Action

from glimpse import directory
from glimpse.errors import BadRequest, Conflict, RateLimited, Unauthorized, field_error
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.totp import TOTP, TotpChallenge, TotpFactor, challenge_pk, user_pk

ISSUER = "Glimpse"
STEP_SECONDS = 30
WINDOW_STEPS = 1  # a code of the step before or after the current one is right too
CHALLENGE_SECONDS = 180
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW_SECONDS = 900


def factor(user_id: str) -> TotpFactor | None:
    return get_or_none(TotpFactor, user_pk(user_id), TOTP)


def is_on(user_id: str) -> bool:
    found = factor(user_id)
    return found is not None and bool(found.enabled_at)


def enrol(user_id: str) -> tuple[str, str]:
    """A new secret and its `otpauth://` URI; it protects nothing until a code from it is
    verified (`turn_on`). A new enrolment replaces one that was never verified."""
    current = factor(user_id)
    if current is not None and current.enabled_at:
        raise Conflict("Two-factor authentication is already on; turn it off first.")
    username = directory.get_profile(user_id).username
    secret = pyotp.random_base32()
    started = TotpFactor(user_pk(user_id), secret=secret, created_at=time.time())
    if not conditionally(
        lambda: started.save(
            condition=TotpFactor.pk.does_not_exist() | (TotpFactor.enabled_at == 0)
        )
    ):
        raise Conflict("Two-factor authentication is already on; turn it off first.")
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return secret, uri


def turn_on(user_id: str, code: str) -> None:
    """Two-factor authentication is on once a code from the enrolment's secret is right."""
    found = factor(user_id)
    if found is None or found.enabled_at:
        raise Conflict(
            "No enrolment waits for a code: start one with POST /me/totp."
            if found is None
            else "Two-factor authentication is already on."
        )
    wrong = BadRequest(
        "That code is wrong; enter the one your authenticator app shows now.",
        [field_error("code", "wrong code")],
    )
    _accept(found, code, wrong, extra=[TotpFactor.enabled_at.set(time.time())])


def turn_off(user_id: str, code: str) -> None:
    """Two-factor authentication is off, if the code is right."""
    found = factor(user_id)
    if found is None or not found.enabled_at:
        raise Conflict("Two-factor authentication is off.")
    step = _step_of(found, code, Unauthorized("That code is wrong."))
    if not conditionally(lambda: found.delete(condition=_unused(found, step))):
        raise Unauthorized("That code is wrong.")


def challenge(user_id: str, sign_in: dict[str, Any]) -> str:
    """The session a client answers with a code (`complete`); `sign_in` is sealed into it."""
    session = secrets.token_urlsafe(32)
    key, digest = _keys(session)
    nonce = os.urandom(12)
    plain = json.dumps(sign_in, separators=(",", ":")).encode()
    moment = time.time()
    TotpChallenge(
        challenge_pk(digest),
        user_id=user_id,
        sealed=nonce + _aead(key).encrypt(nonce, plain, digest.encode()),
        valid_until=moment + CHALLENGE_SECONDS,
        expires_at=int(moment + CHALLENGE_SECONDS) + 1,
    ).save()
    return session


def complete(session: str, code: str) -> tuple[str, dict[str, Any]]:
    """The account and the sealed sign-in of a session, if the code is right; the session
    is then spent. 401 for an unknown, expired or spent session, or a wrong code."""
    expired = Unauthorized("This sign-in has expired; log in again.")
    key, digest = _keys(session)
    item = get_or_none(TotpChallenge, challenge_pk(digest))
    if item is None or float(item.valid_until) < time.time():
        raise expired
    found = factor(item.user_id)
    if found is None or not found.enabled_at:
        raise expired  # turned off meanwhile: a plain sign-in answers tokens now
    _accept(found, code, Unauthorized("That code is wrong."))
    if not conditionally(lambda: item.delete(condition=TotpChallenge.pk.exists())):
        raise expired
    sealed = bytes(item.sealed)
    plain = _aead(key).decrypt(sealed[:12], sealed[12:], digest.encode())
    return item.user_id, dict(json.loads(plain))


def right_step(secret: str, code: str, at: float) -> int | None:
    """The time step within the window for which `code` is right, if any."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    otp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(at // STEP_SECONDS)
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if secrets.compare_digest(otp.generate_otp(step), code):
            return step
    return None


def _step_of(found: TotpFactor, code: str, wrong: Exception) -> int:
    """The step the code is right for (never one already used), or `wrong` raised. Every
    check first takes one of the account's attempts (`_attempt`), so requests sent together
    cannot check more codes than the limit allows; a right code gives its attempt back."""
    moment = time.time()
    _attempt(found, moment)
    step = right_step(found.secret, code, moment)
    if step is not None and step > int(found.last_step):
        return step
    raise wrong


def _attempt(found: TotpFactor, moment: float) -> None:
    """One attempt taken, in one conditional write: within the window while fewer than the
    limit were taken, or a new window once the last one is over; else 429."""
    opened = moment - WRONG_CODE_WINDOW_SECONDS
    within = (TotpFactor.wrong_since > opened) & (TotpFactor.wrong_codes < MAX_WRONG_CODES)
    over = TotpFactor.pk.exists() & (TotpFactor.wrong_since <= opened)
    new_window: list[Action] = [
        TotpFactor.wrong_codes.set(1),
        TotpFactor.wrong_since.set(moment),
    ]
    for _ in range(2):  # a new window opened by a request alongside: then within it
        if conditionally(
            lambda: found.update(actions=[TotpFactor.wrong_codes.add(1)], condition=within)
        ):
            return
        if conditionally(lambda: found.update(actions=new_window, condition=over)):
            return
    now_read = get_or_none(TotpFactor, str(found.pk), TOTP)
    if now_read is None:
        raise Conflict("Two-factor authentication is off.")
    wait = int(float(now_read.wrong_since) + WRONG_CODE_WINDOW_SECONDS - moment) + 1
    raise RateLimited("Too many wrong codes; try again later.", retry_after_seconds=max(1, wait))


def _unused(found: TotpFactor, step: int) -> Any:
    """The factor is the one read and `step` is newer than any accepted: a code works once."""
    return (TotpFactor.secret == found.secret) & (TotpFactor.last_step < step)


def _accept(
    found: TotpFactor, code: str, wrong: Exception, extra: list[Action] | None = None
) -> None:
    step = _step_of(found, code, wrong)
    actions: list[Action] = [
        TotpFactor.last_step.set(step),
        TotpFactor.wrong_codes.set(0),
        *(extra or []),
    ]
    if not conditionally(lambda: found.update(actions=actions, condition=_unused(found, step))):
        raise wrong  # the same code won a race, or the factor changed meanwhile


def _keys(session: str) -> tuple[bytes, str]:
    """The sealing key and the item's digest, both from the session (256 random bits)."""
    raw = session.encode("utf-8", "surrogatepass")
    key = hashlib.sha256(b"glimpse totp seal\0" + raw).digest()
    return key, hashlib.sha256(b"glimpse totp item\0" + raw).hexdigest()


def _aead(key: bytes) -> Any:
    # Imported here: only a two-factor sign-in pays for loading it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)
