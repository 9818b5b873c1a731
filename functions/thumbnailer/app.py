"""Image uploads → renditions (glimpse.media.consumer on the `uploads/` prefix)."""

from glimpse.media.consumer import uploads_consumer
from glimpse.models.objects import UPLOADS_PREFIX
from glimpse.plumbing import Plumbing

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("idempotency_table", "media_bucket", "media_table")

plumbing = Plumbing.of("thumbnailer")
lambda_handler = uploads_consumer(plumbing, UPLOADS_PREFIX)
