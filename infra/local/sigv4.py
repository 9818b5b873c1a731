"""SigV4 as S3 checks it: the S3 front's check of a request made with credentials.

The local cloud has one credential: access key id `local`, secret LOCAL_SECRET_KEY
(infra/local/provision.py), in the local region. A request signed with another key id is
refused as S3 refuses it (`InvalidAccessKeyId`), and one whose signature that secret does not
reproduce too (`SignatureDoesNotMatch`). The signature is recomputed with botocore's own SigV4
code (`S3SigV4Auth`, `S3SigV4QueryAuth`: canonical request, string to sign, signing key),
over the request as it arrived: its method; its path, URI-encoded once as S3 encodes it and
never normalised (path-style `/<bucket>/<key>` or not: it is just the path); its query
(decoded, encoded again and sorted, as S3 canonicalises it); exactly the headers it names as
signed, the `Host` header as sent; and its payload hash:

- **header-signed** (`Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/s3/
  aws4_request, SignedHeaders=…, Signature=…`): `x-amz-content-sha256` is required and is the
  body's SHA-256 (checked against the body: `XAmzContentSHA256Mismatch`), `UNSIGNED-PAYLOAD`,
  or one of the `STREAMING-…` values of a chunked (`aws-chunked`) upload, whose seed signature
  (the `Authorization` header) is checked and whose chunk signatures are not. `X-Amz-Date` (or
  `Date`) must be within 15 minutes of now (`RequestTimeTooSkewed`);
- **presigned** (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
  `X-Amz-SignedHeaders`, `X-Amz-Signature` in the query): the payload is `UNSIGNED-PAYLOAD`,
  and a URL past `X-Amz-Date` + `X-Amz-Expires` is refused (`AccessDenied`, "Request has
  expired");
- **SigV2** (`Authorization: AWS <key id>:<signature>`, or `AWSAccessKeyId` and `Signature` in
  the query) is refused as S3 refuses it for buckets made since June 2020 (`InvalidRequest`).

Chunked uploads: botocore never sends one to an `http://` endpoint such as the S3 front (it
signs the whole payload there; its unsigned trailer checksums need https), so neither the
functions nor any boto3 client of the local cloud sends one; another SDK's is checked as far
as its seed signature.

The region is the local cloud's (`AuthorizationHeaderMalformed` or
`AuthorizationQueryParametersError` otherwise, as S3 answers a request signed for another
region), and the service `s3`. A session token (`X-Amz-Security-Token`) is covered by the
signature when it is sent, and not checked otherwise: the secret is what proves the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# x-amz-content-sha256 of a chunked upload: the seed signature covers this value, not the body.
STREAMING_PAYLOADS = frozenset(
    {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }
)
MAX_SKEW = timedelta(minutes=15)  # S3's limit for a header-signed request's time
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_QUERY_AUTH = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_QUERY_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)


class Refusal(Exception):
    """What S3 answers instead: an HTTP status and S3's error code and message (the S3
    front's refusals, of signatures and of anything else, are these)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _mismatch() -> Refusal:
    return Refusal(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )


