"""The S3 front: the embedded S3 as locked as the real one.

A request made with credentials (an `Authorization` header, or a presigned URL's `X-Amz-*`
query) passes to moto only if its SigV4 signature is the local cloud's credential's, checked
as S3 checks it (infra/local/sigv4.py): another key id is S3's `InvalidAccessKeyId`, another
signature `SignatureDoesNotMatch`, an expired presigned URL `AccessDenied`. moto itself checks
no signature.

An anonymous request passes only where S3 would let it:

- a browser-based upload (`POST /<bucket>` with a multipart form) whose SigV4 signature over
  the policy is the local credential's, whose policy has not expired, and whose conditions
  (bucket, key, `Content-Type`, `content-length-range`, every other form field) the form
  satisfies;
- a read (`GET`/`HEAD` of an object) that the bucket policy allows to everyone (`Principal:
  "*"`): the local CDN's policy opens the renditions prefix and nothing else; where the CDN
  trusts a key group, only with a valid signed URL (infra/local/media_urls.py);
- a CORS preflight (`OPTIONS`), which the bucket's CORS rules answer.

Anything else gets S3's own `AccessDenied` (and a too large or too small upload S3's
`EntityTooLarge`/`EntityTooSmall`), as an XML error body.
"""

from __future__ import annotations

import base64
import fnmatch
import http.client
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from infra.local.fronts import DrainingHandler, DrainingHTTPServer, ServerThread
from infra.local.sigv4 import LocalCredential, Refusal, SignedRequest, is_credentialed
from infra.local.sigv4 import verify as verify_signature

# Query parameters that make a GET or HEAD read something other than the object's bytes.
SUBRESOURCES = frozenset(
    {"acl", "attributes", "legal-hold", "retention", "tagging", "torrent", "uploadId", "versionId"}
)
# Form fields S3 does not require a policy condition for.
_UNCONDITIONED = {"policy", "x-amz-signature", "file"}


def _denied(message: str = "Access Denied") -> Refusal:
    return Refusal(403, "AccessDenied", message)


@dataclass
class UploadForm:
    fields: dict[str, str]  # lower-cased names; the file's part excluded
    file: bytes

    @classmethod
    def parse(cls, content_type: str, body: bytes) -> UploadForm:
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise Refusal(400, "InvalidArgument", "POST requires a multipart/form-data body")
        fields: dict[str, str] = {}
        file: bytes | None = None
        for part in message.iter_parts():
            assert isinstance(part, Message)
            name = str(part.get_param("name", header="content-disposition") or "").lower()
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if name == "file":
                file = data
                break  # S3 ignores fields after the file
            fields[name] = data.decode("utf-8")
        if file is None:
            raise Refusal(400, "InvalidArgument", "POST requires exactly one file upload")
        return cls(fields, file)


