"""Every AWS call a function makes during the integration suite, checked against its policy;
and every setting it reads, checked against the settings its handler declares.

moto does not enforce IAM, so a function whose code calls something its policy in
template.yaml does not allow would pass every test and fail on its first request in AWS. The
integration suite records, per function (by its handler module), each call's IAM action and
resource ARN through botocore, and fails when that function's policy has no statement that
allows it. Calls Cognito answers without IAM (SignUp, InitiateAuth, ...) are not checked.

Besides botocore's API calls it records what acts later with the function's permissions:
a presigned POST or URL (the action and key it was signed for: S3 checks the signer's policy
when the form or link is used), and each OpenSearch HTTP request (`es:ESHttp<Method>` on the
domain's path, which the domain's access policy must also allow for the function's role).
Calls made in threads a handler starts (s3transfer's workers under `upload_file`) are the
handler's: each submitted task and each started thread runs in a copy of its starter's context.
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import importlib
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.client
import botocore.signers
from opensearchpy.connection import Urllib3HttpConnection

from glimpse.adapters import aws
from glimpse.adapters.secrets import cursor_key
from glimpse.config import FIELDS, Settings
from infra.local.provision import Provisioner
from infra.local.runtime import FunctionSpec

PUBLIC_COGNITO = {
    "SignUp",
    "ConfirmSignUp",
    "InitiateAuth",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "GetUser",
    "RevokeToken",
    "ChangePassword",  # with the user's own access token
}
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
S3_ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    # A multipart upload is s3:PutObject to IAM, each of its steps (aborting is its own action).
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}

# The unwrapped originals (an inner recorder, a test's own, calls these: what it sees is its own).
_MAKE_API_CALL = botocore.client.BaseClient._make_api_call
_SIGN_URL = botocore.signers.generate_presigned_url
_SIGN_POST = botocore.signers.generate_presigned_post
_SUBMIT = ThreadPoolExecutor.submit
_START = threading.Thread.start
_SEND = Urllib3HttpConnection.perform_request

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("function", default=None)


@contextmanager
def unattributed() -> Iterator[None]:
    """The calls made inside are no function's: a test standing in, in the middle of a
    handler, for something else (a consumer, another writer) that has its own policy."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def attributed(function: str) -> Iterator[None]:
    """The calls made inside are `function`'s (a test calling an adapter directly)."""
    token = _current.set(function)
    try:
        yield
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class Call:
    function: str
    action: str
    resource: str
    leading_key: str | None = None  # a DynamoDB item's partition key, where one item is named