@dataclass(frozen=True)
class LocalCredential:
    """The one credential requests to the S3 front may be signed with."""

    key_id: str
    secret: str
    region: str

    def scope(self, credential: str, code: str, prefix: str) -> str:
        """The date of a credential scope (`<key id>/<date>/<region>/s3/aws4_request`) that
        names this credential; `code` and `prefix` say how S3 calls a malformed one here."""
        parts = credential.split("/")
        if len(parts) != 5 or not parts[0]:
            raise Refusal(400, code, f"{prefix}incorrect number of parts")
        key_id, date, region, service, terminal = parts
        if key_id != self.key_id:
            raise Refusal(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        if region != self.region:
            raise Refusal(
                400, code, f"{prefix}the region '{region}' is wrong; expecting '{self.region}'"
            )
        if service != "s3" or terminal != "aws4_request":
            raise Refusal(400, code, f"{prefix}the service or terminator is wrong")
        return date

    def check_policy(self, policy_b64: str, credential: str, signature: str) -> None:
        """A browser-based upload's policy (`policy`, `x-amz-credential`, `x-amz-signature`
        form fields): signed with this secret's SigV4 key for the credential's date."""
        date = self.scope(credential, "InvalidArgument", "Invalid x-amz-credential: ")
        key = f"AWS4{self.secret}".encode()
        for part in (date, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise _mismatch()


@dataclass
class SignedRequest:
    """A request as the S3 front received it."""

    method: str
    path: str  # as sent (percent-encoded), without the query
    query: str  # as sent, without `?`
    headers: list[tuple[str, str]]
    body: bytes = b""
    _params: list[tuple[str, str]] | None = field(default=None, repr=False)

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), "")

    @property
    def params(self) -> list[tuple[str, str]]:
        """The query's parameters, decoded (`?acl` is `("acl", "")`)."""
        if self._params is None:
            self._params = [
                (unquote(name), unquote(value))
                for pair in self.query.split("&")
                if pair
                for name, _, value in [pair.partition("=")]
            ]
        return self._params

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)


def is_credentialed(request: SignedRequest) -> bool:
    """Signed with (some) credentials: an `Authorization` header, SigV4 query parameters, or
    SigV2's. A CloudFront signed URL's `Signature` alone is not: it is an anonymous request,
    which the CDN's rules check."""
    names = {name for name, _ in request.params}
    return bool(request.header("authorization")) or bool(names & {*_QUERY_AUTH, "AWSAccessKeyId"})