class UploadPolicy:
    """A browser-based upload's policy document, checked as S3 checks it (SigV4 only)."""

    def __init__(self, form: UploadForm, bucket: str, credential: LocalCredential) -> None:
        self.form = form
        self.bucket = bucket
        self.credential = credential

    def check(self) -> None:
        fields = self.form.fields
        encoded = fields.get("policy")
        if not encoded:
            raise _denied("Bucket POST must contain a field named 'policy'")
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise _denied("Only AWS4-HMAC-SHA256 browser-based uploads are accepted")
        self.credential.check_policy(
            encoded, fields.get("x-amz-credential", ""), fields.get("x-amz-signature", "")
        )
        try:
            document = json.loads(base64.b64decode(encoded))
        except ValueError:
            raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        expiration = datetime.fromisoformat(str(document["expiration"]).replace("Z", "+00:00"))
        if expiration <= datetime.now(UTC):
            raise _denied("Invalid according to Policy: Policy expired.")
        values = {**fields, "bucket": self.bucket}
        covered: set[str] = set()
        for condition in document.get("conditions", []):
            covered |= self._satisfied(condition, values)
        missing = [
            name
            for name in fields
            if name not in covered
            and name not in _UNCONDITIONED
            and not name.startswith("x-ignore-")
        ]
        if missing:
            raise _denied(
                f"Invalid according to Policy: Extra input fields: {', '.join(sorted(missing))}"
            )

    def _satisfied(self, condition: Any, values: dict[str, str]) -> set[str]:
        failed = _denied(
            f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
        )
        if isinstance(condition, dict):
            ((name, expected),) = condition.items()
            if values.get(name.lower()) != str(expected):
                raise failed
            return {name.lower()}
        operation, *args = condition
        if operation == "content-length-range":
            low, high = int(args[0]), int(args[1])
            size = len(self.form.file)
            if size > high:
                raise Refusal(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if size < low:
                raise Refusal(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
            return set()
        name = str(args[0]).lstrip("$").lower()
        value = values.get(name)
        if value is None or (operation == "eq" and value != str(args[1])):
            raise failed
        if operation == "starts-with" and not value.startswith(str(args[1])):
            raise failed
        if operation not in {"eq", "starts-with"}:
            raise failed
        return {name}


class PublicReads:
    """What a bucket policy opens to everyone (`Principal: "*"`), read from moto."""

    def __init__(self, s3_client: Any, ttl: float = 2.0) -> None:
        self.client = s3_client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def _statements(self, bucket: str) -> list[dict[str, Any]]:
        cached = self._cache.get(bucket)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            policy = json.loads(self.client.get_bucket_policy(Bucket=bucket)["Policy"])
            statements = policy.get("Statement", [])
            statements = statements if isinstance(statements, list) else [statements]
        except Exception:  # no policy (or no bucket): nothing is public
            statements = []
        self._cache[bucket] = (time.monotonic(), statements)
        return statements

    def allows(self, bucket: str, key: str, action: str) -> bool:
        resource = f"arn:aws:s3:::{bucket}/{key}"
        allowed = False
        for statement in self._statements(bucket):
            principal = statement.get("Principal")
            if principal != "*" and principal != {"AWS": "*"}:
                continue
            actions = statement.get("Action", [])
            resources = statement.get("Resource", [])
            actions = actions if isinstance(actions, list) else [actions]
            resources = resources if isinstance(resources, list) else [resources]
            if not any(fnmatch.fnmatchcase(action, a) for a in actions):
                continue
            if not any(fnmatch.fnmatchcase(resource, r) for r in resources):
                continue
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
        return allowed


class _Handler(DrainingHandler, BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"[s3] {self.address_string()} {format % args}\n")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _refuse(self, refusal: Refusal) -> None:
        request_id = uuid.uuid4().hex[:16].upper()
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{refusal.code}</Code><Message>{escape(refusal.message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        sys.stderr.write(f"[s3] {refusal.status} {self.command} {self.path}: {refusal.message}\n")
        self.send_response(refusal.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", request_id)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self, body: bytes, sign: bool) -> None:
        """Pass the request to moto; `sign`: a public read, signed by the front as CloudFront
        signs its reads from a bucket behind origin access control (moto would refuse an
        anonymous HEAD that S3 allows by the policy's s3:GetObject)."""
        upstream = http.client.HTTPConnection(
            self.server.upstream_host, self.server.upstream_port, timeout=60
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Host"] = (
            self.headers.get("Host") or f"{self.server.upstream_host}:{self.server.upstream_port}"
        )
        if sign:
            request = AWSRequest(
                method=self.command, url=f"http://{headers['Host']}{self.path}", headers=headers
            )
            credential = self.server.credential
            SigV4Auth(
                Credentials(credential.key_id, credential.secret), "s3", credential.region
            ).add_auth(request)
            headers = dict(request.headers.items())
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in {"transfer-encoding", "connection", "server", "date"} and (
                    name.lower() != "content-length" or self.command == "HEAD"
                ):  # a HEAD says the object's length, with no body
                    self.send_header(name, value)
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        finally:
            upstream.close()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self._body()
        request = SignedRequest(
            self.command, parts.path, parts.query, list(self.headers.items()), body
        )
        try:
            credentialed = is_credentialed(request)
            if credentialed:
                verify_signature(request, self.server.credential)
            anonymous = not credentialed and self.command != "OPTIONS"
            if anonymous:
                self._authorize_anonymous(unquote(parts.path), query, body)
        except Refusal as refusal:
            self._refuse(refusal)
            return
        except Exception as exc:  # a form or policy S3 could not read either
            self._refuse(Refusal(400, "MalformedPOSTRequest", f"Unreadable request: {exc!r}"))
            return
        self._forward(body, sign=anonymous and self.command in {"GET", "HEAD"})

    def _authorize_anonymous(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        bucket, _, key = path.lstrip("/").partition("/")
        if not bucket:
            raise _denied()
        if self.command == "POST" and not key and not query:
            form = UploadForm.parse(self.headers.get("Content-Type", ""), body)
            UploadPolicy(form, bucket, self.server.credential).check()
            return
        # A plain read: other parameters (a cache buster, response-*) do not change what is
        # read; a sub-resource (?acl, ?tagging, ...) is another permission S3 would check.
        reads_object = self.command in {"GET", "HEAD"} and key and not (set(query) & SUBRESOURCES)
        if reads_object and self.server.public.allows(bucket, key, "s3:GetObject"):
            self._check_signed_url(f"{bucket}/{key}", query)
            return
        raise _denied()

    def _check_signed_url(self, path: str, query: dict[str, list[str]]) -> None:
        """Under a prefix whose CDN trusts a key group, the URL must be signed by one of its
        keys, for this URL, and not expired (as CloudFront checks it)."""
        from infra.local import media_urls

        for prefix, trusted in self.server.signed.items():
            if path.startswith(prefix):  # no trusted key found: nothing opens (as CloudFront)
                host = self.headers.get("Host", "")
                port = self.server.server_address[1]
                if host not in {f"127.0.0.1:{port}", f"localhost:{port}"}:
                    raise _denied("The URL names another host")  # the policy's URL is ours
                url = f"http://{host}/{quote(path)}"
                try:
                    media_urls.check(url, query, trusted)
                except media_urls.SignedUrlRefused as refused:
                    raise _denied(str(refused)) from None
                return

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = _handle


class _Server(DrainingHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        upstream: str,
        credential: LocalCredential,
        public: PublicReads,
    ) -> None:
        super().__init__(address, _Handler)
        split = urlsplit(upstream)
        self.upstream_host, self.upstream_port = split.hostname or "127.0.0.1", split.port or 80
        self.credential = credential
        self.public = public
        self.signed: dict[str, dict[str, str]] = {}  # "<bucket>/<prefix>" -> key id -> PEM
        self.verbose = False


class S3Front(ServerThread):
    """S3 as callers outside AWS see it, in front of moto's (which trusts anyone): requests
    signed with `credential` (the local cloud's), and what S3 lets anonymous callers do."""

    def trust(self, prefix: str, keys: dict[str, str]) -> None:
        """Reads under `prefix` (`<bucket>/<path>/`) need a URL signed by one of `keys`."""
        self._s3.signed[prefix] = dict(keys)

    def __init__(
        self, upstream: str, host: str, port: int, credential: LocalCredential, s3_client: Any
    ) -> None:
        self._s3 = _Server((host, port), upstream, credential, PublicReads(s3_client))
        super().__init__("s3", self._s3)
