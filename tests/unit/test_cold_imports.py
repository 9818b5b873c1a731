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

# The glimpse domain packages each function's import may load.
DOMAINS = {
    "AuthFunction": {"auth", "graph", "media", "users"},
    "CountersFunction": {"counters"},
    "DocsFunction": set(),
    "FanoutFunction": {"feed", "graph"},
    "FeedFunction": {"feed", "graph", "media", "posts"},
    "GraphFunction": {"graph"},
    "IndexerFunction": {"search"},
    "MediaFunction": {"graph", "media"},
    "MessagesFunction": {"graph", "media", "messages", "realtime", "stories"},
    "NotificationsFunction": {"graph", "media", "notifications", "posts"},
    "NotifierFunction": {"graph", "media", "notifications", "posts", "realtime"},
    "PostsFunction": {"graph", "media", "posts"},
    "PreSignUpFunction": set(),
    "PublisherFunction": set(),
    "RealtimeFunction": {"realtime"},
    "SearchFunction": {"graph", "media", "posts", "search"},
    "SearchSetupFunction": {"search"},
    "SocketAuthorizerFunction": {"realtime"},
    "StoriesFunction": {"graph", "media", "stories"},
    "StoryReaperFunction": {"stories"},
    "ThumbnailerFunction": {"graph", "media"},
    "UsersFunction": {"graph", "media", "users"},
}
# Libraries only some functions ship or use: who may load them at import.
HEAVY = {
    "PIL": {"ThumbnailerFunction"},
    "pillow_heif": {"ThumbnailerFunction"},
    "opensearchpy": set(),  # search, indexer and setup make their client on first use
    "joserfc": {"SocketAuthorizerFunction"},
}
DOMAIN_PACKAGES = {
    "auth", "counters", "feed", "graph", "media", "messages", "notifications", "posts",
    "realtime", "search", "stories", "users",
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
        env={"PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}", "AWS_REGION": "us-east-1"},
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
