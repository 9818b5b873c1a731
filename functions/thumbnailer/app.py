"""Image uploads → moderated renditions (glimpse.media.consumer on the `uploads/` prefix)."""

from glimpse.media.consumer import UPLOADS_SETTINGS, uploads_consumer
from glimpse.models.objects import UPLOADS_PREFIX
from glimpse.plumbing import Plumbing

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = UPLOADS_SETTINGS

plumbing = Plumbing.of("thumbnailer")
lambda_handler = uploads_consumer(plumbing, UPLOADS_PREFIX)
