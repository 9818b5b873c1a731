"""Video uploads → MP4s and poster renditions (glimpse.media.consumer on `video-uploads/`)."""

from glimpse.media.consumer import UPLOADS_SETTINGS, uploads_consumer
from glimpse.media.video_processing import publish_video
from glimpse.models.objects import VIDEO_UPLOADS_PREFIX
from glimpse.plumbing import Plumbing

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = UPLOADS_SETTINGS

plumbing = Plumbing.of("transcoder")
lambda_handler = uploads_consumer(plumbing, VIDEO_UPLOADS_PREFIX, publish_video)
