"""Profiles: `GET/PATCH /me`, `GET /users/{username}`."""

from glimpse.api.identity import caller
from glimpse.api.resolver import create_app
from glimpse.plumbing import Plumbing
from glimpse.users import service
from glimpse.users.schemas import MeOut, ProfilePatch, UserOut

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("events_table", "media_cdn_domain", "media_table", "users_table")

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
    return service.view_user(caller(app).user_id, username)


lambda_handler = plumbing.http(app)
