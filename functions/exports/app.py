"""Account data exports: `POST /me/exports`, `GET /me/exports/{export_id}`."""

from glimpse.api.identity import caller
from glimpse.api.resolver import create_app
from glimpse.exports import service
from glimpse.exports.schemas import ExportOut
from glimpse.plumbing import Plumbing

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "events_table",
    "media_bucket",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "users_table",
)

plumbing = Plumbing.of("exports")
app = create_app()


@app.post(
    "/me/exports",
    status_code=202,
    tags=["profiles"],
    summary="Ask for an archive of your data (one pending at a time, one a day)",
)
def request_export() -> ExportOut:
    return service.request_export(caller(app).user_id)


@app.get("/me/exports/<export_id>", tags=["profiles"], summary="An export's status and link")
def get_export(export_id: str) -> ExportOut:
    return service.export_of(caller(app).user_id, export_id)


lambda_handler = plumbing.http(app)
