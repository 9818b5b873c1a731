"""Cognito pre-sign-up trigger: confirms new accounts at once when AUTO_CONFIRM_USERS is true."""

from typing import Any

from glimpse.config import get_settings
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreSignUpTriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("auto_confirm_users",)

plumbing = Plumbing.of("presignup", traced=False)
logger = plumbing.logger


@event_source(data_class=PreSignUpTriggerEvent)
def handle(event: PreSignUpTriggerEvent, context: LambdaContext) -> dict[str, Any]:
    if get_settings().auto_confirm_users:
        event.response.auto_confirm_user = True
        if event.request.user_attributes.get("email"):
            event.response.auto_verify_email = True
    logger.info(
        "sign-up",
        extra={"user": event.user_name, "auto_confirm": get_settings().auto_confirm_users},
    )
    return event.raw_event


lambda_handler = plumbing.consumer(handle)
