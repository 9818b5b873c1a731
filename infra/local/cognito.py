"""Cognito on the local cloud: the template's user-pool triggers and emailed codes.

moto neither calls user-pool triggers nor checks confirmation codes. The local cloud owns
the process moto runs in, so it wraps moto's sign-up and confirmation: the `PreSignUp`
trigger declared in the template runs through the function runtime (its answer can
auto-confirm, its failure refuses the sign-up as Cognito does), and an account that is not
auto-confirmed gets a code, printed where Cognito would have emailed it.
"""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import CodeMismatchException
from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError

from infra.local.template import REGION

TriggerCall = Callable[[dict[str, Any]], dict[str, Any]]

_lock = threading.Lock()
_triggers: dict[str, dict[str, TriggerCall]] = {}  # pool id -> trigger name -> call
_codes: dict[tuple[str, str], str] = {}  # (app client id, username) -> code


def saved_codes() -> list[list[str]]:
    """The pending confirmation codes, as plain data for the local cloud's saved state."""
    with _lock:
        return [[client_id, user, code] for (client_id, user), code in _codes.items()]


def restore_codes(saved: list[list[str]]) -> None:
    with _lock:
        for client_id, username, code in saved:
            _codes[(client_id, username)] = code


_installed = False


class UserLambdaValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


def register(pool_id: str, trigger: str, call: TriggerCall) -> None:
    with _lock:
        _triggers.setdefault(pool_id, {})[trigger] = call
    install()


def unregister(pool_id: str) -> None:
    with _lock:
        _triggers.pop(pool_id, None)


def confirmation_code(client_id: str, username: str) -> str | None:
    """The code Cognito would have emailed for this sign-up (None once confirmed)."""
    with _lock:
        return _codes.get((client_id, username))


def _pool_for_client(backend: CognitoIdpBackend, client_id: str) -> Any:
    return next((p for p in backend.user_pools.values() if client_id in p.clients), None)


def install() -> None:
    """Wrap moto's sign-up and confirmation once per process."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    sign_up, confirm = CognitoIdpBackend.sign_up, CognitoIdpResponse.confirm_sign_up
    CognitoIdpBackend.sign_up = _with_trigger_and_code(sign_up)  # type: ignore[method-assign]
    CognitoIdpResponse.confirm_sign_up = _checking_code(confirm)  # type: ignore[method-assign]


def _with_trigger_and_code(original_sign_up: Callable[..., Any]) -> Callable[..., Any]:
    """moto's sign-up, after the pool's `PreSignUp` trigger: confirmed if the trigger says
    so, else given a confirmation code."""

    def sign_up(
        self: CognitoIdpBackend,
        client_id: str,
        username: str,
        password: str,
        attributes: list[dict[str, str]],
    ) -> Any:
        response = _pre_sign_up(self, client_id, username, attributes)
        user, result = original_sign_up(self, client_id, username, password, attributes)
        if response.get("autoConfirmUser"):
            user.status = UserStatus.CONFIRMED
        else:
            _send_code(client_id, username)
        return user, result

    return sign_up


def _pre_sign_up(
    backend: CognitoIdpBackend, client_id: str, username: str, attributes: list[dict[str, str]]
) -> dict[str, Any]:
    """The `PreSignUp` trigger's `response` for a new user (empty without a trigger); its
    failure refuses the sign-up."""
    pool = _pool_for_client(backend, client_id)
    trigger = _triggers.get(pool.id, {}).get("PreSignUp") if pool else None
    if trigger is None or pool is None or pool._get_user(username):
        return {}
    event = {
        "version": "1",
        "region": REGION,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": "local", "clientId": client_id},
        "triggerSource": "PreSignUp_SignUp",
        "request": {
            "userAttributes": {a["Name"]: a["Value"] for a in attributes or []},
            "validationData": None,
            "clientMetadata": None,
        },
        "response": {
            "autoConfirmUser": False,
            "autoVerifyEmail": False,
            "autoVerifyPhone": False,
        },
    }
    try:
        return trigger(event).get("response") or {}
    except Exception as exc:
        raise UserLambdaValidationException(f"PreSignUp failed with error {exc}.") from exc


def _send_code(client_id: str, username: str) -> None:
    """A new confirmation code, printed where Cognito would have emailed it."""
    code = f"{secrets.randbelow(10**6):06d}"
    with _lock:
        _codes[(client_id, username)] = code
    sys.stderr.write(f"[cognito] confirmation code for {username}: {code}\n")


def _checking_code(original_confirm: Callable[..., Any]) -> Callable[..., Any]:
    """moto's confirmation, refusing a code other than the one sent."""

    def confirm_sign_up(self: CognitoIdpResponse) -> Any:
        client_id = self._get_param("ClientId")
        username = self._get_param("Username")
        expected = confirmation_code(client_id, username)
        if expected is not None and self._get_param("ConfirmationCode") != expected:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        result = original_confirm(self)
        with _lock:
            _codes.pop((client_id, username), None)
        return result

    return confirm_sign_up
