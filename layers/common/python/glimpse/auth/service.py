"""Sign-up, confirmation, login and refresh.

Usernames and emails are unique case-insensitively, even under concurrent sign-ups: a sign-up
first claims both in one DynamoDB transaction (conditional puts), then creates the Cognito
account, then writes the profile and activates the claims. A claim left `pending` by a sign-up
that died half-way is taken over after :data:`STALE_CLAIM`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DeleteError

from glimpse.adapters import cognito
from glimpse.auth.schemas import (
    ConfirmIn,
    LoginIn,
    RefreshIn,
    RefreshOut,
    SignupIn,
    SignupOut,
    TokensOut,
)
from glimpse.clock import new_id, now
from glimpse.errors import (
    Conflict,
    Unauthorized,
    field_error,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import (
    CLAIM,
    PROFILE,
    UniqueClaim,
    UserProfile,
    email_pk,
    user_pk,
    username_pk,
)
from glimpse.users.service import own_view

STALE_CLAIM = timedelta(minutes=15)


def _claim(username: str, email: str, claim_id: str) -> None:
    moment = now()
    claimable = UniqueClaim.pk.does_not_exist() | (
        (UniqueClaim.state == "pending") & (UniqueClaim.created_at < moment - STALE_CLAIM)
    )
    try:
        with transaction() as tx:
            for field, pk in (("username", username_pk(username)), ("email", email_pk(email))):
                claim = UniqueClaim(
                    pk, CLAIM, state="pending", claim_id=claim_id, created_at=moment
                )
                tx.save(claim, condition=claimable, name=field)
    except ConditionFailed as exc:
        taken = [
            field_error(field, f"this {field} is taken")
            for field in ("username", "email")
            if field in exc.names
        ]
        if not taken:
            raise
        raise Conflict("That username or email is taken.", taken) from None


def _release(username: str, email: str, claim_id: str) -> None:
    """Undo our pending claims (only ours: another sign-up may have taken them over)."""
    for pk in (username_pk(username), email_pk(email)):
        try:
            UniqueClaim(pk, CLAIM).delete(condition=UniqueClaim.claim_id == claim_id)
        except DeleteError:  # best effort: a claim left behind is taken over when stale
            continue


def signup(body: SignupIn) -> SignupOut:
    claim_id = new_id()
    _claim(body.username, body.email, claim_id)
    try:
        created = cognito.sign_up(body.username, body.password, body.email)
    except BaseException:
        _release(body.username, body.email, claim_id)
        raise
    user_id = str(created["UserSub"])
    moment = now()
    profile = UserProfile(
        user_pk(user_id),
        PROFILE,
        user_id=user_id,
        username=body.username,
        email=body.email,
        created_at=moment,
        updated_at=moment,
    )
    with transaction() as tx:
        tx.save(profile, condition=UserProfile.pk.does_not_exist())
        for pk in (username_pk(body.username), email_pk(body.email)):
            tx.update(
                UniqueClaim(pk, CLAIM),
                actions=[UniqueClaim.state.set("active"), UniqueClaim.user_id.set(user_id)],
                condition=UniqueClaim.claim_id == claim_id,
            )
    return SignupOut(user=own_view(profile), confirmed=bool(created.get("UserConfirmed")))


def confirm(body: ConfirmIn) -> None:
    cognito.confirm_sign_up(body.username.lower(), body.code)


def _tokens(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "expires_in": int(result["ExpiresIn"]),
    }


def login(body: LoginIn) -> TokensOut:
    result = cognito.initiate_auth(
        "USER_PASSWORD_AUTH", {"USERNAME": body.username.lower(), "PASSWORD": body.password}
    )
    return TokensOut(**_tokens(result), refresh_token=result["RefreshToken"])


def refresh(body: RefreshIn) -> RefreshOut:
    try:
        result = cognito.initiate_auth("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": body.refresh_token})
    except Unauthorized:
        raise Unauthorized("The refresh token is invalid or has expired.") from None
    return RefreshOut(**_tokens(result))
