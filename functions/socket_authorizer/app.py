"""The WebSocket API's $connect authorizer: the Cognito ID token in `?token=`.

Browsers cannot set headers on a WebSocket handshake, so the token comes in the query string.
A valid token of a session that has not ended (glimpse.sessions) gets an Allow policy for this
API with the user's id and username in the context (the $connect route stores them); anything
else is refused, which API Gateway answers with 401 at the handshake.
"""

from typing import Any

from glimpse import sessions
from glimpse.plumbing import Plumbing
from glimpse.realtime.tokens import InvalidToken, verifier

from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("cognito_issuer", "sessions_table", "user_pool_client_id")

plumbing = Plumbing.of("socket_authorizer", traced=False)
logger = plumbing.logger


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        claims = verifier().claims(token)
    except InvalidToken as exc:
        logger.info("connection refused", extra={"reason": str(exc)})
        raise PermissionError("Unauthorized") from None  # API Gateway: 401
    if not sessions.is_live(claims["sub"], claims):
        logger.info("connection refused", extra={"reason": "the session has ended"})
        raise PermissionError("Unauthorized")
    if sessions.pending_deletion(claims["sub"]):  # it may only restore itself, over HTTP
        logger.info("connection refused", extra={"reason": "the account is deleted"})
        raise PermissionError("Unauthorized")
    # The policy covers the whole API: the decision is made once, for the connection.
    api_arn = str(event["methodArn"]).split("/", 1)[0] + "/*"
    return {
        "principalId": claims["sub"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": api_arn}],
        },
        "context": {"user_id": claims["sub"], "username": claims.get("cognito:username", "")},
    }


lambda_handler = plumbing.consumer(handle)
