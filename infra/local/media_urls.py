"""The local cloud's key pair for signed media URLs, and the check its S3 front makes of them.

AWS: the deployer makes an ECDSA P-256 pair and gives it to the stack (`MediaUrlPublicKey`,
`MediaUrlPrivateKey`); CloudFront checks each URL against the key group. Locally the pair is
made once and kept in the state directory (so URLs handed out before a restart keep working),
or made per run without one, and the S3 front checks URLs as CloudFront does: the custom
policy's signature under a trusted key (SHA-256, as `Hash-Algorithm=SHA256` asks), the
resource (with `*` wildcards) against the URL asked for, and `DateLessThan`.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from glimpse.adapters.cdn import from_cloudfront_b64

KEY_FILE = "media-url-key.der"


def parameters(state_dir: Path | None) -> dict[str, str]:
    """`MediaUrlPublicKey` and `MediaUrlPrivateKey` for the template: base64 DER on one line."""
    key = _load_or_make(state_dir / KEY_FILE if state_dir else None)
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "MediaUrlPublicKey": base64.b64encode(public).decode(),
        "MediaUrlPrivateKey": base64.b64encode(private).decode(),
    }


def _load_or_make(path: Path | None) -> Any:
    if path is not None and path.exists():
        return serialization.load_der_private_key(path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(der)
    return key


class SignedUrlRefused(Exception):
    """Why CloudFront would answer 403 to this URL."""


def check(url: str, query: dict[str, list[str]], trusted: dict[str, str]) -> None:
    """Raise SignedUrlRefused unless `url` (without its query) carries a valid signed URL's
    `query` under one of the `trusted` keys (id → PEM)."""

    def one(name: str) -> str:
        values = query.get(name) or []
        if len(values) != 1:
            raise SignedUrlRefused(f"Missing Key: {name}" if not values else f"Repeated: {name}")
        return values[0]

    key_id = one("Key-Pair-Id")
    pem = trusted.get(key_id)
    if pem is None:
        raise SignedUrlRefused("Unknown Key")
    if "Policy" in query:
        policy = _unb64(one("Policy"))
    else:  # a canned policy: the URL itself until `Expires`
        expires = int(one("Expires")) if one("Expires").isdigit() else 0
        condition = {"DateLessThan": {"AWS:EpochTime": expires}}
        statement = {"Resource": url, "Condition": condition}
        policy = json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()
    algorithm = query.get("Hash-Algorithm", ["SHA1"])[0]
    digest = {"SHA256": hashes.SHA256(), "SHA1": hashes.SHA1()}.get(algorithm)  # noqa: S303
    if digest is None:
        raise SignedUrlRefused("Unknown Hash-Algorithm")
    public = serialization.load_pem_public_key(pem.encode())
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise SignedUrlRefused("The local cloud checks ECDSA keys only")
    try:
        public.verify(_unb64(one("Signature")), policy, ec.ECDSA(digest))
    except InvalidSignature:
        raise SignedUrlRefused("Access denied") from None
    _holds(policy, url)


def _holds(policy: bytes, url: str) -> None:
    try:
        (statement,) = json.loads(policy)["Statement"]
        resource = str(statement["Resource"])
        expires = int(statement["Condition"]["DateLessThan"]["AWS:EpochTime"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SignedUrlRefused("Malformed Policy") from exc
    if not fnmatch.fnmatchcase(url, resource.replace("[", "[[]")):
        raise SignedUrlRefused("Access denied")
    if expires <= time.time():
        raise SignedUrlRefused("Access denied: the URL has expired")


def _unb64(text: str) -> bytes:
    try:
        return from_cloudfront_b64(text)
    except ValueError as exc:
        raise SignedUrlRefused("Malformed signed URL") from exc
