"""Signing media URLs (glimpse.adapters.cdn): URLs signed per second, and what signing a feed
page costs (40 media items of 4 sizes, no signature cached), against RSA-2048 over SHA-1
(CloudFront's classic signed URL, one signature per media item as well) measured in the same
run. Run: `.venv/bin/python -m benchmarks.media_urls`."""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchmarks import smoke
from glimpse.adapters import cdn, secrets
from glimpse.clock import new_id
from glimpse.config import get_settings
from infra.local import media_urls

ROUNDS = 30
PAGE_ITEMS = 40
SIZES = ("1080", "640", "320", "150")


def page_of_keys() -> list[dict[str, str]]:
    return [
        {size: f"renditions/{media}/{size}.jpg" for size in SIZES}
        for media in (new_id() for _ in range(PAGE_ITEMS))
    ]


def sign_page(page: list[dict[str, str]]) -> float:
    cdn._query.cache_clear()  # no signature cached: the first page of a minute
    started = time.perf_counter()
    for keys in page:
        cdn.rendition_urls(keys)
    return time.perf_counter() - started


def rsa_page(key: Any, page: list[dict[str, str]]) -> float:
    started = time.perf_counter()
    for keys in page:
        media = next(iter(keys.values())).split("/")[1]
        policy = cdn.policy_document(f"https://cdn/{media}/*", 1_800_000_000)
        key.sign(policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's default
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    rounds = smoke.parse(parser, {"rounds": 2}).rounds
    keys = media_urls.parameters(None)
    os.environ.update(
        MEDIA_CDN_DOMAIN="d111111abcdef8.cloudfront.net",
        MEDIA_URL_KEY_ID="KBENCHMARK",
        MEDIA_URL_SIGNING_KEY_ARN="arn:aws:secretsmanager:us-east-1:1:secret:bench",
        MEDIA_URL_TTL_SECONDS="3600",
    )
    get_settings.cache_clear()
    private = base64.b64decode(keys["MediaUrlPrivateKey"])
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with mock.patch.object(secrets, "media_url_key", return_value=private):
        sign_page(page_of_keys())  # loads the key
        ecdsa = [sign_page(page_of_keys()) for _ in range(rounds)]
        rsa_times = [rsa_page(rsa_key, page_of_keys()) for _ in range(rounds)]
        cached_page = page_of_keys()
        sign_page(cached_page)
        started = time.perf_counter()
        for keys_ in cached_page:
            cdn.rendition_urls(keys_)
        cached = time.perf_counter() - started
    median, baseline = statistics.median(ecdsa), statistics.median(rsa_times)
    urls = PAGE_ITEMS * len(SIZES)
    print(f"signing a feed page ({PAGE_ITEMS} media items, {urls} URLs), median of {rounds}:")
    print(f"  ECDSA P-256 / SHA-256, nothing cached: {median * 1000:.2f} ms")
    print(f"  the same page again within the minute:  {cached * 1000:.2f} ms (signatures cached)")
    print(f"  RSA-2048 / SHA-1 baseline:             {baseline * 1000:.2f} ms")
    print(f"  ratio RSA / ECDSA:                     {baseline / median:.1f}x")
    print(f"  URLs signed per second (one core):     {urls / median:,.0f}")


if __name__ == "__main__":
    main()
