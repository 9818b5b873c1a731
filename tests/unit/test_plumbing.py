"""Every handler is set up the same way (glimpse.plumbing), named as the template names it."""

from __future__ import annotations

import importlib
import io
import json
import logging
from pathlib import PurePosixPath

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local.template import Template
from tests.conftest import ROOT, FakeContext

TEMPLATE = Template.load(ROOT / "template.yaml")
FUNCTIONS = sorted(TEMPLATE.of_type("AWS::Serverless::Function"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_handler_is_plumbed_under_its_code_folder_name(function: str) -> None:
    module_name, attribute = TEMPLATE.handler(function)
    module = importlib.import_module(module_name)
    folder = PurePosixPath(str(TEMPLATE.function_properties(function)["CodeUri"])).name
    assert module.plumbing.service == folder
    assert module.plumbing.logger.service == folder
    assert callable(getattr(module, attribute))
    source = (ROOT / "functions" / folder / "app.py").read_text()
    for setup in ("Logger(", "Tracer(", "Metrics("):  # one place sets them up
        assert setup not in source, (function, setup)


def test_each_sqs_record_logs_under_its_own_message_id() -> None:
    """A consumer's log lines carry the id of the record they are about (not the batch's)."""
    from functions.counters import app as counters

    logger = counters.plumbing.logger
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)  # the JSON Lambda would print
    logger.addHandler(handler)
    records = [
        {"messageId": f"message-{i}", "body": "not an event", "attributes": {}} for i in range(2)
    ]
    try:
        response = counters.lambda_handler({"Records": records}, FakeContext())
    finally:
        logger.removeHandler(handler)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        "message-0",
        "message-1",
    ]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = [line for line in lines if line["message"] == "not a domain event"]
    assert [line.get("correlation_id") for line in refused] == ["message-0", "message-1"]


def test_a_failing_record_is_logged_with_its_id_and_traceback() -> None:
    """The batch processor reports a failed record without a word; plumbing logs why."""
    from functions.fanout import app as fanout

    logger = fanout.plumbing.logger
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    records = [{"messageId": "broken-1", "body": "not json", "attributes": {}}]
    try:
        with pytest.raises(BatchProcessingError):  # all failed: Lambda retries the batch
            fanout.lambda_handler({"Records": records}, FakeContext())
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [line for line in lines if line["message"].startswith("record failed")]
    assert len(failed) == 1
    assert failed[0]["correlation_id"] == "broken-1"
    assert failed[0]["level"] == "ERROR"
    assert "JSONDecodeError" in failed[0]["exception"]


def test_a_create_with_a_key_gives_powertools_the_context_of_its_own_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plumbing.http hands each request's Lambda context to glimpse.idempotency, which gives it
    to Powertools at a create with an Idempotency-Key, and forgets it after the request."""
    from glimpse import idempotency, snapstart
    from glimpse.plumbing import Plumbing

    registered: list[object] = []

    class Config:
        def register_lambda_context(self, context: object) -> None:
            registered.append(context)

    monkeypatch.setattr(snapstart, "_PRIMERS", [])
    monkeypatch.setattr(idempotency, "requests_config", Config)
    monkeypatch.setattr(idempotency, "idempotent", lambda *_args, **_kw: lambda function: function)
    create = idempotency.created_once("plumbing_test", lambda user, body: {"by": user, **body})

    class App:
        def resolve(self, event: dict[str, object], context: object) -> dict[str, object]:
            return create("user-1", str(event["key"]), {"caption": "hi"})

    handler = Plumbing.of("plumbing_test", traced=False).http(App())  # type: ignore[arg-type]
    context = FakeContext()
    assert handler({"key": "k-1"}, context) == {"by": "user-1", "caption": "hi"}  # type: ignore[arg-type]
    assert registered == [context]
    create("user-1", "k-2", {"caption": "outside any request"})
    assert registered == [context, None]  # no finished request's context handed on
