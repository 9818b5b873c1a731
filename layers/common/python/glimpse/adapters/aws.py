"""Lazily created, cached boto3 clients (never at import time)."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config

from glimpse.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def cognito() -> CognitoIdentityProviderClient:
    return boto3.client("cognito-idp", region_name=get_settings().region, config=CONFIG)


@cache
def s3() -> S3Client:
    """SigV4 everywhere (presigned POST policies signed with SigV2 are refused by newer
    regions), and virtual-hosted regional URLs (`https://<bucket>.s3.<region>.amazonaws.com`):
    the legacy global endpoint answers a new bucket outside us-east-1 with a redirect or a 400.
    An endpoint override (the local cloud's S3) keeps path-style URLs on that endpoint."""
    overridden = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style: Literal["path", "virtual"] = "path" if overridden else "virtual"
    config = CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": style}))
    return boto3.client("s3", region_name=get_settings().region, config=config)


@cache
def sns() -> SNSClient:
    return boto3.client("sns", region_name=get_settings().region, config=CONFIG)


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", region_name=get_settings().region, config=CONFIG)


@cache
def secrets() -> SecretsManagerClient:
    return boto3.client("secretsmanager", region_name=get_settings().region, config=CONFIG)


@cache
def rekognition() -> RekognitionClient:
    """Throttling and 5xx are retried here (standard mode); what still fails fails the upload's
    delivery, which SQS repeats (glimpse.media.moderation)."""
    return boto3.client("rekognition", region_name=get_settings().region, config=CONFIG)