class Recorder:
    """Installs the botocore hook and the handler wrappers; collects the calls."""

    def __init__(self, provisioner: Provisioner, specs: dict[str, FunctionSpec]) -> None:
        self.specs = specs
        self.calls: set[Call] = set()
        self.settings_read: set[tuple[str, str]] = set()  # (function, setting field)
        resolver = provisioner.resolver
        template = provisioner.template
        self.tables = {
            str(resolver.ref(lid)): str(resolver.get_att(lid, "Arn"))
            for lid in template.of_type("AWS::DynamoDB::Table")
        }
        self.queues = {
            str(resolver.ref(lid)): str(resolver.get_att(lid, "Arn"))
            for lid in template.of_type("AWS::SQS::Queue")
        }
        self.policies = {
            lid: [
                statement
                for policy in template.function_properties(lid).get("Policies") or []
                if isinstance(policy, dict)
                for statement in resolver.resolve(policy).get("Statement", [])
            ]
            for lid in specs
        }
        # What each function's event source mappings do with its role (AWS::Lambda::
        # EventSourceMapping resources, read by template.function_properties as SAM events).
        self.mapping_calls: set[Call] = set()
        for lid in specs:
            for event in template.event_source_mappings(lid).values():
                props = resolver.resolve(event["Properties"])
                self.mapping_calls |= set(_mapping_calls(lid, event["Type"], props))
        domains = template.of_type("AWS::OpenSearchService::Domain")
        self.domain = ""  # the search domain's ARN; its access policy, per function
        self.domain_policies: dict[str, list[dict[str, Any]]] = {}
        for properties in (d.get("Properties", {}) for d in domains.values()):
            name = resolver.resolve(properties["DomainName"])
            self.domain = f"arn:aws:es:us-east-1:123456789012:domain/{name}"
            for statement in properties.get("AccessPolicies", {}).get("Statement", []):
                principal = statement.get("Principal", {}).get("AWS", {})
                role = (
                    (principal.get("Fn::GetAtt") or [""])[0] if isinstance(principal, dict) else ""
                )
                function = str(role).removesuffix("Role")
                rest = {k: v for k, v in statement.items() if k != "Principal"}
                self.domain_policies.setdefault(function, []).append(resolver.resolve(rest))

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        original = _MAKE_API_CALL
        recorder = self

        def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
            function = _current.get()
            if function is not None:
                service = client.meta.service_model.service_name
                seen = params
                if service == "apigatewaymanagementapi":  # the API and stage are in the URL
                    seen = {**params, "_endpoint": client.meta.endpoint_url}
                for action, resource, *key in recorder.targets(service, operation, seen):
                    recorder.calls.add(Call(function, action, resource, *key))
            return original(client, operation, params)

        read_attribute = Settings.__getattribute__

        def read(settings: Settings, name: str) -> Any:
            function = _current.get()
            if function is not None and name in FIELDS:
                recorder.settings_read.add((function, name))
            return read_attribute(settings, name)

        def note(client: Any, operation: str, params: dict[str, Any]) -> None:
            function = _current.get()
            if function is not None:
                service = client.meta.service_model.service_name
                for action, resource, *key in recorder.targets(service, operation, params):
                    recorder.calls.add(Call(function, action, resource, *key))

        sign_url, sign_post = _SIGN_URL, _SIGN_POST

        def presigned_url(client: Any, ClientMethod: str, Params: Any = None, **kw: Any) -> Any:  # noqa: N803
            note(client, client.meta.method_to_api_mapping[ClientMethod], dict(Params or {}))
            return sign_url(client, ClientMethod, Params, **kw)

        def presigned_post(client: Any, Bucket: str, Key: str, **kw: Any) -> Any:  # noqa: N803
            note(client, "PutObject", {"Bucket": Bucket, "Key": Key})  # the form's one action
            return sign_post(client, Bucket, Key, **kw)

        send = _SEND

        def search_request(connection: Any, method: str, url: str, *args: Any, **kw: Any) -> Any:
            function = _current.get()
            if function is not None:
                path = urlsplit(url).path.strip("/")
                action = f"es:ESHttp{method.capitalize()}"
                recorder.calls.add(Call(function, action, f"{recorder.domain}/{path}"))
            return send(connection, method, url, *args, **kw)

        submit, start = _SUBMIT, _START

        def submit_in_context(executor: Any, fn: Any, /, *args: Any, **kw: Any) -> Any:
            return submit(executor, contextvars.copy_context().run, fn, *args, **kw)

        def start_in_context(thread: threading.Thread) -> None:
            context, run = contextvars.copy_context(), thread.run
            thread.run = lambda: context.run(run)  # type: ignore[method-assign]
            start(thread)

        with (
            mock.patch.object(botocore.client.BaseClient, "_make_api_call", record),
            mock.patch.object(Settings, "__getattribute__", read),
            mock.patch.object(botocore.signers, "generate_presigned_url", presigned_url),
            mock.patch.object(botocore.signers, "generate_presigned_post", presigned_post),
            mock.patch.object(Urllib3HttpConnection, "perform_request", search_request),
            mock.patch.object(ThreadPoolExecutor, "submit", submit_in_context),
            mock.patch.object(threading.Thread, "start", start_in_context),
        ):
            # Clients made from here on carry the signing hooks (botocore copies them onto
            # each client class as it makes it).
            aws.s3.cache_clear()
            wrapped = [self._wrap(spec) for spec in self.specs.values()]
            try:
                yield self
            finally:
                for module, attribute, handler in wrapped:
                    setattr(module, attribute, handler)

    def _wrap(self, spec: FunctionSpec) -> tuple[Any, str, Any]:
        module = importlib.import_module(spec.module)
        handler = getattr(module, spec.attribute)

        @functools.wraps(handler)
        def as_function(*args: Any, **kwargs: Any) -> Any:
            # Cached per process in tests, per function in AWS: read again, so each function's
            # own GetSecretValue is checked against its own policy.
            cursor_key.cache_clear()
            token = _current.set(spec.logical_id)
            try:
                return handler(*args, **kwargs)
            finally:
                _current.reset(token)

        setattr(module, spec.attribute, as_function)
        return module, spec.attribute, handler

    # ------------------------------------------------------------------ call → action, ARN
    def targets(
        self, service: str, operation: str, params: dict[str, Any]
    ) -> Iterator[tuple[str, ...]]:
        if service == "dynamodb":
            yield from self._dynamodb(operation, params)
        elif service == "s3":
            bucket = f"arn:aws:s3:::{params.get('Bucket')}"
            if operation == "CopyObject":  # reads the source, writes the destination
                source = params["CopySource"]
                if isinstance(source, dict):
                    source = f"{source['Bucket']}/{source['Key']}"
                yield "s3:GetObject", f"arn:aws:s3:::{str(source).lstrip('/')}"
                operation = "PutObject"
            if operation == "DeleteObjects":  # IAM checks s3:DeleteObject on each key
                for entry in params["Delete"]["Objects"]:
                    yield "s3:DeleteObject", f"{bucket}/{entry['Key']}"
                return
            action = S3_ACTIONS.get(operation, operation)
            yield f"s3:{action}", bucket if action == "ListBucket" else f"{bucket}/{params['Key']}"
        elif service == "sns":
            names = ("TopicArn", "TargetArn", "EndpointArn", "PlatformApplicationArn")
            resource = next((str(params[n]) for n in names if params.get(n)), "*")
            yield (
                "sns:Publish" if operation.startswith("Publish") else f"sns:{operation}",
                resource,
            )
        elif service == "sqs":
            action = operation.removesuffix("Batch")
            yield f"sqs:{action}", self.queues.get(str(params.get("QueueUrl")), "*")
        elif service == "apigatewaymanagementapi":
            # https://<api>.execute-api.<region>.amazonaws.com/<stage> → the connection's ARN
            url = urlsplit(str(params["_endpoint"]))
            api, stage = url.hostname.split(".")[0] if url.hostname else "", url.path.strip("/")
            method = {"PostToConnection": "POST", "DeleteConnection": "DELETE"}.get(
                operation, "GET"
            )
            yield (
                "execute-api:ManageConnections",
                f"arn:aws:execute-api:us-east-1:123456789012:{api}/{stage}/{method}/@connections/"
                f"{params.get('ConnectionId')}",
            )
        elif service == "secretsmanager":
            yield f"secretsmanager:{operation}", str(params.get("SecretId"))
        elif service == "cognito-idp":
            if operation not in PUBLIC_COGNITO:  # an admin call names its pool
                pool = str(params.get("UserPoolId") or "*")
                arn = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool}"
                yield f"cognito-idp:{operation}", arn if pool != "*" else "*"
        else:
            yield f"{service}:{operation}", "*"

    def _dynamodb(self, operation: str, params: dict[str, Any]) -> Iterator[tuple[str, ...]]:
        def arn(table: str, index: str | None = None) -> str:
            base = self.tables.get(table, f"table:{table}")
            return f"{base}/index/{index}" if index else base

        def leading(body: dict[str, Any]) -> tuple[str, ...]:
            key = body.get("Key") or body.get("Item") or body
            value = (key.get("pk") or {}).get("S")
            return (str(value),) if value is not None else ()

        if operation in {"BatchGetItem", "BatchWriteItem"}:
            # IAM evaluates `dynamodb:LeadingKeys` on every key a batch names (ForAllValues):
            # one call per partition key of each table.
            for table, asked in params["RequestItems"].items():
                bodies = (
                    asked["Keys"]
                    if operation == "BatchGetItem"
                    else [
                        request.get("PutRequest") or request.get("DeleteRequest") or {}
                        for request in asked
                    ]
                )
                keys = {key for body in bodies for key in leading(body)}
                for key in sorted(keys) or [None]:
                    yield f"dynamodb:{operation}", arn(table), *([key] if key else [])
        elif operation in {"TransactWriteItems", "TransactGetItems"}:
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                action = f"dynamodb:{TRANSACT_ACTIONS[kind]}"
                yield action, arn(body["TableName"]), *leading(body)
        else:
            resource = arn(params["TableName"], params.get("IndexName"))
            yield f"dynamodb:{operation}", resource, *leading(params)

    # ------------------------------------------------------------------ the check
    def allows(self, call: Call) -> bool:
        if call.action.startswith("es:") and not _allowed(
            self.domain_policies.get(call.function, []), call
        ):
            return False  # the domain's access policy must name the role too
        return _allowed(self.policies.get(call.function, []), call)

    def refused(self) -> list[Call]:
        return sorted(
            (c for c in self.calls | self.mapping_calls if not self.allows(c)),
            key=lambda c: (c.function, c.action, c.resource),
        )


