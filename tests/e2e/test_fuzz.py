"""Schemathesis against the local cloud: every operation of the OpenAPI document, as a
signed-in user, with generated (valid and invalid) input. No answer may be a 5xx, and every
answer must match the document. Bounded: a fixed seed and a few examples per operation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import sign_up_and_log_in
from tests.e2e.waiting import HTTP_TIMEOUT, scaled

pytestmark = pytest.mark.long(60)  # seconds alone on an idle 2-core machine (conftest)

EXAMPLES = 10  # per operation and phase: about half a minute on two cores
RUN_TIMEOUT = scaled(900)  # minutes on a loaded machine; a hung run still ends


def test_no_server_error_and_no_schema_violation(cloud: LocalCloud) -> None:
    user = sign_up_and_log_in(cloud, "fuzz")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{cloud.url}/openapi.json",
        "--url",
        cloud.url,
        "--header",
        f"Authorization: Bearer {user.token}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--seed",
        "1",
        "--max-examples",
        str(EXAMPLES),
        "--request-timeout",
        str(round(HTTP_TIMEOUT)),
        "--no-color",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " passed" in result.stdout, report
