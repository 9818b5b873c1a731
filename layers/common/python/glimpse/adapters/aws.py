"""Lazily created, cached boto3 clients (never at import time)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from glimpse.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10
)


@cache
def cognito() -> CognitoIdentityProviderClient:
    return boto3.client("cognito-idp", region_name=get_settings().region, config=_CONFIG)


@cache
def s3() -> S3Client:
    # SigV4 everywhere: presigned POST policies signed with SigV2 are refused by newer regions.
    config = _CONFIG.merge(Config(signature_version="s3v4"))
    return boto3.client("s3", region_name=get_settings().region, config=config)


@cache
def sns() -> SNSClient:
    return boto3.client("sns", region_name=get_settings().region, config=_CONFIG)


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", region_name=get_settings().region, config=_CONFIG)


@cache
def secrets() -> SecretsManagerClient:
    return boto3.client("secretsmanager", region_name=get_settings().region, config=_CONFIG)
