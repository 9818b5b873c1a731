"""docs/api.md, the client developers' reference, against the OpenAPI document.

The document (`layers/common/python/glimpse/openapi.json`) is generated from the handlers, so
these tests fail when a route is added, removed or changes its success status without the
reference following. The reference documents each route under a heading of one form, with
its success status on the one line of that section that starts with an arrow:

    #### `GET /users/{username}`

    → `200` [user](#user)
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"
OPENAPI = ROOT / "layers" / "common" / "python" / "glimpse" / "openapi.json"

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
_METHOD = "|".join(METHODS)
ROUTE_HEADING = re.compile(rf"^#{{2,6}} `(?P<method>{_METHOD}) (?P<path>/\S*)`\s*$")
STATUS_LINE = re.compile(r"^→ `(?P<status>\d{3})`")
# Any route named in inline code, in a heading or in prose: "`DELETE /posts/{post_id}/like`",
# "`GET /feed?order=ranked`", "`PATCH /me {...}`". The path ends at a space, `?` or backtick.
ROUTE_MENTION = re.compile(rf"`(?P<method>{_METHOD}) (?P<path>/[^\s`?]*)[^`]*`")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)[^)]*\)")

Route = tuple[str, str]


@cache
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


@cache
def doc_lines() -> tuple[str, ...]:
    return tuple(API_DOC.read_text(encoding="utf-8").splitlines())


def served_routes() -> dict[Route, dict[str, Any]]:
    """(METHOD, path) → its operation, for every operation in the OpenAPI document."""
    return {
        (method.upper(), path): operation
        for path, operations in openapi()["paths"].items()
        for method, operation in operations.items()
        if method.upper() in METHODS
    }


def documented_routes() -> dict[Route, list[str]]:
    """(METHOD, path) → the success statuses written in its section of docs/api.md.

    A section runs from a route heading to the next heading of any kind. Fenced code blocks
    are skipped, so a `# comment` in a shell example never ends a section."""
    sections: dict[Route, list[str]] = {}
    current: Route | None = None
    fenced = False
    for line in doc_lines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("#"):
            match = ROUTE_HEADING.match(line)
            current = (match["method"], match["path"]) if match else None
            if current is not None:
                assert current not in sections, f"{current} is documented twice"
                sections[current] = []
            continue
        status = STATUS_LINE.match(line)
        if status and current is not None:
            sections[current].append(status["status"])
    return sections


def success_statuses(operation: dict[str, Any]) -> set[str]:
    return {code for code in operation.get("responses", {}) if re.fullmatch(r"2\d\d", code)}


def test_the_sources_are_not_empty() -> None:
    # Guards the comparisons below: an empty side would make them pass vacuously.
    assert len(served_routes()) >= 10
    assert len(documented_routes()) >= 10


def test_every_served_route_is_documented() -> None:
    missing = sorted(set(served_routes()) - set(documented_routes()))
    assert not missing, (
        "routes in openapi.json with no heading like #### `METHOD /path` in docs/api.md: "
        + ", ".join(f"{m} {p}" for m, p in missing)
    )


def test_every_documented_route_is_served() -> None:
    extra = sorted(set(documented_routes()) - set(served_routes()))
    assert not extra, "docs/api.md documents routes the API does not serve: " + ", ".join(
        f"{m} {p}" for m, p in extra
    )


def test_every_route_named_anywhere_in_the_doc_is_served() -> None:
    # Prose mentions too ("as `GET /posts/{post_id}`"): no planned or removed route is named
    # as if it existed.
    served = set(served_routes())
    named = {
        (match["method"], match["path"])
        for line in doc_lines()
        for match in ROUTE_MENTION.finditer(line)
    }
    unknown = sorted(named - served)
    assert not unknown, "docs/api.md names routes the API does not serve: " + ", ".join(
        f"{m} {p}" for m, p in unknown
    )


@pytest.mark.parametrize("route", sorted(served_routes()), ids=lambda r: f"{r[0]} {r[1]}")
def test_documented_success_status_matches_openapi(route: Route) -> None:
    documented = documented_routes().get(route)
    if documented is None:
        pytest.skip("not documented: reported by test_every_served_route_is_documented")
    assert len(documented) == 1, (
        f"{route}: its section needs exactly one line starting with → `<status>`, "
        f"found {documented}"
    )
    status = documented[0]
    listed = success_statuses(served_routes()[route])
    # The doc follows what the handler answers. A handler that answers 204 with a `Response`
    # object may be described with a 200 in the generated document (Powertools takes the
    # status from the route's `status_code`, and a route that forgets it gets the default
    # 200). That mismatch is the OpenAPI document's to fix, not this page's, so a 204 in the
    # doc is accepted when the document lists 200 or 204. Any other status must be listed.
    allowed = listed | ({"204"} if listed & {"200", "204"} else set())
    assert status in allowed, (
        f"{route[0]} {route[1]}: docs/api.md says {status}, openapi.json lists {sorted(listed)}"
    )


def _without_code(lines: tuple[str, ...], keep_code_spans: bool = False) -> list[str]:
    """The lines outside fenced blocks, with inline code removed unless `keep_code_spans`."""
    kept, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(line if keep_code_spans else re.sub(r"`[^`]*`", "", line))
    return kept


def test_the_doc_links_only_inside_the_repository() -> None:
    prose = _without_code(doc_lines())
    outside = [line for line in prose if re.search(r"\b(?:https?|mailto|ftp):", line)]
    assert not outside, f"links or URLs outside the repository: {outside}"
    for line in prose:
        for match in MARKDOWN_LINK.finditer(line):
            target = match["target"].split("#", 1)[0]
            if not target:
                continue  # an anchor on this page
            resolved = (API_DOC.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{target} leaves the repository"
            assert resolved.exists(), f"{target} does not exist"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_anchors_on_the_page_exist() -> None:
    anchors: set[str] = set()
    for line in _without_code(doc_lines(), keep_code_spans=True):
        if line.startswith("#"):
            slug, n = _slug(line), 1
            while slug in anchors:  # GitHub numbers repeated headings: media, media-1
                slug, n = f"{_slug(line)}-{n}", n + 1
            anchors.add(slug)
    broken = sorted(
        match["target"]
        for line in _without_code(doc_lines())
        for match in MARKDOWN_LINK.finditer(line)
        if match["target"].startswith("#") and match["target"][1:] not in anchors
    )
    assert not broken, f"links to headings that do not exist: {broken}"