POLL = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
READ_STREAM = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)


def _mapping_calls(function: str, kind: str, props: dict[str, Any]) -> Iterator[Call]:
    """The calls Lambda makes with a function's role for one of its event source mappings:
    polling its queue, or reading its stream and sending what it gives up on to OnFailure."""
    if kind == "SQS":
        yield from (Call(function, action, str(props["Queue"])) for action in POLL)
        return
    yield from (Call(function, action, str(props["Stream"])) for action in READ_STREAM)
    failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if failure:
        yield Call(function, "sqs:SendMessage", str(failure))


def _allowed(statements: list[dict[str, Any]], call: Call) -> bool:
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if (
            any(fnmatch.fnmatchcase(call.action, a) for a in actions)
            and any(fnmatch.fnmatchcase(call.resource, str(r)) for r in resources)
            and _condition_holds(statement.get("Condition"), call)
        ):
            return True
    return False


def _condition_holds(condition: dict[str, Any] | None, call: Call) -> bool:
    """A statement's `Condition` for the call. The one kind the template uses is checked
    (`ForAllValues:StringLike` on `dynamodb:LeadingKeys`: the item's partition key must
    match); any other, or a call that names no single item, does not hold."""
    if not condition:
        return True
    if set(condition) != {"ForAllValues:StringLike"}:
        return False
    tests = condition["ForAllValues:StringLike"]
    if set(tests) != {"dynamodb:LeadingKeys"} or call.leading_key is None:
        return False
    patterns = _as_list(tests["dynamodb:LeadingKeys"])
    return any(fnmatch.fnmatchcase(call.leading_key, str(p)) for p in patterns)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def undeclared_settings(recorder: Recorder) -> list[str]:
    """Settings a function read that its handler module's SETTINGS does not declare."""
    found = []
    for function, name in sorted(recorder.settings_read):
        if name == "region":  # Lambda's runtime gives every function AWS_REGION
            continue
        module = importlib.import_module(recorder.specs[function].module)
        if name not in getattr(module, "SETTINGS", ()):
            found.append(f"{function} reads {name}")
    return found


