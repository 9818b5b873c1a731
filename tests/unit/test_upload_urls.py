"""Presigned upload forms point at the bucket's regional, virtual-hosted S3 endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glimpse.adapters import aws
from glimpse.config import get_settings


@pytest.fixture
def region(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    get_settings.cache_clear()
    aws.s3.cache_clear()
    yield
    get_settings.cache_clear()
    aws.s3.cache_clear()


def test_outside_us_east_1_the_form_posts_to_the_regional_endpoint(region: None) -> None:
    form = aws.s3().generate_presigned_post("glimpse-media", "uploads/u/m")
    assert form["url"] == "https://glimpse-media.s3.eu-west-1.amazonaws.com/"


def test_an_endpoint_override_keeps_path_style_urls(
    region: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    aws.s3.cache_clear()
    form = aws.s3().generate_presigned_post("glimpse-media", "uploads/u/m")
    assert form["url"] == "http://127.0.0.1:4566/glimpse-media"
