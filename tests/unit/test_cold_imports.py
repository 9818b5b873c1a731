"""What each function loads when its handler is imported, in a fresh interpreter: heavy
libraries only where they are used, and only the domain packages its routes or records need.

A cold start pays for every module a handler imports. This keeps a function from starting to
load another's libraries (Pillow, opensearch-py, joserfc) or another domain's code by a
stray import. A function that really needs more changes its line in `DOMAINS`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from infra.local.template import Template
from tests.conftest import ROOT

# The glimpse domain packages each function's import may load. `users` where comments or
# messages are shown: an account's hidden words (glimpse.users.hidden_words) hide some of them.
DOMAINS = {
    "AuthFunction": {"auth", "graph", "media", "realtime", "users"},
    "CountersFunction": {"counters", "posts"},
    # the counters' transactions, with follower edges for marks
    "FollowersFunction": {"counters", "graph", "posts"},
    "DocsFunction": set(),
    "ExportsFunction": {"exports"},
    # what an archive holds is read through the models and views of each domain
    "ExporterFunction": {"exports", "graph", "media", "notifications", "posts", "stories", "users"},
    # every aggregate erases what it holds of an erased account
    "EraserFunction": {
        "auth",
        "exports",
        "feed",
        "graph",
        "insights",
        "media",
        "messages",
        "notifications",
        "posts",
        "realtime",
        "stories",
        "users",
    },
    "FanoutFunction": {"feed", "graph", "media", "posts", "stories"},
    "FeedFunction": {"feed", "graph", "media", "posts"},
    "GraphFunction": {"graph"},
    "IndexerFunction": {"search"},
    "MediaFunction": {"graph", "media"},
    "MessagesFunction": {"graph", "media", "messages", "realtime", "stories", "users"},
    # a report's target is checked as reading it would be; a suspension ends sessions
    "ModerationFunction": {
        "auth",
        "graph",
        "media",
        "moderation",
        "posts",
        "realtime",
        "stories",
        "users",
    },
    "ImpressionsFunction": {"insights"},
    "InsightsFunction": {"graph", "insights", "media", "posts", "stories", "users"},
    "NotificationsFunction": {"graph", "media", "notifications", "posts", "users"},
    "NotifierFunction": {"graph", "media", "notifications", "posts", "realtime", "users"},
    "PostsFunction": {"graph", "media", "posts", "users"},
    "PreSignUpFunction": set(),
    "PublisherFunction": {"posts"},  # likes are their own events (glimpse.posts.like_events)
    "RealtimeFunction": {"realtime"},
    "SearchFunction": {"graph", "media", "posts", "search"},
    "SearchSetupFunction": {"search"},
    "SocketAuthorizerFunction": {"realtime"},
    "StoriesFunction": {"graph", "media", "stories", "users"},  # answers and hidden words
    "StoryReaperFunction": {"stories"},
    "StorySweeperFunction": {"stories"},
    "ThumbnailerFunction": {"media"},
    # the sweeper moves a profile aside as DELETE /me does (glimpse.auth.leaving, hourly)
    "UnconfirmedSweeperFunction": {"auth", "graph", "media", "realtime", "users"},
    "TranscoderFunction": {"media"},
    "UsersFunction": {"auth", "graph", "media", "realtime", "users"},  # auth: POST /me/password
}
# The functions whose API routes take parameters or a body (validated), and those that read
# domain events; the docs function serves routes too, with nothing to validate.
ROUTES = {
    "AuthFunction", "ExportsFunction", "FeedFunction", "GraphFunction", "InsightsFunction",
    "MediaFunction",
    "MessagesFunction", "ModerationFunction", "NotificationsFunction", "PostsFunction",
    "SearchFunction",
    "StoriesFunction", "UsersFunction",
}  # fmt: skip
# (the publisher makes the likes' events from their items: glimpse.posts.like_events)
EVENTS = {
    "CountersFunction", "EraserFunction", "ExporterFunction", "FanoutFunction",
    "FollowersFunction", "NotifierFunction", "PublisherFunction", "StoryReaperFunction",
}  # fmt: skip
IDEMPOTENT_RECORDS = {
    "EraserFunction", "ExporterFunction", "FanoutFunction", "ThumbnailerFunction",
    "TranscoderFunction",
}  # fmt: skip
# Libraries only some functions ship or use: who may load them at import.
HEAVY = {
    # validation of requests and domain events; settings, models and media need none
    # (the unconfirmed sweeper moves a profile aside with DELETE /me's own step, whose module,
    # glimpse.auth.leaving, reads that route's schemas: an hourly function)
    "pydantic": ROUTES | EVENTS | {"UnconfirmedSweeperFunction"},
    "aws_lambda_powertools.event_handler.api_gateway": ROUTES | {"DocsFunction"},
    # consumers that make every record idempotent; an API function's creates load it on use
    "aws_lambda_powertools.utilities.idempotency": IDEMPOTENT_RECORDS,
    "PIL": {"ThumbnailerFunction", "TranscoderFunction"},
    "pillow_heif": set(),  # with the first HEIC
    "av": set(),  # the transcoder loads PyAV with its first clip
    # the local moderation model: with the first upload moderated locally (ModerationMode=local)
    "numpy": set(),
    "onnxruntime": set(),
    "opensearchpy": set(),  # search, indexer and setup make their client on first use
    "joserfc": {"SocketAuthorizerFunction"},
    # AES-GCM: loaded with the first cursor sealed or opened, or a two-factor sign-in
    "cryptography.hazmat.primitives.ciphers.aead": set(),
}
# Modules no function uses, which a package `__init__` or a default would load for nothing
# (glimpse.lazy, Plumbing's tracer patches): the resolvers of other event sources, the event
# classes of other services, the X-Ray SDK's patches of libraries Glimpse does not call, and the
# ULID library (glimpse.clock makes ids itself).
NEVER = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
    "aws_lambda_powertools.utilities.data_classes.appsync_resolver_event",
    "aws_xray_sdk.ext.sqlite3.patch",
    "aws_xray_sdk.ext.pynamodb.patch",
    "ulid",
)
DOMAIN_PACKAGES = {
    "auth", "counters", "exports", "feed", "graph", "insights", "media", "messages",
    "notifications", "posts", "realtime", "search", "stories", "users",
}  # fmt: skip
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


@cache
def functions() -> dict[str, str]:
    template = Template.load(ROOT / "template.yaml")
    return {
        logical_id: template.handler(logical_id)[0]
        for logical_id in template.of_type("AWS::Serverless::Function")
    }


def loaded(module: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}",
            "AWS_REGION": "us-east-1",
            "LAMBDA_TASK_ROOT": str(ROOT),  # the X-Ray SDK patches at import, as in Lambda
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_every_function_has_its_line() -> None:
    assert set(functions()) == set(DOMAINS)


@pytest.mark.parametrize("logical_id", sorted(DOMAINS))
def test_a_handler_loads_only_what_its_function_uses(logical_id: str) -> None:
    modules = loaded(functions()[logical_id])
    domains = {
        name.split(".")[1]
        for name in modules
        if name.startswith("glimpse.") and name.split(".")[1] in DOMAIN_PACKAGES
    }
    assert domains <= DOMAINS[logical_id], (
        f"{logical_id} loads {sorted(domains - DOMAINS[logical_id])}"
    )
    for library, users in HEAVY.items():
        if logical_id not in users:
            assert library not in modules, f"{logical_id} loads {library} at import"
    assert not modules & set(NEVER), f"{logical_id} loads {sorted(modules & set(NEVER))}"


def test_a_lazily_registered_package_still_gives_every_name_it_exports() -> None:
    """glimpse.lazy registers Powertools' heavy packages without running their `__init__`:
    each name the `__init__` would have given still imports, from the module it comes from."""
    probe = """
import json, sys
import glimpse
from aws_lambda_powertools.event_handler import Response
before = set(sys.modules)
from glimpse.lazy import PACKAGES
import importlib
found = {}
for name in PACKAGES:
    package = importlib.import_module(name)
    found[name] = [attr for attr in package.__all__ if getattr(package, attr, None) is None]
print(json.dumps({"missing": found, "response": Response.__module__,
                  "appsync_before": "aws_lambda_powertools.event_handler.appsync" in before}))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(ROOT / "layers/common/python"), "AWS_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["response"] == "aws_lambda_powertools.event_handler.api_gateway"
    assert result["appsync_before"] is False  # nothing asked for it until the loop did
    assert result["missing"] == {name: [] for name in result["missing"]}
    assert len(result["missing"]) == 2