# ---------------------------------------------------------------------- grants nothing uses
ALLOWED_UNUSED = Path(__file__).with_name("iam_unused.yaml")


@dataclass(frozen=True)
class Grant:
    """One action on one resource pattern that a function's statement `sid` allows."""

    function: str
    sid: str
    action: str
    resource: str

    def used_by(self, call: Call) -> bool:
        return (
            call.function == self.function
            and fnmatch.fnmatchcase(call.action, self.action)
            and fnmatch.fnmatchcase(call.resource, self.resource)
        )

    def __str__(self) -> str:
        return f"{self.function} {self.sid}: {self.action} on {self.resource}"


def grants(recorder: Recorder) -> list[Grant]:
    """Every (action, resource) pair each function's policy allows, and the search domain's
    access policy (its statements' Sids prefixed `SearchDomain.`)."""
    found = []
    sources = [("", recorder.policies), ("SearchDomain.", recorder.domain_policies)]
    for prefix, policies in sources:
        for function, statements in policies.items():
            for statement in statements:
                if statement.get("Effect") != "Allow":
                    continue
                sid = prefix + str(statement.get("Sid", "?"))
                for action in _as_list(statement.get("Action")):
                    for resource in _as_list(statement.get("Resource")):
                        found.append(Grant(function, sid, str(action), str(resource)))
    return found


