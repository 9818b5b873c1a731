"""Shared by every test: fake AWS credentials (no test may reach real AWS) and sample events."""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Glimpse",
}.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)


# What API.md says a data export's ZIP holds, besides media/<media_id>.<ext>.
ARCHIVE_FILES = frozenset(
    {
        "profile.json",
        "posts.json",
        "comments.json",
        "likes.json",
        "saved.json",
        "followers.json",
        "following.json",
        "blocked.json",
        "stories.json",
        "messages.json",
        "notifications.json",
        "README.txt",
    }
)


def load_event(name: str, **changes: Any) -> dict[str, Any]:
    """A sample event from events/ (e.g. "users/get_me"), with top-level keys replaced."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    event = copy.deepcopy(event)
    for key, value in changes.items():
        event[key] = value
    return event


class FakeContext:
    """A Lambda context with `remaining_ms` left (10 s: an API function's timeout)."""

    function_name = "test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    memory_limit_in_mb = 512
    aws_request_id = "test-request"
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def __init__(self, remaining_ms: int = 10_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def run_concurrently[T](count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0)` … `work(count - 1)` on threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# The unused-grant check (tests/integration/iam.py): each process of a session that runs the
# integration suite leaves, in this folder, the grants of template.yaml and those its calls
# used; when the whole suite ran and passed, each grant that none used and iam_unused.yaml
# does not list with a reason, and each entry of that file that lists no unused grant, fails
# the session (least privilege that cannot drift). GLIMPSE_IAM_UNUSED=report only reports them.
_GRANTS = "GLIMPSE_IAM_GRANTS"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and not os.environ.get(_GRANTS):
        import tempfile  # the controller (or the only process); a folder given is kept

        os.environ[_GRANTS] = tempfile.mkdtemp(prefix="glimpse-iam-")
        os.environ[_GRANTS + "_MADE"] = "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput") or not os.environ.get(_GRANTS):
        return
    folder = Path(os.environ[_GRANTS])
    try:
        if exitstatus != 0 or not any(folder.glob("*.json")):
            return
        from tests.integration.iam import ALLOWED_UNUSED, unused

        whole, found, stale = unused(str(folder))
        if not whole or not (found or stale):
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"grants no call in the integration suite used ({len(found)}):", *found]
        if stale:
            lines += [f"entries of {ALLOWED_UNUSED.name} that list no unused grant:", *stale]
        lines.append(
            f"remove them from template.yaml, or list them with a reason in {ALLOWED_UNUSED}"
        )
        strict = os.environ.get("GLIMPSE_IAM_UNUSED") != "report"
        for line in lines:
            if reporter is not None:
                reporter.write_line(line, red=strict, yellow=not strict)
        if strict:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        if os.environ.get(_GRANTS + "_MADE"):
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
