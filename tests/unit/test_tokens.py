from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from infra.local.tokens import CognitoVerifier, InvalidToken

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
VERIFIER = CognitoVerifier("us-east-1_pool", frozenset({"client"}), KeySet([KEY]))


def token(key: RSAKey = KEY, **changes: object) -> str:
    claims = {
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
        "aud": "client",
        "token_use": "id",
        "sub": "user-1",
        "cognito:username": "alice",
        "exp": int(time.time()) + 60,
    }
    claims.update(changes)
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def test_valid_token_gives_string_claims() -> None:
    claims = VERIFIER.claims(f"Bearer {token()}")
    assert claims["sub"] == "user-1"
    assert isinstance(claims["exp"], str)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "Bearer not-a-jwt",
        f"Bearer {token(OTHER_KEY)}",
        f"Bearer {token(exp=int(time.time()) - 1)}",
        f"Bearer {token(iss='https://cognito-idp.us-east-1.amazonaws.com/other')}",
        f"Bearer {token(aud='another-client')}",
        f"Bearer {token(token_use='access')}",
    ],
)
def test_refused(bad: str | None) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.claims(bad)
