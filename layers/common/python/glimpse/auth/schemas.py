"""Request and response bodies of the /auth routes."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from glimpse.inputs import USERNAME_PATTERN
from glimpse.schema import Schema
from glimpse.users.schemas import MeOut

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SignupIn(_Strict):
    username: str = Field(pattern=USERNAME_PATTERN, description="Unique, case-insensitive")
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=256)

    @field_validator("username", "email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class SignupOut(Schema):
    user: MeOut
    confirmed: bool = Field(description="False when the account waits for POST /auth/confirm")


class ConfirmIn(_Strict):
    username: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=1, max_length=16)


class LoginIn(_Strict):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class RefreshIn(_Strict):
    refresh_token: str = Field(min_length=1, max_length=8192)


class RefreshOut(Schema):
    id_token: str
    access_token: str
    expires_in: int


class TokensOut(RefreshOut):
    refresh_token: str
    # The account is deleted and waits to be erased: `POST /me/restore` is all it may do.
    pending_deletion: bool = False


TOTP_CODE_PATTERN = r"^[0-9]{6}$"


class TotpChallengeOut(Schema):
    """A sign-in with two-factor authentication on: answer with `POST /auth/login/totp`."""

    challenge: Literal["totp"] = Field(description="What the login waits for")
    session: str = Field(description="Opaque; lasts 3 minutes")


class LoginTotpIn(_Strict):
    session: str = Field(min_length=1, max_length=256)
    code: str = Field(pattern=TOTP_CODE_PATTERN, description="Six digits from the app")


class TotpCodeIn(_Strict):
    code: str = Field(pattern=TOTP_CODE_PATTERN, description="Six digits from the app")


class TotpEnrolmentOut(Schema):
    secret: str = Field(description="Base32, for authenticator apps that take it typed")
    otpauth_uri: str = Field(description="The same secret as a QR code's content")


class ForgotPasswordIn(_Strict):
    username: str = Field(min_length=1, max_length=128)


class ResendCodeIn(_Strict):
    username: str = Field(min_length=1, max_length=128)


class ResetPasswordIn(_Strict):
    username: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=1, max_length=16)
    new_password: str = Field(min_length=1, max_length=256)


class ChangePasswordIn(_Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class LogoutIn(_Strict):
    refresh_token: str = Field(min_length=1, max_length=8192)
    all_devices: bool = Field(
        default=False,
        description="End every session of the account (needs the Bearer token too)",
    )
