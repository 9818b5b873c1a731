"""Cognito authorizer checks, as API Gateway makes them: signature, issuer, audience, expiry."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from infra.local.template import REGION


class InvalidToken(Exception):
    """Why a bearer token was refused (logged, never sent to the client)."""


@dataclass
class CognitoVerifier:
    pool_id: str
    client_ids: frozenset[str]
    keys: KeySet

    @classmethod
    def fetch(cls, endpoint: str, pool_id: str, client_ids: frozenset[str]) -> CognitoVerifier:
        """Reads the pool's JWKS from its well-known URL, as API Gateway does."""
        url = f"{endpoint}/{pool_id}/.well-known/jwks.json"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local moto URL
            document = json.loads(response.read())
        return cls(pool_id, client_ids, KeySet.import_key_set(document))

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    def claims(self, authorization: str | None, now: float | None = None) -> dict[str, str]:
        """The token's claims as API Gateway passes them (all values strings)."""
        if not authorization:
            raise InvalidToken("no Authorization header")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            decoded = jwt.decode(token, self.keys, algorithms=["RS256"])
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
