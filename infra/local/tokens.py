"""Cognito authorizer checks, as API Gateway makes them: signature, issuer, audience, expiry.

The checks are the product's own (`glimpse.realtime.tokens`, what the WebSocket authorizer
runs in AWS); here they get the local pool's keys from the embedded Cognito.
"""

from __future__ import annotations

from joserfc.jwk import KeySet

from glimpse.realtime.tokens import IdTokenVerifier, InvalidToken, fetch_keys, jwks_url
from infra.local.template import REGION

__all__ = ["CognitoVerifier", "InvalidToken"]


class CognitoVerifier(IdTokenVerifier):
    def __init__(self, pool_id: str, client_ids: frozenset[str], keys: KeySet) -> None:
        super().__init__(f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}", client_ids, keys)
        self.pool_id = pool_id

    @classmethod
    def fetch(cls, endpoint: str, pool_id: str, client_ids: frozenset[str]) -> CognitoVerifier:
        """Reads the pool's JWKS from its well-known URL, as API Gateway does."""
        issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        return cls(pool_id, client_ids, fetch_keys(jwks_url(issuer, endpoint)))