def allowed_unused() -> list[dict[str, str]]:
    """The grants kept though no recorded call uses them, each with its reason."""
    import yaml

    entries: list[dict[str, str]] = yaml.safe_load(ALLOWED_UNUSED.read_text()) or []
    return entries


def _listed(grant: Grant, entries: list[dict[str, str]]) -> bool:
    return any(
        fnmatch.fnmatchcase(grant.function, entry["function"])
        and fnmatch.fnmatchcase(grant.sid, entry["sid"])
        and fnmatch.fnmatchcase(grant.action, entry.get("action", "*"))
        and fnmatch.fnmatchcase(grant.resource, entry.get("resource", "*"))
        for entry in entries
    )


def dump(recorder: Recorder, folder: str, whole_suite: bool) -> None:
    """This process's part of the unused-grant check: every grant, and those its calls used."""
    import json
    import os

    everything = grants(recorder)
    calls = recorder.calls | recorder.mapping_calls
    used = [g for g in everything if any(g.used_by(c) for c in calls)]
    part = {
        "whole_suite": whole_suite,
        "grants": [_portable(g) for g in everything],
        "used": [_portable(g) for g in used],
    }
    Path(folder, f"{os.getpid()}.json").write_text(json.dumps(part))


# What each process's moto names at random: a user pool's id, the six characters Secrets
# Manager appends to a secret's name, a WebSocket API's id.
_RANDOM_NAMES = (
    (re.compile(r"(:userpool/)[^/]+"), r"\1<pool>"),
    (re.compile(r"(:secret:[^:*]+)-[A-Za-z0-9]{6}$"), r"\1-<suffix>"),
    (re.compile(r"(:execute-api:[^:]+:[^:]+:)[a-z0-9]+"), r"\1<api>"),
)


def _portable(grant: Grant) -> list[str]:
    """The grant as every process names it."""
    resource = grant.resource
    for pattern, placeholder in _RANDOM_NAMES:
        resource = pattern.sub(placeholder, resource)
    return [grant.function, grant.sid, grant.action, resource]


def unused(folder: str) -> tuple[bool, list[str], list[str]]:
    """From every process's part: (whether the whole integration suite ran, the grants no
    call used and no entry of iam_unused.yaml lists, the entries that list a used grant or
    none at all: stale reasons)."""
    import json

    parts = [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]
    if not parts:
        return False, [], []
    everything = {Grant(*g) for part in parts for g in part["grants"]}
    used = {Grant(*g) for part in parts for g in part["used"]}
    entries = allowed_unused()
    found = sorted(str(g) for g in everything - used if not _listed(g, entries))
    stale = [
        f"{e['function']} {e['sid']}: {e.get('action', '*')} on {e.get('resource', '*')}"
        for e in entries
        if not any(_listed(g, [e]) for g in everything - used)
    ]
    return all(part["whole_suite"] for part in parts), found, stale
