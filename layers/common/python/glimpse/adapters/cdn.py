"""Media URLs: CloudFront signed URLs of the renditions, posters and MP4s the CDN serves from
the bucket's `renditions/` prefix.

Every URL a response carries is signed and expires `MediaUrlTtlSeconds` after it (rounded up
to the next minute, so the URLs of one media item are the same for a minute: clients and the
CDN cache them, and a process signs each item once a minute at most). One custom policy per
media item covers all its files (`<cdn>/<media_id>/*`); the signature is ECDSA P-256 over
SHA-256 (`Hash-Algorithm=SHA256`): about 25 µs, so a feed page of 40 media items costs about
1 ms to sign (benchmarks/media_urls.py). The private key is read once per execution
environment from Secrets Manager; without a configured key (a trial deploy) URLs are plain.
The local cloud's S3 front checks the same signature and expiry (infra/local/fronts/s3.py).
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from glimpse.config import get_settings
from glimpse.models.objects import RENDITIONS_PREFIX

_LOOPBACK = ("127.0.0.1", "localhost")
ROUND_SECONDS = 60  # expiries round up to the minute: the same URL for a minute


def _base_url() -> str:
    domain = get_settings().require("media_cdn_domain").rstrip("/")
    # The local cloud serves renditions straight from its S3 on a loopback address (plain
    # HTTP); everywhere else the domain is CloudFront's, always HTTPS.
    host = domain.split("/", 1)[0].rsplit(":", 1)[0]
    scheme = "http" if host in _LOOPBACK else "https"
    return f"{scheme}://{domain}"


def rendition_urls(keys: Mapping[str, str]) -> dict[str, str]:
    """Rendition size → URL (signed, expiring), from rendition size → object key."""
    if not keys:
        return {}
    base = _base_url()
    paths = {size: key.removeprefix(RENDITIONS_PREFIX) for size, key in keys.items()}
    settings = get_settings()
    if not settings.media_url_key_id:
        return {size: f"{base}/{path}" for size, path in paths.items()}
    expires = expiry(time.time(), settings.media_url_ttl_seconds)
    signed: dict[str, str] = {}
    for size, path in paths.items():
        folder = path.rsplit("/", 1)[0] if "/" in path else path
        signed[size] = f"{base}/{path}?{_query(f'{base}/{folder}/*', expires)}"
    return signed


def expiry(now: float, ttl: int) -> int:
    """When a URL handed out at `now` stops working: `ttl` later, rounded up to the minute
    (to `ttl` seconds when it is shorter)."""
    step = max(1, min(ROUND_SECONDS, ttl))
    return math.ceil((now + ttl) / step) * step


@lru_cache(maxsize=4096)
def _query(resource: str, expires: int) -> str:
    """The signed URL's query for every file under `resource` (a wildcard) until `expires`."""
    policy = policy_document(resource, expires)
    signature = _signing_key().sign(policy, _ecdsa())
    key_id = get_settings().require("media_url_key_id")
    return (
        f"Policy={cloudfront_b64(policy)}&Signature={cloudfront_b64(signature)}"
        f"&Key-Pair-Id={key_id}&Hash-Algorithm=SHA256"
    )


def policy_document(resource: str, expires: int) -> bytes:
    """CloudFront's custom policy: `resource` (with `*` wildcards) until `expires`."""
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def cloudfront_b64(data: bytes) -> str:
    """Base64 with CloudFront's URL-safe substitutions (+ → -, = → _, / → ~)."""
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


def from_cloudfront_b64(text: str) -> bytes:
    return base64.b64decode(text.translate(str.maketrans("-_~", "+=/")), validate=True)


@cache
def _signing_key() -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    from glimpse.adapters.secrets import media_url_key

    return load_der_private_key(media_url_key(), password=None)


def _ecdsa() -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    # RFC 6979: the same policy gets the same signature in every process, so every instance
    # hands out the same URL for a media item within a minute (caches keyed by URL hit).
    return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
