"""Cognito on the local cloud: the template's user-pool triggers and emailed codes.

moto neither calls user-pool triggers nor checks confirmation codes. The local cloud owns
the process moto runs in, so it wraps moto's sign-up and confirmation: the `PreSignUp`
trigger declared in the template runs through the function runtime (its answer can
auto-confirm, its failure refuses the sign-up as Cognito does), and an account that is not
auto-confirmed gets a code, printed where Cognito would have emailed it.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
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


def reset_code(client_id: str, username: str) -> str | None:
    """The password reset code Cognito would have emailed (None when none is pending): what a
    tester reads from the log, for tests."""
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in cognitoidp_backends.values():
        for backend in regions.values():
            pool = _pool_for_client(backend, client_id)
            user = pool._get_user(username) if pool is not None else None
            if user is not None:
                code = getattr(user, "confirmation_code", None)
                return str(code) if code else None
    return None


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
    CognitoIdpResponse.resend_confirmation_code = _resend_code  # type: ignore[attr-defined]
    install_sessions()


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


def _resend_code(self: CognitoIdpResponse) -> Any:
    """ResendConfirmationCode, which moto lacks: a new code for an unconfirmed account (the
    old one stops working), printed where Cognito would have emailed it. As Cognito with
    PreventUserExistenceErrors (the template's app client): an unknown user gets the same
    answer as a known one; a confirmed one, InvalidParameterException."""
    client_id = self._get_param("ClientId")
    username = self._get_param("Username")
    pool = _pool_for_client(self.backend, client_id)
    if pool is None:
        raise JsonRESTError("ResourceNotFoundException", f"Client {client_id} does not exist.")
    user = pool._get_user(username)
    if user is not None and user.status != UserStatus.UNCONFIRMED:
        raise JsonRESTError("InvalidParameterException", "User is already confirmed.")
    if user is not None:
        _send_code(client_id, user.username)
    return json.dumps(
        {
            "CodeDeliveryDetails": {
                "Destination": "e***@e***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        }
    )


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


# ---------------------------------------------------------------------- sessions and passwords
RESET_CODE_SECONDS = 3600  # Cognito's password reset codes last an hour
# What the local Cognito does not do as AWS's does (printed at start).
NOT_EMULATED = (
    "Cognito emails and SMS (codes are printed in this log), and their quotas",
    "Cognito RevokeToken on access tokens (the refresh token is revoked; access tokens it "
    "issued work until they expire)",
    "Cognito's own MFA (SMS, software tokens): Glimpse's two-factor check is its own, the "
    "same code on both clouds",
    "Cognito advanced security (adaptive authentication, compromised-credential checks)",
)


def report_lines() -> list[str]:
    return [f"NOT EMULATED: {line}" for line in NOT_EMULATED]


def install_sessions() -> None:
    """What Cognito does and moto does not, for sessions and password resets:

    - `RevokeToken` revokes the refresh token (moto has no such operation);
    - tokens made from a refresh token keep the sign-in's `auth_time` (moto stamps the
      refresh's time; `glimpse.sessions` compares `auth_time` with an account's cut-off);
    - `ForgotPassword` makes a six-digit code, printed where Cognito would email it, and
      `ConfirmForgotPassword` takes only that code, once, within the hour (moto accepts any
      code but its own made-up one);
    - revocations, global sign-outs included, are journaled (infra/local/journal.py);
    - an app client offers only its `ExplicitAuthFlows` (moto offers every flow to every
      client), and `AdminInitiateAuth` refuses an unconfirmed account as `InitiateAuth` does.
    """
    global _sessions_installed
    with _lock:
        if _sessions_installed:
            return
        _sessions_installed = True
    from moto.cognitoidp.models import CognitoIdpUserPool

    CognitoIdpResponse.revoke_token = _revoke_token  # type: ignore[attr-defined]
    pool_class: Any = CognitoIdpUserPool
    pool_class.create_refresh_token = _remembering_sign_in(pool_class.create_refresh_token)
    pool_class.create_jwt = _keeping_auth_time(pool_class.create_jwt)
    pool_class.sign_out = _journaled_sign_out(pool_class.sign_out)
    backend: Any = CognitoIdpBackend
    backend.forgot_password = _printing_reset_code(backend.forgot_password)
    backend.confirm_forgot_password = _checking_reset_code(backend.confirm_forgot_password)
    backend.initiate_auth = _offered_flows_only(backend.initiate_auth)
    backend.admin_initiate_auth = _confirmed_only(_offered_flows_only(backend.admin_initiate_auth))


_sessions_installed = False


# The ExplicitAuthFlows value that lets a client use each flow; a client that names none
# offers Cognito's defaults (SRP, custom and refresh).
FLOW_ALLOWED_BY = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
}
DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def _offered_flows_only(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's (Admin)InitiateAuth, refusing a flow the app client does not offer."""

    def initiate_auth(self: CognitoIdpBackend, *args: Any) -> Any:
        from moto.cognitoidp.exceptions import InvalidParameterException

        client_id, flow = (args[0], args[1]) if len(args) == 3 else (args[1], args[2])
        pool = _pool_for_client(self, client_id)
        client = pool.clients.get(client_id) if pool is not None else None
        offered = (client.extended_config.get("ExplicitAuthFlows") if client else None) or list(
            DEFAULT_FLOWS
        )
        if client is not None and FLOW_ALLOWED_BY.get(str(flow)) not in offered:
            raise InvalidParameterException(f"{flow} flow not enabled for this client")
        return original(self, *args)

    return initiate_auth