def verify(
    request: SignedRequest, credential: LocalCredential, now: datetime | None = None
) -> None:
    """Nothing if `request` is signed by `credential` as S3 requires; else Refusal."""
    moment = now or datetime.now(UTC)
    authorization = request.header("authorization").strip()
    names = {name for name, _ in request.params}
    presigned = bool(names & set(_QUERY_AUTH))
    if authorization and presigned:
        raise Refusal(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
    if authorization.startswith("AWS ") or ("AWSAccessKeyId" in names and not presigned):
        raise Refusal(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )
    if presigned:
        _verify_query(request, credential, moment)
    else:
        _verify_header(request, credential, authorization, moment)


# ---------------------------------------------------------------------- header-signed
def _verify_header(
    request: SignedRequest, credential: LocalCredential, authorization: str, now: datetime
) -> None:
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        raise Refusal(400, "InvalidArgument", "Unsupported Authorization Type")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            fields[name] = value
    malformed = "The authorization header is malformed; "
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise Refusal(
            400,
            "AuthorizationHeaderMalformed",
            f"{malformed}it must name a Credential, SignedHeaders and a Signature",
        )
    date = credential.scope(fields["Credential"], "AuthorizationHeaderMalformed", malformed)
    timestamp = _header_timestamp(request)
    if timestamp[:8] != date:
        raise Refusal(
            400,
            "AuthorizationHeaderMalformed",
            f"{malformed}Invalid credential date. Date is not the same as X-Amz-Date.",
        )
    signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    if abs(now - signed_at) > MAX_SKEW:
        raise Refusal(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
    payload = request.header("x-amz-content-sha256").strip()
    if not payload:
        raise Refusal(
            400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    signer = _HeaderSigner(credential, fields["SignedHeaders"])
    _compare(signer, _aws_request(request, request.headers, request.params), timestamp, fields)
    _check_payload(payload, request.body)


def _header_timestamp(request: SignedRequest) -> str:
    """`X-Amz-Date`, or else `Date`, as SigV4's timestamp (`20250101T000000Z`)."""
    stamp = request.header("x-amz-date").strip()
    try:
        if stamp:
            datetime.strptime(stamp, SIGV4_TIMESTAMP)
            return stamp
        dated = parsedate_to_datetime(request.header("date"))
        return dated.astimezone(UTC).strftime(SIGV4_TIMESTAMP)
    except (TypeError, ValueError):
        raise Refusal(
            403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        ) from None


def _check_payload(payload: str, body: bytes) -> None:
    if payload == UNSIGNED_PAYLOAD or payload in STREAMING_PAYLOADS:
        return
    if not _SHA256_HEX.fullmatch(payload):
        raise Refusal(
            400,
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER "
            "or a valid sha256 value.",
        )
    if not hmac.compare_digest(hashlib.sha256(body).hexdigest(), payload):
        raise Refusal(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )


# ---------------------------------------------------------------------- presigned
def _verify_query(request: SignedRequest, credential: LocalCredential, now: datetime) -> None:
    code = "AuthorizationQueryParametersError"
    values = {name: request.param(name) for name in _QUERY_REQUIRED}
    if any(value is None for value in values.values()):
        raise Refusal(
            400,
            code,
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.",
        )
    fields = {name: str(value) for name, value in values.items()}
    if fields["X-Amz-Algorithm"] != ALGORITHM:
        raise Refusal(400, code, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    date = credential.scope(
        fields["X-Amz-Credential"], code, "Error parsing the X-Amz-Credential parameter; "
    )
    timestamp = fields["X-Amz-Date"]
    try:
        signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        lifetime = int(fields["X-Amz-Expires"])
    except ValueError:
        raise Refusal(
            400, code, "X-Amz-Date or X-Amz-Expires is not in the format S3 requires"
        ) from None
    if timestamp[:8] != date:
        raise Refusal(400, code, "Invalid credential date. Date is not the same as X-Amz-Date.")
    if signed_at + timedelta(seconds=lifetime) < now:
        raise Refusal(403, "AccessDenied", "Request has expired")
    signer = _QuerySigner(credential, fields["X-Amz-SignedHeaders"])
    unsigned = [(k, v) for k, v in request.params if k != "X-Amz-Signature"]
    signed_headers = [(k, v) for k, v in request.headers if k.lower() in signer.signed]
    fields["Signature"] = fields["X-Amz-Signature"]
    _compare(signer, _aws_request(request, signed_headers, unsigned), timestamp, fields)


# ---------------------------------------------------------------------- botocore's signer
class _SignedHeadersOnly:
    """botocore's canonical request over exactly the headers the request names as signed
    (botocore's own signer picks every header but a few; a verifier takes the list it was
    given, whatever it holds)."""

    signed: list[str]

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self.signed:
            for value in request.headers.get_all(name) or []:
                chosen[name] = value
        return chosen


class _HeaderSigner(_SignedHeadersOnly, S3SigV4Auth):
    def __init__(self, credential: LocalCredential, signed: str) -> None:
        super().__init__(Credentials(credential.key_id, credential.secret), "s3", credential.region)
        self.signed = [name.strip().lower() for name in signed.split(";") if name.strip()]


class _QuerySigner(_SignedHeadersOnly, S3SigV4QueryAuth):
    def __init__(self, credential: LocalCredential, signed: str) -> None:
        super().__init__(Credentials(credential.key_id, credential.secret), "s3", credential.region)
        self.signed = [name.strip().lower() for name in signed.split(";") if name.strip()]


def _aws_request(
    request: SignedRequest, headers: list[tuple[str, str]], params: list[tuple[str, str]]
) -> AWSRequest:
    """The request as botocore's signer reads it: the path URI-encoded once (`/` and `~`
    kept), the query as decoded pairs (botocore encodes and sorts them), these headers."""
    path = quote(unquote(request.path), safe="/~")
    host = request.header("host") or "localhost"
    aws_request = AWSRequest(method=request.method.upper(), url=f"http://{host}{path}")
    for name, value in headers:
        aws_request.headers[name] = value  # a repeated header stays repeated
    aws_request.params = params  # type: ignore[assignment]  # pairs: a name may repeat
    return aws_request


def _compare(
    signer: SigV4Auth, aws_request: AWSRequest, timestamp: str, fields: dict[str, Any]
) -> None:
    aws_request.context["timestamp"] = timestamp
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected.encode(), str(fields["Signature"]).encode()):
        raise _mismatch()
