"""Profiles: `GET/PATCH /me`, `GET /users/{username}`; the caller's password and two-factor
authentication; the caller's hidden words; leaving (`DELETE /me`) and coming back
(`POST /me/restore`)."""

from glimpse.api.identity import caller, session_id
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.auth import leaving, totp
from glimpse.auth import service as accounts
from glimpse.auth.schemas import ChangePasswordIn, TotpCodeIn, TotpEnrolmentOut
from glimpse.plumbing import Plumbing
from glimpse.served import served
from glimpse.users import hidden_words, service
from glimpse.users.schemas import (
    DeleteMeIn,
    DeletionOut,
    HiddenWordsIn,
    HiddenWordsOut,
    MeOut,
    ProfilePatch,
    UserOut,
)

from aws_lambda_powertools.event_handler import Response

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "account_deletion_grace_seconds",
    "connections_table",
    "events_table",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "user_pool_client_id",
    "user_pool_id",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("users")
app = create_app()


@app.get("/me", tags=["profiles"], summary="The caller's own profile, with email")
def get_me() -> MeOut:
    return service.me(caller(app).user_id)


@app.patch("/me", tags=["profiles"], summary="Edit the caller's profile")
def patch_me(body: ProfilePatch) -> MeOut:
    return service.update_me(caller(app).user_id, body)


@app.get("/users/<username>", tags=["profiles"], summary="A user's public profile")
def get_user(username: str) -> UserOut:
    user_id = caller(app).user_id
    user = service.view_user(user_id, username)
    served(plumbing.logger, user_id, profile=user.username)
    return user


@app.post(
    "/me/password",
    tags=["profiles"],
    summary="Change the caller's password; the other sessions end",
    status_code=204,
    responses=NO_CONTENT,
)
def change_password(body: ChangePasswordIn) -> Response[None]:
    accounts.change_password(caller(app).user_id, session_id(app), body)
    return Response(status_code=204)


@app.post(
    "/me/totp",
    tags=["profiles"],
    summary="Start turning on two-factor authentication: a new authenticator secret",
)
def enrol_totp() -> TotpEnrolmentOut:
    secret, uri = totp.enrol(caller(app).user_id)
    return TotpEnrolmentOut(secret=secret, otpauth_uri=uri)


@app.post(
    "/me/totp/verify",
    tags=["profiles"],
    summary="Turn on two-factor authentication with a code from the new secret",
    status_code=204,
    responses=NO_CONTENT,
)
def verify_totp(body: TotpCodeIn) -> Response[None]:
    totp.turn_on(caller(app).user_id, body.code)
    return Response(status_code=204)


@app.delete(
    "/me/totp",
    tags=["profiles"],
    summary="Turn off two-factor authentication with a code",
    status_code=204,
    responses=NO_CONTENT,
)
def disable_totp(body: TotpCodeIn) -> Response[None]:
    totp.turn_off(caller(app).user_id, body.code)
    return Response(status_code=204)


@app.get("/me/hidden-words", tags=["safety"], summary="The caller's hidden words")
def get_hidden_words() -> HiddenWordsOut:
    return hidden_words.hidden_words(caller(app).user_id)


@app.put(
    "/me/hidden-words",
    tags=["safety"],
    summary="Replace the caller's hidden words: comments on their posts and message requests "
    "to them that hold one are hidden from them",
)
def put_hidden_words(body: HiddenWordsIn) -> HiddenWordsOut:
    return hidden_words.replace(caller(app).user_id, body)


@app.delete(
    "/me",
    tags=["profiles"],
    summary="Delete the caller's account: gone at once, erased after the grace period",
    status_code=202,
)
def delete_me(body: DeleteMeIn) -> DeletionOut:
    return leaving.delete_account(caller(app).user_id, body)


@app.post(
    "/me/restore",
    tags=["profiles"],
    summary="Bring a deleted account back before it is erased",
    status_code=204,
    responses=NO_CONTENT,
)
def restore_me() -> Response[None]:
    leaving.restore_account(caller(app).user_id)
    return Response(status_code=204)


lambda_handler = plumbing.http(app)