def _confirmed_only(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's AdminInitiateAuth, refusing an account that is not confirmed yet."""

    def admin_initiate_auth(
        self: CognitoIdpBackend,
        user_pool_id: str,
        client_id: str,
        auth_flow: str,
        auth_parameters: dict[str, str],
    ) -> Any:
        from moto.cognitoidp.exceptions import UserNotConfirmedException

        if auth_flow in {"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}:
            pool = self.user_pools.get(user_pool_id)
            user = pool._get_user(auth_parameters.get("USERNAME", "")) if pool else None
            if (
                user is not None
                and user.status == UserStatus.UNCONFIRMED
                and user.password == auth_parameters.get("PASSWORD")
            ):
                raise UserNotConfirmedException("User is not confirmed.")
        return original(self, user_pool_id, client_id, auth_flow, auth_parameters)

    return admin_initiate_auth


def _revoke_token(self: CognitoIdpResponse) -> Any:
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.core.responses import EmptyResult

    from infra.local import journal

    client_id, token = self._get_param("ClientId"), self._get_param("Token")
    for pool in self.backend.user_pools.values():
        if client_id in pool.clients:
            entry = pool.refresh_tokens.get(token)
            if entry is not None and entry[0] == client_id:
                pool.refresh_tokens[token] = None
                journal.refresh_token_changed(pool, token)
            return EmptyResult()
    raise ResourceNotFoundError(client_id)


def _auth_times(pool: Any) -> dict[str, int]:
    """origin_jti -> the sign-in's time, kept on the pool (saved with it)."""
    found: dict[str, int] | None = getattr(pool, "glimpse_auth_times", None)
    if found is None:
        found = pool.glimpse_auth_times = {}
    return found


def _remembering_sign_in(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_refresh_token(self: Any, client_id: str, username: str) -> Any:
        token, origin_jti = original(self, client_id, username)
        _auth_times(self)[origin_jti] = int(time.time())
        return token, origin_jti

    return create_refresh_token


def _keeping_auth_time(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_jwt(self: Any, *args: Any, **kwargs: Any) -> Any:
        extra: dict[str, Any] = kwargs.get("extra_data") or {}
        signed_in = _auth_times(self).get(str(extra.get("origin_jti")))
        if signed_in is not None:
            kwargs["extra_data"] = {**extra, "auth_time": signed_in}
        return original(self, *args, **kwargs)

    return create_jwt


def _journaled_sign_out(original: Callable[..., Any]) -> Callable[..., Any]:
    def sign_out(self: Any, username: str) -> None:
        from infra.local import journal

        ended = [t for t, entry in self.refresh_tokens.items() if entry and entry[1] == username]
        original(self, username)
        for token in ended:
            journal.refresh_token_changed(self, token)

    return sign_out


def _printing_reset_code(original: Callable[..., Any]) -> Callable[..., Any]:
    def forgot_password(self: CognitoIdpBackend, client_id: str, username: str) -> Any:
        made, response = original(self, client_id, username)
        pool = _pool_for_client(self, client_id)
        user = pool._get_user(username) if pool is not None and made else None
        if user is not None:
            code = f"{secrets.randbelow(10**6):06d}"
            user.confirmation_code = code
            user.glimpse_code_sent_at = time.time()
            sys.stderr.write(f"[cognito] password reset code for {user.username}: {code}\n")
        return None, response  # not in a response header, as moto would put it

    return forgot_password


def _checking_reset_code(original: Callable[..., Any]) -> Callable[..., Any]:
    def confirm_forgot_password(
        self: CognitoIdpBackend, client_id: str, username: str, password: str, code: str
    ) -> None:
        from moto.cognitoidp.exceptions import ExpiredCodeException

        pool = _pool_for_client(self, client_id)
        user = pool._get_user(username) if pool is not None else None
        expected = getattr(user, "confirmation_code", None)
        # As bytes: compare_digest refuses str with non-ASCII characters (a 500 for a code
        # Cognito would just call a mismatch).
        given = str(code).encode("utf-8", "surrogatepass")
        if user is None or not expected or not secrets.compare_digest(given, expected.encode()):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        if time.time() - getattr(user, "glimpse_code_sent_at", 0) > RESET_CODE_SECONDS:
            user.confirmation_code = None
            raise ExpiredCodeException("Invalid code provided, please request a code again.")
        original(self, client_id, username, password, code)  # sets it, forgets the code
        user.confirmation_code = None

    return confirm_forgot_password
