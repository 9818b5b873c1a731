"""Cognito's user pool, its errors turned into the API's (glimpse.errors).

SignUp, ConfirmSignUp, InitiateAuth (refresh only), ForgotPassword, ConfirmForgotPassword and
RevokeToken are Cognito's public operations: they need the app client id, not IAM permissions.
A password sign-in is an admin call (`sign_in`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from glimpse.adapters.aws import cognito
from glimpse.config import get_settings
from glimpse.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    RateLimited,
    Unauthorized,
    field_error,
)

BAD_CREDENTIALS = "Incorrect username or password."
logger = Logger(child=True)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _raise_throttled(exc: ClientError) -> None:
    """Cognito's throttling is the client's 429; anything else is left to the caller."""
    if _error_code(exc) in {"TooManyRequestsException", "LimitExceededException"}:
        raise RateLimited("Too many attempts; try again shortly.", retry_after_seconds=5) from None


def _raise_weak_password(exc: ClientError, field: str) -> None:
    """Cognito's own policy refused the password (the API's rule, glimpse.auth.passwords,
    runs first: this is a deploy whose pool policy is stricter)."""
    if _error_code(exc) == "InvalidPasswordException":
        message = str(exc.response.get("Error", {}).get("Message", ""))
        raise BadRequest("Choose a stronger password.", [field_error(field, message)]) from None


def sign_up(username: str, password: str, email: str) -> dict[str, Any]:
    """The new account (`UserSub`, `UserConfirmed`); 409 when taken, 400 when refused."""
    settings = get_settings()
    try:
        return dict(
            cognito().sign_up(
                ClientId=settings.require("user_pool_client_id"),
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
        )
    except ClientError as exc:
        code = _error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if code == "UsernameExistsException":
            raise Conflict(
                "That username or email is taken.",
                [field_error("username", "this username is taken")],
            ) from None
        _raise_weak_password(exc, "password")
        if code in {"InvalidParameterException", "UserLambdaValidationException"}:
            raise BadRequest("The sign-up was refused.", [field_error("body", message)]) from None
        _raise_throttled(exc)
        raise


def confirm_sign_up(username: str, code: str) -> None:
    try:
        cognito().confirm_sign_up(
            ClientId=get_settings().require("user_pool_client_id"),
            Username=username,
            ConfirmationCode=code,
        )
    except ClientError as exc:
        code = _error_code(exc)
        if code in {"CodeMismatchException", "ExpiredCodeException", "UserNotFoundException"}:
            raise BadRequest(
                "The confirmation code is wrong or has expired.",
                [field_error("code", "wrong or expired code")],
            ) from None
        if code == "NotAuthorizedException":
            raise Conflict("This account is already confirmed.") from None
        _raise_throttled(exc)
        raise


def sign_in(username: str, password: str) -> dict[str, Any]:
    """The tokens of a password sign-in. It is an admin call (IAM-signed, by this API's
    functions only): the app client offers no password flow to anyone holding its public id,
    so nothing signs in around the API's own checks (two-factor, glimpse.auth.totp)."""
    settings = get_settings()
    return _authenticated(
        lambda: cognito().admin_initiate_auth(
            UserPoolId=settings.require("user_pool_id"),
            ClientId=settings.require("user_pool_client_id"),
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    )


def refresh(refresh_token: str) -> dict[str, Any]:
    """New ID and access tokens for a refresh token (Cognito's public operation)."""
    return _authenticated(
        lambda: cognito().initiate_auth(
            ClientId=get_settings().require("user_pool_client_id"),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    )


def _authenticated(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        response = call()
    except ClientError as exc:
        code = _error_code(exc)
        if code in {"NotAuthorizedException", "UserNotFoundException"}:
            raise Unauthorized(BAD_CREDENTIALS) from None
        if code == "UserNotConfirmedException":
            raise Forbidden("Confirm your account first (POST /auth/confirm).") from None
        if code == "PasswordResetRequiredException":
            raise Forbidden("This account needs a password reset.") from None
        _raise_throttled(exc)
        raise
    result = response.get("AuthenticationResult")
    if not result:
        raise Forbidden(
            f"Sign-in needs a step this API does not offer: {response.get('ChallengeName')}."
        )
    return dict(result)


def _client_id() -> str:
    return get_settings().require("user_pool_client_id")


# Refusals of a code-sending call that would tell a stranger about the account, answered as a
# code sent: no such user, no verified email (or, for a sign-up code, confirmed already), and
# the limits and delivery failures only an existing account can meet.
_NOT_TOLD = frozenset(
    {
        "UserNotFoundException",
        "NotAuthorizedException",
        "InvalidParameterException",
        "ResourceNotFoundException",
        "LimitExceededException",
        "TooManyRequestsException",
        "CodeDeliveryFailureException",
    }
)


def _send_code(call: Callable[[], Any], what: str) -> None:
    """Cognito emails a code if it may; nothing tells whether it did (the app client prevents
    user-existence errors, and the refusals left are swallowed here)."""
    try:
        call()
    except ClientError as exc:
        if _error_code(exc) in _NOT_TOLD:
            logger.warning(f"no {what} code sent", extra={"reason": _error_code(exc)})
            return
        raise


def forgot_password(username: str) -> None:
    """A password reset code, when the account exists."""
    _send_code(lambda: cognito().forgot_password(ClientId=_client_id(), Username=username), "reset")


def resend_confirmation_code(username: str) -> None:
    """A new sign-up code, when the account exists and is unconfirmed."""
    _send_code(
        lambda: cognito().resend_confirmation_code(ClientId=_client_id(), Username=username),
        "sign-up",
    )


@dataclass(frozen=True)
class PoolUser:
    user_id: str  # the `sub`, the account's id
    username: str
    created_at: datetime


def unconfirmed_users() -> Iterator[PoolUser]:
    """Every account of the pool whose email was never confirmed (ListUsers, by status)."""
    token: str | None = None
    while True:
        request: dict[str, Any] = {
            "UserPoolId": get_settings().require("user_pool_id"),
            "Filter": 'cognito:user_status = "UNCONFIRMED"',
            "AttributesToGet": ["sub"],
        }
        if token:
            request["PaginationToken"] = token
        page = cognito().list_users(**request)
        for user in page.get("Users", []):
            sub = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"), "")
            created = user["UserCreateDate"]
            if sub:
                yield PoolUser(sub, str(user["Username"]), created.astimezone(UTC))
        token = page.get("PaginationToken")
        if not token:
            return


def confirm_forgot_password(username: str, code: str, password: str) -> None:
    try:
        cognito().confirm_forgot_password(
            ClientId=_client_id(), Username=username, ConfirmationCode=code, Password=password
        )
    except ClientError as exc:
        _raise_throttled(exc)
        if _error_code(exc) == "TooManyFailedAttemptsException":
            raise RateLimited(
                "Too many attempts; try again later.", retry_after_seconds=60
            ) from None
        if _error_code(exc) in {
            "CodeMismatchException",
            "ExpiredCodeException",
            "UserNotFoundException",
            "NotAuthorizedException",
            "ResourceNotFoundException",
            "InvalidParameterException",
        }:
            raise BadRequest(
                "The code is wrong or has expired.", [field_error("code", "wrong or expired code")]
            ) from None
        _raise_weak_password(exc, "new_password")
        raise


def change_password(access_token: str, current: str, new: str) -> None:
    try:
        cognito().change_password(
            AccessToken=access_token, PreviousPassword=current, ProposedPassword=new
        )
    except ClientError as exc:
        _raise_throttled(exc)
        if _error_code(exc) == "NotAuthorizedException":
            raise Unauthorized("The current password is wrong.") from None
        _raise_weak_password(exc, "new_password")
        raise


def revoke_refresh_token(token: str) -> None:
    """Cognito's token revocation: the refresh token (and what it issued) stops working. An
    unknown or already revoked token is not an error: logging out twice is fine."""
    try:
        cognito().revoke_token(Token=token, ClientId=_client_id())
    except ClientError as exc:
        _raise_throttled(exc)
        if _error_code(exc) in {
            "UnsupportedTokenTypeException",
            "InvalidParameterException",
            "UnauthorizedException",  # another app client's token
        }:
            return
        raise


def sign_out_everywhere(username: str) -> None:
    """Every refresh token of the account is revoked (AdminUserGlobalSignOut)."""
    _on_user("admin_user_global_sign_out", username)


def disable_user(username: str) -> bool:
    """No sign-in or refresh for the account until `enable_user` (AdminDisableUser); its
    ID tokens stay valid until they expire (glimpse.sessions refuses them)."""
    return _on_user("admin_disable_user", username)


def enable_user(username: str) -> bool:
    return _on_user("admin_enable_user", username)


def delete_user(username: str) -> bool:
    """The account leaves the user pool (AdminDeleteUser); False if it was gone already."""
    return _on_user("admin_delete_user", username)


def _on_user(operation: str, username: str) -> bool:
    """An admin call on one user of the pool; False if there is no such user."""
    try:
        getattr(cognito(), operation)(
            UserPoolId=get_settings().require("user_pool_id"), Username=username
        )
    except ClientError as exc:
        _raise_throttled(exc)
        if _error_code(exc) == "UserNotFoundException":
            return False
        raise
    return True


def claims_of(token: str) -> dict[str, str]:
    """The claims of a token Cognito has just issued to this function (read, not verified: it
    came from Cognito over TLS), as strings, as API Gateway passes claims on; {} if unreadable."""
    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    if not isinstance(decoded, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}
