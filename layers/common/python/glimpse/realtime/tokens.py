"""Cognito ID tokens, verified as API Gateway's Cognito authorizer does: the pool's signature
(its JWKS, fetched once per container), issuer, audience (the app client), `token_use`, expiry.

Only the WebSocket authorizer imports this (it needs joserfc, in its own requirements); the
local cloud's REST front verifies the REST API's tokens with the same class.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from glimpse.config import get_settings


class InvalidToken(Exception):
    """Why a token was refused (logged, never sent to the client)."""


@dataclass
class IdTokenVerifier:
    issuer: str
    client_ids: frozenset[str]
    keys: KeySet

    def claims(self, token: str | None, now: float | None = None) -> dict[str, str]:
        """The token's claims, all values as strings (as API Gateway passes them on)."""
        if not token:
            raise InvalidToken("no token")
        try:
            decoded = jwt.decode(
                token.removeprefix("Bearer ").strip(), self.keys, algorithms=["RS256"]
            )
        except (JoseError, ValueError) as exc:
            raise InvalidToken(f"bad token: {exc}") from None
        claims: dict[str, Any] = dict(decoded.claims)
        if claims.get("iss") != self.issuer:
            raise InvalidToken("token from another issuer")
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        if claims.get("aud") not in self.client_ids:
            raise InvalidToken("token for another app client")
        if float(claims.get("exp", 0)) <= (now if now is not None else time.time()):
            raise InvalidToken("token expired")
        return {
            key: value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, list | dict)
            else str(value)
            for key, value in claims.items()
        }


def jwks_url(issuer: str, endpoint: str | None = None) -> str:
    """Where the pool publishes its keys: the issuer's well-known URL, or (an endpoint override:
    the local cloud) the same path on that endpoint."""
    if endpoint:
        return f"{endpoint.rstrip('/')}/{issuer.rsplit('/', 1)[-1]}/.well-known/jwks.json"
    return f"{issuer}/.well-known/jwks.json"


def fetch_keys(url: str) -> KeySet:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above
        return KeySet.import_key_set(json.loads(response.read()))


@cache
def verifier() -> IdTokenVerifier:
    """This deployment's pool and app client (settings), keys fetched on first use."""
    settings = get_settings()
    issuer = settings.require("cognito_issuer")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP") or os.environ.get("AWS_ENDPOINT_URL")
    return IdTokenVerifier(
        issuer,
        frozenset({settings.require("user_pool_client_id")}),
        fetch_keys(jwks_url(issuer, endpoint)),
    )
