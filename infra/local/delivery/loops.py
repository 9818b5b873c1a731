"""Lambda's recursive-loop detection, emulated: a function invoked more than 16 times in one
chain of requests through SQS or SNS is stopped, unless its `RecursiveLoop` is `Allow`.

AWS follows a chain by the X-Ray trace header each SQS message and SNS notification carries
from the invocation that sent it. Here the chain is a message attribute (`ATTRIBUTE`): the
number of times each function has been invoked in it so far, as JSON. While a polled source's
batch is being handled (`chain`), every SendMessage, SendMessageBatch, Publish and PublishBatch
the function makes carries that count, its own raised by one; the poller reads it back from
each message it receives (from the SNS envelope's attributes when the message came through a
topic without raw delivery). A message whose function would reach its 17th invocation in the
chain is not delivered: it goes to the queue's dead-letter queue if it has one, else it is
dropped, and a line says so (AWS: the `RecursiveInvocationsDropped` metric and an email).

What this does not emulate is listed in docs/local-cloud.md (chains through S3, DynamoDB
streams or direct invocations; a batch's sends carry the longest chain of its messages).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from botocore import handlers

ATTRIBUTE = "glimpse-local.loop"  # not an AWS attribute: the local cloud's own
LIMIT = 16  # invocations of one function in one chain that Lambda lets through

type Lineage = dict[str, int]

_local = threading.local()
_lock = threading.Lock()
_installed = False


def of_message(message: Mapping[str, Any]) -> Lineage:
    """The chain an SQS message (as ReceiveMessage returns it) belongs to; {} for none."""
    value = ((message.get("MessageAttributes") or {}).get(ATTRIBUTE) or {}).get("StringValue")
    if value is None:  # through SNS without raw delivery: in the envelope
        try:
            body = json.loads(str(message.get("Body") or ""))
        except ValueError:
            body = None
        if isinstance(body, dict):
            value = ((body.get("MessageAttributes") or {}).get(ATTRIBUTE) or {}).get("Value")
    if not value:
        return {}
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}


def invocations(lineage: Lineage, function: str) -> int:
    """Which invocation of `function` in its chain delivering a message of `lineage` would be."""
    return lineage.get(function, 0) + 1


def stopped(lineage: Lineage, function: str, recursive_loop: str) -> bool:
    return recursive_loop != "Allow" and invocations(lineage, function) > LIMIT


def joined(lineages: list[Lineage], function: str) -> Lineage:
    """The chain a batch's sends continue: each function's longest count among the batch's
    messages, and `function`'s raised by this invocation."""
    merged: Lineage = {}
    for lineage in lineages:
        for name, count in lineage.items():
            merged[name] = max(merged.get(name, 0), count)
    merged[function] = max((invocations(lin, function) for lin in lineages), default=1)
    return merged


@contextmanager
def chain(lineage: Lineage) -> Iterator[None]:
    """The sends made in this thread meanwhile carry `lineage`."""
    install()
    previous = getattr(_local, "lineage", None)
    _local.lineage = lineage
    try:
        yield
    finally:
        _local.lineage = previous


def _attribute(lineage: Lineage) -> dict[str, str]:
    return {"DataType": "String", "StringValue": json.dumps(lineage, sort_keys=True)}


def _carry(params: dict[str, Any], **_: Any) -> None:
    lineage = getattr(_local, "lineage", None)
    if not lineage:
        return
    entries = params.get("Entries") or params.get("PublishBatchRequestEntries")
    for target in entries if entries is not None else [params]:
        target.setdefault("MessageAttributes", {})[ATTRIBUTE] = _attribute(lineage)


_EVENTS = tuple(
    f"before-parameter-build.{operation}"
    for operation in (
        "sqs.SendMessage",
        "sqs.SendMessageBatch",
        "sns.Publish",
        "sns.PublishBatch",
    )
)


def install() -> None:
    """Every botocore session of this process (from now on, and boto3's default) carries the
    chain on its sends. Once per process; a send outside `chain` is left as it is."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    for event in _EVENTS:
        handlers.BUILTIN_HANDLERS.append((event, _carry))
    import boto3

    if boto3.DEFAULT_SESSION is not None:
        for event in _EVENTS:
            boto3.DEFAULT_SESSION._session.register(event, cast(Any, _carry))
