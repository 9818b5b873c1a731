"""Sign-up, confirmation, login (with its two-factor step), refresh, passwords and logout.

Usernames and emails are unique case-insensitively, even under concurrent sign-ups: a sign-up
first claims both in one DynamoDB transaction (conditional puts), then creates the Cognito
account, then writes the profile and activates the claims. A claim left `pending` by a sign-up
that died half-way is taken over after :data:`STALE_CLAIM`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.exceptions import DeleteError

from glimpse import directory, sessions
from glimpse.adapters import cognito
from glimpse.auth import devices, passwords, totp
from glimpse.auth.schemas import (
    ChangePasswordIn,
    ConfirmIn,
    ForgotPasswordIn,
    LoginIn,
    LoginTotpIn,
    LogoutIn,
    RefreshIn,
    RefreshOut,
    ResendCodeIn,
    ResetPasswordIn,
    SignupIn,
    SignupOut,
    TokensOut,
    TotpChallengeOut,
)
from glimpse.clock import new_id, now
from glimpse.errors import (
    Conflict,
    NotFound,
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
from glimpse.realtime import service as realtime
from glimpse.users.service import own_view

STALE_CLAIM = timedelta(minutes=15)
logger = Logger(child=True)


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
    passwords.check(body.password, body.username, body.email)
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


def login(body: LoginIn, user_agent: str = "") -> TokensOut | TotpChallengeOut:
    """Tokens for the username and password, or, with two-factor authentication on, the
    session that `login_totp` answers with a code. A sign-in from a device the account has not
    used for 90 days publishes `new_device_login` (its owner gets a `login` notification)."""
    started = time.time()
    result = cognito.sign_in(body.username.lower(), body.password)
    claims = cognito.claims_of(result["IdToken"])
    user_id = claims.get("sub")
    if not user_id:  # never from Cognito; no token goes out unchecked for two-factor
        raise RuntimeError("Cognito answered an ID token without a subject")
    if totp.is_on(user_id):
        kept = {k: result[k] for k in ("IdToken", "AccessToken", "RefreshToken", "ExpiresIn")}
        session = totp.challenge(user_id, {**kept, "started": started})
        return TotpChallengeOut(challenge="totp", session=session)
    return _signed_in(user_id, result, started, user_agent, claims=claims)


def login_totp(body: LoginTotpIn, user_agent: str = "") -> TokensOut:
    """The tokens of a sign-in that waited for its two-factor code (401 when the code is
    wrong, or the session unknown, spent or older than 3 minutes)."""
    user_id, result = totp.complete(body.session, body.code)
    waited = time.time() - float(result["started"])
    result["ExpiresIn"] = max(0, int(result["ExpiresIn"]) - int(waited))  # the tokens aged
    return _signed_in(user_id, result, float(result["started"]), user_agent, waited=True)


def _signed_in(
    user_id: str,
    result: dict[str, Any],
    started: float,
    user_agent: str,
    waited: bool = False,
    claims: dict[str, str] | None = None,
) -> TokensOut:
    """The sign-in's tokens, once its session is kept past a cut-off of the same second and
    its device recorded. A sign-in that `waited` for its code is refused (401) if the
    account's sessions ended meanwhile."""
    claims = claims or cognito.claims_of(result["IdToken"])
    sessions.keep(user_id, claims, started)
    if waited and not sessions.is_live(user_id, claims):
        cognito.revoke_refresh_token(result["RefreshToken"])
        raise Unauthorized("This sign-in has expired; log in again.")
    devices.signed_in(user_id, user_agent)
    return TokensOut(
        **_tokens(result),
        refresh_token=result["RefreshToken"],
        pending_deletion=sessions.pending_deletion(user_id),
    )


def refresh(body: RefreshIn) -> RefreshOut:
    refused = Unauthorized("The refresh token is invalid or has expired.")
    try:
        result = cognito.refresh(body.refresh_token)
    except Unauthorized:
        raise refused from None
    claims = cognito.claims_of(result["IdToken"])
    if not sessions.is_live(claims.get("sub", ""), claims):  # its session ended: so does it
        cognito.revoke_refresh_token(body.refresh_token)
        raise refused
    return RefreshOut(**_tokens(result))


