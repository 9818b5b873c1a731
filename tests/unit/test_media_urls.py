"""Signed media URLs (glimpse.adapters.cdn) and the check the local cloud's S3 front makes of
them (infra/local/media_urls.py): CloudFront's custom policy, ECDSA P-256 over SHA-256."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from glimpse.adapters import cdn, secrets
from glimpse.config import get_settings
from infra.local import media_urls

KEYS = media_urls.parameters(None)
KEY_ID = "K2JCJMDEHXQW5F"
PEM = "-----BEGIN PUBLIC KEY-----\n" + KEYS["MediaUrlPublicKey"] + "\n-----END PUBLIC KEY-----\n"
MEDIA = "01JD0Z8Q5M3S4V6X7Y8Z9A0B3E"


@pytest.fixture
def signing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MEDIA_CDN_DOMAIN", "d111111abcdef8.cloudfront.net")
    monkeypatch.setenv("MEDIA_URL_KEY_ID", KEY_ID)
    monkeypatch.setenv("MEDIA_URL_SIGNING_KEY_ARN", "arn:aws:secretsmanager:::secret:k")
    monkeypatch.setenv("MEDIA_URL_TTL_SECONDS", "3600")
    monkeypatch.setattr(
        secrets, "media_url_key", lambda: base64.b64decode(KEYS["MediaUrlPrivateKey"])
    )
    get_settings.cache_clear()
    cdn._signing_key.cache_clear()
    cdn._query.cache_clear()
    yield
    get_settings.cache_clear()
    cdn._signing_key.cache_clear()
    cdn._query.cache_clear()


def split(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


def renditions() -> dict[str, str]:
    return cdn.rendition_urls({s: f"renditions/{MEDIA}/{s}.jpg" for s in ("1080", "640")})


def test_a_signed_url_opens_its_media_until_it_expires(signing: None) -> None:
    urls = renditions()
    assert set(urls) == {"1080", "640"}
    for url in urls.values():
        base, query = split(url)
        assert set(query) == {"Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}
        assert query["Key-Pair-Id"] == [KEY_ID]
        media_urls.check(base, query, {KEY_ID: PEM})
    # one policy covers the media item's files: the same query on each
    assert len({urlsplit(u).query for u in urls.values()}) == 1
    # and another process signs it alike (deterministic ECDSA): the same URLs everywhere
    cdn._query.cache_clear()
    cdn._signing_key.cache_clear()
    assert renditions() == urls


def test_an_altered_url_is_refused(signing: None) -> None:
    base, query = split(renditions()["640"])
    trusted = {KEY_ID: PEM}
    other_media = base.replace(MEDIA, "01JD0Z8Q5M3S4V6X7Y8Z9A0B3F")
    for url, params in (
        (other_media, query),  # another media item's file
        (base, {**query, "Signature": [query["Signature"][0][:-4] + "AAAA"]}),
        (base, {**query, "Key-Pair-Id": ["KOTHER"]}),
        (base, {k: v for k, v in query.items() if k != "Signature"}),
    ):
        with pytest.raises(media_urls.SignedUrlRefused):
            media_urls.check(url, params, trusted)
    # a later expiry in the policy breaks its signature
    policy = cdn.from_cloudfront_b64(query["Policy"][0])
    later = policy.replace(b'"AWS:EpochTime":', b'"AWS:EpochTime":9')
    with pytest.raises(media_urls.SignedUrlRefused):
        media_urls.check(base, {**query, "Policy": [cdn.cloudfront_b64(later)]}, trusted)


def test_an_expired_url_is_refused(signing: None, monkeypatch: pytest.MonkeyPatch) -> None:
    base, query = split(renditions()["640"])
    expires = cdn.expiry(time.time(), 3600)
    monkeypatch.setattr(media_urls.time, "time", lambda: expires + 1)
    with pytest.raises(media_urls.SignedUrlRefused, match="expired"):
        media_urls.check(base, query, {KEY_ID: PEM})


def test_expiries_round_up_to_the_minute() -> None:
    assert cdn.expiry(1_800_000_000.0, 3600) == 1_800_003_600
    assert cdn.expiry(1_800_000_000.5, 3600) == 1_800_003_660
    assert cdn.expiry(1_800_000_059.0, 60) - (1_800_000_059 + 60) < 60
    assert cdn.expiry(1_800_000_000.5, 2) == 1_800_000_004  # a short life rounds finer


def test_without_a_key_urls_are_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_CDN_DOMAIN", "d111111abcdef8.cloudfront.net")
    monkeypatch.delenv("MEDIA_URL_KEY_ID", raising=False)
    get_settings.cache_clear()
    try:
        url = renditions()["640"]
    finally:
        get_settings.cache_clear()
    assert url == f"https://d111111abcdef8.cloudfront.net/{MEDIA}/640.jpg"


def test_the_policy_is_the_one_cloudfront_signs() -> None:
    """botocore's CloudFront signer builds the same custom policy, byte for byte."""
    from botocore.signers import CloudFrontSigner

    resource, expires = f"https://d111111abcdef8.cloudfront.net/{MEDIA}/*", 1_800_003_600
    when = datetime.fromtimestamp(expires, tz=UTC)
    built = CloudFrontSigner("K", lambda message: b"").build_policy(resource, when)
    assert cdn.policy_document(resource, expires) == built.encode()
