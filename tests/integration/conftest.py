"""Handlers against moto (`mock_aws`), with every resource created from template.yaml.

One stack per test process (xdist worker): tests use unique usernames, not fresh tables.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from glimpse import idempotency
from glimpse.adapters import aws, secrets
from glimpse.adapters import search as search_adapter
from glimpse.config import get_settings
from infra import opensearch
from infra.local import atomicity, cognito
from infra.local.fronts.search import SearchFront
from infra.local.provision import Provisioner, push_applications
from infra.local.runtime import function_specs, merged_environment, per_thread_router_state
from infra.local.search import LocalSearch
from infra.local.template import Template
from tests.conftest import ROOT, FakeContext, load_event


@dataclass
class Stack:
    provisioner: Provisioner

    def ref(self, logical_id: str) -> Any:
        return self.provisioner.resolver.ref(logical_id)

    def client(self, service: str) -> Any:
        return self.provisioner.client(service)


# Where each process leaves its part of the unused-grant check (tests/conftest.py sets it).
GRANTS_FOLDER = "GLIMPSE_IAM_GRANTS"
INTEGRATION = Path(__file__).parent
_whole_suite = False  # this session collected every integration test, none deselected


def pytest_collection_finish(session: pytest.Session) -> None:
    global _whole_suite
    files = {Path(str(item.path)) for item in session.items}
    everything = set(INTEGRATION.glob("test_*.py"))
    deselected = session.config.getoption("keyword") or session.config.getoption("markexpr")
    _whole_suite = everything <= files and not deselected


def _reset_caches() -> None:
    get_settings.cache_clear()
    aws.cognito.cache_clear()
    aws.s3.cache_clear()
    aws.sns.cache_clear()
    aws.sqs.cache_clear()
    aws.secrets.cache_clear()
    secrets.cursor_key.cache_clear()
    idempotency.persistence_store.cache_clear()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    mock = mock_aws()
    mock.start()
    atomicity.install()
    # Tests call one handler on several threads at once (tests.conftest.run_concurrently), as
    # the local cloud does: each thread's resolver must handle its own event.
    per_thread_router_state()
    # Budgets a thousand times the deployed ones: the suites write in bulk (test_limits.py
    # sets RATE_LIMIT_SCALE to 1 for its own tests). Uploads are moderated by the local
    # model, as on the local cloud (moto has no Rekognition moderation).
    defaults = {**push_applications(None), "RateLimitScale": "1000", "ModerationMode": "local"}
    template = Template.load(ROOT / "template.yaml", defaults=defaults)
    provisioner = Provisioner(template, endpoint=None)
    provisioner.provision()
    specs = function_specs(template, provisioner.resolver)
    saved = dict(os.environ)
    os.environ.update(merged_environment(specs))
    _reset_caches()
    from functions.presignup import app as presignup

    pool_id = str(provisioner.resolver.ref("UserPool"))
    cognito.register(pool_id, "PreSignUp", lambda e: presignup.lambda_handler(e, FakeContext()))
    from tests.integration.social import EventPump

    EventPump.current = Stack(provisioner)
    yield EventPump.current
    EventPump.current = None
    cognito.unregister(pool_id)
    os.environ.clear()
    os.environ.update(saved)
    _reset_caches()
    mock.stop()


@pytest.fixture(scope="session", autouse=True)
def least_privilege(stack: Stack) -> Iterator[None]:
    """Each AWS call a function makes in this process is allowed by its policy in the template
    (checked when the session ends: moto enforces no IAM), and each setting it reads is one its
    handler declares (tests/unit/test_settings.py holds the template to the declarations)."""
    from tests.integration.iam import Recorder, dump, undeclared_settings

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    with recorder.installed():
        yield
    folder = os.environ.get(GRANTS_FOLDER)
    if folder:  # for the unused-grant check when the session ends (tests/conftest.py)
        dump(recorder, folder, _whole_suite)
    refused = [f"{c.function}: {c.action} on {c.resource}" for c in recorder.refused()]
    assert not refused, "calls the policies in template.yaml do not allow:\n" + "\n".join(refused)
    undeclared = undeclared_settings(recorder)
    assert not undeclared, "settings read but not declared in SETTINGS:\n" + "\n".join(undeclared)


@pytest.fixture
def auto_confirm(stack: Stack) -> Iterator[None]:
    """Accounts are confirmed at sign-up, as on the local cloud (AutoConfirmUsers=true)."""
    os.environ["AUTO_CONFIRM_USERS"] = "true"
    get_settings.cache_clear()
    yield
    os.environ["AUTO_CONFIRM_USERS"] = "false"
    get_settings.cache_clear()


@pytest.fixture
def celebrity_threshold(stack: Stack) -> Iterator[None]:
    """Accounts with more than 2 followers are celebrities for this test."""
    saved = os.environ["CELEBRITY_FOLLOWER_THRESHOLD"]
    os.environ["CELEBRITY_FOLLOWER_THRESHOLD"] = "2"
    get_settings.cache_clear()
    yield
    os.environ["CELEBRITY_FOLLOWER_THRESHOLD"] = saved
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def engine(stack: Stack) -> Iterator[LocalSearch]:
    """The local search engine behind its HTTP front, as the search functions' endpoint."""
    front = SearchFront.serving(opensearch.templates())
    engine = front.engine
    saved = os.environ.get("OPENSEARCH_ENDPOINT")
    os.environ["OPENSEARCH_ENDPOINT"] = front.url
    get_settings.cache_clear()
    search_adapter.client.cache_clear()
    yield engine
    os.environ["OPENSEARCH_ENDPOINT"] = saved or ""
    get_settings.cache_clear()
    search_adapter.client.cache_clear()
    front.stop()


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def call(handler: Any, name: str, body: Any = None, **changes: Any) -> tuple[int, Any]:
    """Invoke a handler with the sample event `name`; returns (status, parsed body)."""
    if body is not None:
        changes["body"] = json.dumps(body)
    event = load_event(name, **changes)
    response = handler(event, FakeContext())
    text = response.get("body")
    return response["statusCode"], json.loads(text) if text else None


def as_user(name: str, user_id: str, username: str, **changes: Any) -> dict[str, Any]:
    """The sample event `name` with the authorizer claims of this user."""
    event = load_event(name, **changes)
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["sub"], claims["cognito:username"] = user_id, username
    return event


@pytest.fixture
def alice(stack: Stack) -> Any:
    """A profile written directly (no Cognito); test modules that sign up define their own."""
    from tests.integration.social import make_user

    return make_user(prefix="alice")


@pytest.fixture
def bob(stack: Stack) -> Any:
    from tests.integration.social import make_user

    return make_user(prefix="bob")


@pytest.fixture
def user() -> dict[str, str]:
    """A caller's identity (no account needed where a handler only reads the token's claims)."""
    return {"id": str(uuid.uuid4()), "username": f"u{uuid.uuid4().hex[:10]}"}