def _end_sessions(user_id: str, username: str, keep: str | None = None) -> None:
    """Every session of the account ends (but `keep`): the cut-off the API checks, every
    refresh token in Cognito, and the account's open WebSocket connections."""
    sessions.end(user_id, keep=keep)
    end_sessions_elsewhere(user_id, username)


def end_sessions_elsewhere(user_id: str, username: str) -> None:
    """What ends the account's sessions beyond the cut-off (written already): every refresh
    token in Cognito, and its open WebSocket connections."""
    cognito.sign_out_everywhere(username)
    try:
        realtime.close_all(user_id)
    except Exception:  # the authorizer refuses their sessions anyway: logged, not raised
        logger.exception("connections not closed")


def forgot_password(body: ForgotPasswordIn) -> None:
    """A reset code goes to the account's email if there is such an account; the answer is
    the same either way (one Cognito call both ways)."""
    cognito.forgot_password(body.username.lower())


def resend_code(body: ResendCodeIn) -> None:
    """A new sign-up code goes to the account's email if there is such an unconfirmed
    account; the answer is the same either way (one Cognito call every time)."""
    cognito.resend_confirmation_code(body.username.lower())


def _user_id_or_none(username: str) -> str | None:
    try:
        return directory.user_id_for(username)
    except NotFound:
        return None


def reset_password(body: ResetPasswordIn) -> None:
    """The new password, if the emailed code is right; then every session of the account
    ends. A wrong code and an unknown account are the same 400. The rule is checked against
    the username only: nothing is looked up before Cognito has checked the code, so no answer
    or timing tells a stranger whether an account, or its email, exists."""
    username = body.username.lower()
    passwords.check(body.new_password, username, "", field="new_password")
    cognito.confirm_forgot_password(username, body.code, body.new_password)
    user_id = _user_id_or_none(username)
    if user_id:
        _end_sessions(user_id, username)
    else:
        cognito.sign_out_everywhere(username)


def change_password(user_id: str, session: str | None, body: ChangePasswordIn) -> None:
    """The caller's new password (the current one checked by signing in with it); every other
    session ends. Cognito can only revoke all of an account's refresh tokens, so the caller's
    goes too: its ID token keeps working until it expires (the cut-off keeps its session),
    then it signs in again with the new password."""
    profile = directory.get_profile(user_id)
    passwords.check(body.new_password, profile.username, profile.email, field="new_password")
    with signed_in(profile.username, body.current_password) as result:
        cognito.change_password(result["AccessToken"], body.current_password, body.new_password)
    _end_sessions(user_id, profile.username, keep=session)


@contextmanager
def signed_in(username: str, password: str) -> Iterator[dict[str, Any]]:
    """A password checked by signing in with it (401 when it is wrong): the sign-in's tokens
    for the block, its refresh token revoked after."""
    result = cognito.sign_in(username, password)
    try:
        yield result
    finally:
        cognito.revoke_refresh_token(result["RefreshToken"])


def logout(body: LogoutIn, bearer_claims: dict[str, str]) -> None:
    """The refresh token is revoked. With `all_devices`, every session of its account ends:
    the account is the refresh token's (Cognito says whose), and the Bearer token must be one
    of the same account's."""
    if body.all_devices:
        _end_everywhere(body.refresh_token, bearer_claims)
    cognito.revoke_refresh_token(body.refresh_token)


def _end_everywhere(refresh_token: str, bearer_claims: dict[str, str]) -> None:
    refused = Unauthorized("Logging out everywhere needs a valid token and refresh token.")
    try:
        result = cognito.refresh(refresh_token)
    except Unauthorized:
        raise refused from None
    claims = cognito.claims_of(result["IdToken"])
    user_id, username = claims.get("sub"), claims.get("cognito:username")
    if not user_id or not username or not sessions.is_live(user_id, claims):
        cognito.revoke_refresh_token(refresh_token)
        raise refused
    if bearer_claims.get("sub") != user_id:
        raise refused
    _end_sessions(user_id, username)
