"""Public URLs of renditions: the CDN that serves the bucket's renditions/ prefix."""

from __future__ import annotations

from collections.abc import Mapping

from glimpse.config import get_settings
from glimpse.models.objects import RENDITIONS_PREFIX

_LOOPBACK = ("127.0.0.1", "localhost")


def _base_url() -> str:
    domain = get_settings().require("media_cdn_domain").rstrip("/")
    # The local cloud serves renditions straight from its S3 on a loopback address (plain
    # HTTP); everywhere else the domain is CloudFront's, always HTTPS.
    host = domain.split("/", 1)[0].rsplit(":", 1)[0]
    scheme = "http" if host in _LOOPBACK else "https"
    return f"{scheme}://{domain}"


def rendition_urls(keys: Mapping[str, str]) -> dict[str, str]:
    """Rendition size → URL, from rendition size → object key."""
    if not keys:
        return {}
    base = _base_url()
    return {size: f"{base}/{key.removeprefix(RENDITIONS_PREFIX)}" for size, key in keys.items()}
