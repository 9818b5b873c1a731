"""Mobile push through SNS platform endpoints, and held pushes through the notifier's queue."""

from __future__ import annotations

import json
import re
from typing import Literal

from botocore.exceptions import ClientError

from glimpse.adapters.aws import sns, sqs
from glimpse.config import get_settings

Platform = Literal["ios", "android"]

# What SNS answers when an endpoint can no longer be pushed to (the app was uninstalled, the
# token expired) or was deleted: the device is forgotten.
GONE = {"EndpointDisabled", "NotFound", "EndpointDisabledException"}


_EXISTING = re.compile(r"Endpoint (arn:\S+) already exists")


class PlatformNotConfigured(Exception):
    """This deployment has no platform application for that platform."""


class InvalidToken(Exception):
    """SNS refused the device token (not a token of that platform)."""


def _application(platform: Platform) -> str:
    settings = get_settings()
    arn = (
        settings.apns_platform_application_arn
        if platform == "ios"
        else settings.fcm_platform_application_arn
    )
    if not arn:
        raise PlatformNotConfigured(platform)
    return arn


def create_endpoint(platform: Platform, token: str) -> str:
    """The platform endpoint of a device token (SNS returns the existing one for a token it
    knows), enabled: a token registered again after SNS disabled it is live again."""
    application = _application(platform)
    try:
        arn = sns().create_platform_endpoint(PlatformApplicationArn=application, Token=token)[
            "EndpointArn"
        ]
    except ClientError as exc:
        # The token's endpoint exists with other attributes (disabled): SNS names it.
        error = exc.response["Error"]
        found = _EXISTING.search(error.get("Message", ""))
        if error["Code"] != "InvalidParameter":
            raise
        if found is None:  # the token itself: malformed for the platform
            raise InvalidToken(error.get("Message", "")) from None
        arn = found.group(1)
    sns().set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "true"})
    return arn


def delete_endpoint(endpoint_arn: str) -> None:
    sns().delete_endpoint(EndpointArn=endpoint_arn)  # idempotent in SNS


def send(endpoint_arn: str, text: str, data: dict[str, str]) -> bool:
    """Push `text` (with `data` for the app) to one device; False if the endpoint is gone."""
    apns = {"aps": {"alert": text, "sound": "default"}, **data}
    fcm = {"notification": {"body": text}, "data": data}
    message = {
        "default": text,
        "APNS": json.dumps(apns),
        "APNS_SANDBOX": json.dumps(apns),
        "GCM": json.dumps({"fcmV1Message": {"message": fcm}}),
    }
    try:
        sns().publish(TargetArn=endpoint_arn, Message=json.dumps(message), MessageStructure="json")
    except ClientError as exc:
        if exc.response["Error"]["Code"] in GONE:
            return False
        raise
    return True


def hold(body: dict[str, str], delay_seconds: int) -> None:
    """Send `body` to the notifier's own queue, delivered after `delay_seconds` (≤ 900)."""
    sqs().send_message(
        QueueUrl=get_settings().require("notifier_queue_url"),
        MessageBody=json.dumps(body),
        DelaySeconds=max(0, min(900, delay_seconds)),
    )
