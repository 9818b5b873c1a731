"""Image uploads → moderated renditions (glimpse.media.consumer on the `uploads/` prefix)."""

from glimpse.media.consumer import uploads_consumer
from glimpse.models.objects import UPLOADS_PREFIX
from glimpse.plumbing import Plumbing

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "events_table",
    "idempotency_table",
    "media_bucket",
    "media_table",
    "moderation_mode",
    "moderation_reject_score",
    "moderation_review_score",
)

plumbing = Plumbing.of("thumbnailer")
lambda_handler = uploads_consumer(plumbing, UPLOADS_PREFIX)
