"""`/auth/*`: sign-up, confirmation, login (and its two-factor step), refresh, password reset
and logout (no token needed; logging out everywhere also reads the Bearer token)."""

from glimpse.adapters import cognito
from glimpse.api.resolver import ACCEPTED, NO_CONTENT, create_app
from glimpse.auth import service
from glimpse.auth.schemas import (
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
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "connections_table",
    "events_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "user_pool_client_id",
    "user_pool_id",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("auth")
metrics = plumbing.metrics
app = create_app()


@app.post("/auth/signup", status_code=201, tags=["auth"], summary="Create an account")
def signup(body: SignupIn) -> SignupOut:
    created = service.signup(body)
    metrics.add_metric(name="SignUps", unit=MetricUnit.Count, value=1)
    return created


@app.post(
    "/auth/confirm",
    tags=["auth"],
    summary="Confirm an account with the emailed code",
    status_code=204,
    responses=NO_CONTENT,
)
def confirm(body: ConfirmIn) -> Response[None]:
    service.confirm(body)
    return Response(status_code=204)


@app.post(
    "/auth/resend-code",
    tags=["auth"],
    summary="Email a new sign-up code (202 whether or not there is such an unconfirmed account)",
    status_code=202,
    responses=ACCEPTED,
)
def resend_code(body: ResendCodeIn) -> Response[None]:
    service.resend_code(body)
    return Response(status_code=202)


@app.post(
    "/auth/login",
    tags=["auth"],
    summary="Exchange username and password for tokens (or a two-factor challenge)",
)
def login(body: LoginIn) -> TokensOut | TotpChallengeOut:
    answer = service.login(body, _user_agent())
    waiting = isinstance(answer, TotpChallengeOut)  # a login once its code is right
    metrics.add_metric(
        name="TotpChallenges" if waiting else "Logins", unit=MetricUnit.Count, value=1
    )
    return answer


@app.post(
    "/auth/login/totp",
    tags=["auth"],
    summary="Finish a two-factor sign-in with the authenticator app's code",
)
def login_totp(body: LoginTotpIn) -> TokensOut:
    tokens = service.login_totp(body, _user_agent())
    metrics.add_metric(name="Logins", unit=MetricUnit.Count, value=1)
    return tokens


def _user_agent() -> str:
    return (app.current_event.headers or {}).get("User-Agent") or ""


@app.post("/auth/refresh", tags=["auth"], summary="Exchange a refresh token for new tokens")
def refresh(body: RefreshIn) -> RefreshOut:
    return service.refresh(body)


@app.post(
    "/auth/forgot-password",
    tags=["auth"],
    summary="Email a password reset code (202 whether or not the account exists)",
    status_code=202,
    responses=ACCEPTED,
)
def forgot_password(body: ForgotPasswordIn) -> Response[None]:
    service.forgot_password(body)
    return Response(status_code=202)


@app.post(
    "/auth/reset-password",
    tags=["auth"],
    summary="Set a new password with the emailed code; every session ends",
    status_code=204,
    responses=NO_CONTENT,
)
def reset_password(body: ResetPasswordIn) -> Response[None]:
    service.reset_password(body)
    return Response(status_code=204)


@app.post(
    "/auth/logout",
    tags=["auth"],
    summary="Revoke the refresh token; with all_devices, end every session",
    status_code=204,
    responses=NO_CONTENT,
)
def logout(body: LogoutIn) -> Response[None]:
    bearer = (app.current_event.headers or {}).get("Authorization") or ""
    service.logout(body, cognito.claims_of(bearer.removeprefix("Bearer ").strip()))
    return Response(status_code=204)


lambda_handler = plumbing.http(app)
