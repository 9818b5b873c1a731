"""Where media objects live in the media bucket.

- `uploads/{user_id}/{media_id}`: what clients POST (quarantine: never served, expires in a day);
  videos go to `video-uploads/…`, which notifies the transcoder instead of the thumbnailer
- `originals/{user_id}/{media_id}`: accepted originals, kept private (never served)
- `renditions/{media_id}/{size}.jpg`: re-encoded renditions, the only objects the CDN serves
  (a video's outputs are `renditions/{media_id}/{short edge}.mp4`, its poster the usual JPEGs)

Story media live under prefixes of their own, which a lifecycle rule expires after two days
(the backstop: the story reaper deletes them when the story goes): `renditions/stories/…` and
`originals/stories/…`. A highlight keeps copies under `renditions/kept/…`, which never expire.

- `exports/{user_id}/{export_id}.zip`: an account's data export (private, handed out by
  presigned URL); a lifecycle rule deletes it seven days after it was written
"""

from __future__ import annotations

import re

UPLOADS_PREFIX = "uploads/"
VIDEO_UPLOADS_PREFIX = "video-uploads/"
ORIGINALS_PREFIX = "originals/"
RENDITIONS_PREFIX = "renditions/"

_ULID = r"[0-9A-HJKMNP-TV-Z]{26}"
_UPLOAD_KEY = re.compile(
    rf"^(?:video-)?uploads/(?P<user_id>[0-9A-Za-z-]{{1,64}})/(?P<media_id>{_ULID})$"
)


def upload_key(user_id: str, media_id: str, media_type: str = "image") -> str:
    prefix = VIDEO_UPLOADS_PREFIX if media_type == "video" else UPLOADS_PREFIX
    return f"{prefix}{user_id}/{media_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """`(user_id, media_id)` of an upload key, or None for any other key."""
    match = _UPLOAD_KEY.match(key)
    return (match["user_id"], match["media_id"]) if match else None


STORY_RENDITIONS_PREFIX = f"{RENDITIONS_PREFIX}stories/"
STORY_ORIGINALS_PREFIX = f"{ORIGINALS_PREFIX}stories/"
KEPT_RENDITIONS_PREFIX = f"{RENDITIONS_PREFIX}kept/"


def original_key(user_id: str, media_id: str, kind: str = "post") -> str:
    prefix = STORY_ORIGINALS_PREFIX if kind == "story" else ORIGINALS_PREFIX
    return f"{prefix}{user_id}/{media_id}"


def originals_prefixes(user_id: str) -> tuple[str, str]:
    """Where the originals of everything `user_id` uploaded are kept: posts and avatars, and
    stories (which the story reaper deletes when the story ends)."""
    return f"{ORIGINALS_PREFIX}{user_id}/", f"{STORY_ORIGINALS_PREFIX}{user_id}/"


def media_id_of_original(key: str) -> str:
    """The media id an original's key ends with."""
    return key.rsplit("/", 1)[-1]


EXPORTS_PREFIX = "exports/"


def exports_prefix(user_id: str) -> str:
    return f"{EXPORTS_PREFIX}{user_id}/"


def export_key(user_id: str, export_id: str) -> str:
    return f"{exports_prefix(user_id)}{export_id}.zip"


def media_id_of_rendition(key: str) -> str:
    """The media id a (post or avatar) rendition's key names: `renditions/<media_id>/<size>`."""
    return key.removeprefix(RENDITIONS_PREFIX).split("/", 1)[0]


def rendition_key(media_id: str, size: int | str, kind: str = "post") -> str:
    prefix = STORY_RENDITIONS_PREFIX if kind == "story" else RENDITIONS_PREFIX
    return f"{prefix}{media_id}/{size}.jpg"


def video_key(media_id: str, short_edge: int | str, kind: str = "post") -> str:
    prefix = STORY_RENDITIONS_PREFIX if kind == "story" else RENDITIONS_PREFIX
    return f"{prefix}{media_id}/{short_edge}.mp4"


def kept_rendition_key(media_id: str, size: int | str) -> str:
    """Where a highlight keeps its copy of a story's rendition."""
    return f"{KEPT_RENDITIONS_PREFIX}{media_id}/{size}.jpg"


def kept_video_key(media_id: str, short_edge: int | str) -> str:
    """Where a highlight keeps its copy of a video story's MP4."""
    return f"{KEPT_RENDITIONS_PREFIX}{media_id}/{short_edge}.mp4"


def account_prefixes(user_id: str) -> list[str]:
    """Where an account's own objects live, each named by its media id: uploads and
    originals (erasure finds its media by them)."""
    return [
        f"{UPLOADS_PREFIX}{user_id}/",
        f"{VIDEO_UPLOADS_PREFIX}{user_id}/",
        f"{ORIGINALS_PREFIX}{user_id}/",
        f"{STORY_ORIGINALS_PREFIX}{user_id}/",
    ]


def derived_prefixes(media_id: str) -> list[str]:
    """Where what is made from a media item lives: renditions, videos and posters, story
    renditions, and highlights' kept copies."""
    return [
        f"{prefix}{media_id}/"
        for prefix in (RENDITIONS_PREFIX, STORY_RENDITIONS_PREFIX, KEPT_RENDITIONS_PREFIX)
    ]
