"""`/auth/*`: sign-up, confirmation, login and refresh (no token needed)."""

from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.auth import service
from glimpse.auth.schemas import (
    ConfirmIn,
    LoginIn,
    RefreshIn,
    RefreshOut,
    SignupIn,
    SignupOut,
    TokensOut,
)
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("user_pool_client_id", "users_table")

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


@app.post("/auth/login", tags=["auth"], summary="Exchange username and password for tokens")
def login(body: LoginIn) -> TokensOut:
    tokens = service.login(body)
    metrics.add_metric(name="Logins", unit=MetricUnit.Count, value=1)
    return tokens


@app.post("/auth/refresh", tags=["auth"], summary="Exchange a refresh token for new tokens")
def refresh(body: RefreshIn) -> RefreshOut:
    return service.refresh(body)


lambda_handler = plumbing.http(app)
