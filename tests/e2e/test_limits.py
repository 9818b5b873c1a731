"""Rate limits over HTTP, on a local cloud of its own at RateLimitScale=1 (the template's
default; the shared one of the other suites runs at 1000): a burst of comments gets a 429
whose headers a browser may read. Its WAF web ACL is on, which the local cloud does not
emulate: the API's own limits are what answers."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Client, sign_up_and_log_in
from tests.e2e.processes import free_ports, local_cloud
from tests.e2e.test_social import publish

EXPOSED = {"retry-after", "ratelimit", "ratelimit-policy", "x-amzn-requestid"}
ORIGIN = {"Origin": "https://app.example"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    work = tmp_path_factory.mktemp("limits")
    port = free_ports()
    log = work / "cloud.log"
    with local_cloud(
        port,
        work / "state",
        log,
        "--parameter",
        "RateLimitScale=1",
        "--parameter",
        "WafRateLimitPerIp=10",
    ) as url:
        yield SimpleNamespace(url=url, log=log)


def exposed(response: requests.Response) -> set[str]:
    listed = response.headers.get("Access-Control-Expose-Headers", "")
    return {name.strip().lower() for name in listed.split(",") if name.strip()}


def test_a_burst_of_comments_gets_a_429_a_browser_can_read(limited: Any) -> None:
    alice: Client = sign_up_and_log_in(limited, "alice")
    post_id = publish(alice)
    path = f"/posts/{post_id}/comments"
    # 30 a minute, a token back every 2 s: a slow machine may get a few more in before the
    # first 429, never fewer than 30
    answers: list[requests.Response] = []
    while len(answers) < 90 and (not answers or answers[-1].status_code == 201):
        answers.append(alice.post(path, json={"text": f"c{len(answers)}"}, headers=ORIGIN))
    codes = [a.status_code for a in answers]
    assert codes[-1] == 429, answers[-1].text
    assert codes[:-1] == [201] * (len(codes) - 1)
    assert len(codes) - 1 >= 30
    first, refused = answers[0], answers[-1]
    assert first.headers["RateLimit-Policy"] == '"comments";q=30;w=60'
    assert first.headers["RateLimit"].startswith('"comments";r=29;t=')
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Policy"] == '"comments";q=30;w=60'
    assert refused.headers["RateLimit"].startswith('"comments";r=0;t=')
    assert exposed(refused) >= EXPOSED
    assert exposed(first) >= EXPOSED
    # The preflight lets a browser send the request at all; the answers expose the headers.
    preflight = requests.options(
        limited.url + path,
        headers={**ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    # API Gateway's own errors (here a missing token) expose them too.
    anonymous = requests.post(limited.url + path, json={"text": "x"}, headers=ORIGIN, timeout=30)
    assert anonymous.status_code == 401
    assert exposed(anonymous) >= EXPOSED


def test_the_web_acl_is_not_provisioned_and_breaks_nothing(limited: Any) -> None:
    """With WafRateLimitPerIp set, the start report names the WAF resources as not needed
    (none is unsupported), and more than 10 requests from one address go through."""
    report = limited.log.read_text()
    for resource in ("ApiWebAcl", "ApiWebAclAssociation"):
        assert f"not needed locally: {resource} (" in report, report[-3000:]
    assert "NOT PROVISIONED" not in report
    answers = [requests.get(limited.url + "/health", timeout=30) for _ in range(15)]
    assert {a.status_code for a in answers} == {200}
