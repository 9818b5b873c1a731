"""README.md and every docs/*.md say only what is true of the code.

- A route a page names (`GET /users/{username}`, or a tour's `curl -X POST $API/posts`) is one
  the OpenAPI document serves.
- "Not built yet", "comes next" and their kin appear only where they name a feature of
  `UNBUILT`, and no feature of `UNBUILT` has a route (or field) in the OpenAPI document: building
  one without updating the docs fails here.
- Every relative link resolves, and every `#anchor` is a heading of its target as GitHub
  slugs it.

Each checker works on text, so each is also run once on a small bad page below: a checker that
stopped finding anything would fail there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from infra.routes import headings
from tests.conftest import ROOT

OPENAPI = ROOT / "layers" / "common" / "python" / "glimpse" / "openapi.json"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_M = "|".join(METHODS)
# `GET /users/{username}/posts`, in prose or code; the path ends at a space, quote, bracket,
# comma, `?` or `#`; a trailing `.` or `:` is the sentence's.
ROUTE_MENTION = re.compile(rf"(?<![\w/-])(?P<method>{_M}) (?P<path>/[^\s`'\"()\[\]<>,;?#]*)")
# A tour's `curl -s -X POST $API/posts/$POST_ID/like`: `$VAR` segments stand for parameters.
CURL_MENTION = re.compile(rf"-X (?P<method>{_M}) \"?\$API(?P<path>/[^\s\"'?]*)")
# Paths that appear after a method and are not the REST API's, each with where it is from.
# Keep this narrow: an entry names one path of one method.
NOT_THE_API: dict[tuple[str, str], str] = {}
Route = tuple[str, str]


@cache
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


def served(document: dict[str, Any]) -> set[Route]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in METHODS
    }


def _matches(named: str, template: str) -> bool:
    """A named path against an OpenAPI path: `{x}` in the template takes any one segment; a
    placeholder in the name (`{u}`, `$POST_ID`) only a template's placeholder."""
    names, parts = named.strip("/").split("/"), template.strip("/").split("/")
    if len(names) != len(parts):
        return False
    for name, part in zip(names, parts, strict=True):
        placeholder = part.startswith("{")
        if re.fullmatch(r"\{[^}]*\}|\$\w+", name):
            if not placeholder:
                return False
        elif name != part and not (placeholder and name):
            return False
    return True


def unknown_routes(text: str, routes: set[Route]) -> list[str]:
    """Each `METHOD /path` in `text` that no route in `routes` serves."""
    found = []
    for line in text.splitlines():
        for pattern in (ROUTE_MENTION, CURL_MENTION):
            for match in pattern.finditer(line):
                method, path = match["method"], match["path"].rstrip(".:") or "/"
                if (method, path) in NOT_THE_API:
                    continue
                if not any(m == method and _matches(path, p) for m, p in routes):
                    found.append(f"{method} {path}")
    return found


# ------------------------------------------------------------------------ what is not built

NOT_BUILT = re.compile(r"\bnot built\b|\bcomes? next\b|\bnot yet\b|\byet to be built\b", re.I)


def _paths(document: dict[str, Any], pattern: str) -> list[Route]:
    return [(m, p) for m, p in served(document) if re.search(pattern, p, re.I)]


def _fields(document: dict[str, Any], schema: str, pattern: str) -> list[str]:
    """The properties of the named schema (which must exist) matching `pattern`."""
    properties = document["components"]["schemas"][schema].get("properties", {})
    return [name for name in properties if re.search(pattern, name, re.I)]


def _all_fields(document: dict[str, Any], pattern: str) -> list[str]:
    return [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field in schema.get("properties", {})
        if re.search(pattern, field, re.I)
    ]


@dataclass(frozen=True)
class Unbuilt:
    """A feature the docs may call unbuilt: how a line names it, and what would exist (routes,
    fields, files) once it is built. `built` lists that evidence; empty means not built."""

    names: str  # a regular expression, case-insensitive
    built: Callable[[dict[str, Any]], list[Any]]


UNBUILT: dict[str, Unbuilt] = {}


def _section_items(lines: list[str], start: int) -> list[str]:
    """The list items under the heading at `start`, until the next heading; a continuation
    line (indented) belongs to the item above."""
    items: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("- "):
            items.append(line)
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
    return items


def unfounded_not_built(text: str, features: dict[str, Unbuilt]) -> list[str]:
    """Lines saying something is not built that name no feature of `features`. A heading that
    says it ("## What is not built yet") vouches for its section's list: each item must name one."""
    names = [re.compile(feature.names, re.I) for feature in features.values()]
    lines = text.splitlines()
    problems = []
    for number, line in enumerate(lines):
        if not NOT_BUILT.search(line):
            continue
        if line.startswith("#"):
            items = _section_items(lines, number)
            if not items:
                problems.append(f"{line!r} heads no list of features")
            problems += [item for item in items if not any(n.search(item) for n in names)]
        elif not any(n.search(line) for n in names):
            problems.append(line.strip())
    return problems


# ------------------------------------------------------------------------------------ links

LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(text: str) -> list[str]:
    """Lines outside fenced code, with inline code removed."""
    kept, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return kept


@cache
def anchors(path: Path) -> frozenset[str]:
    return frozenset(slug for _, _, slug in headings(path.read_text(encoding="utf-8").splitlines()))


def broken_links(text: str, page: Path) -> list[str]:
    broken = []
    for line in _prose(text):
        for match in LINK.finditer(line):
            target = match["target"]
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto:: outside the repository
            file, _, anchor = target.partition("#")
            resolved = (page.parent / file).resolve() if file else page
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{target}: no such file")
            elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
                broken.append(f"{target}: no heading with that anchor")
    return broken


# ------------------------------------------------------------------------------------ tests


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_the_pages_are_there() -> None:
    names = {_id(page) for page in PAGES}
    assert {"README.md", "docs/api.md", "docs/routes.md", "docs/design.md"} <= names
    assert len(served(openapi())) >= 40


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_route_a_page_names_is_served(page: Path) -> None:
    unknown = unknown_routes(page.read_text(encoding="utf-8"), served(openapi()))
    assert not unknown, f"{_id(page)} names routes the API does not serve: {unknown}"


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_not_built_only_for_unbuilt_features(page: Path) -> None:
    problems = unfounded_not_built(page.read_text(encoding="utf-8"), UNBUILT)
    assert not problems, (
        f"{_id(page)} calls something unbuilt that is not in UNBUILT (tests/unit/test_docs.py); "
        f"if it is built now, say so: {problems}"
    )


def test_no_unbuilt_feature_has_a_route() -> None:
    document = openapi()
    for feature, unbuilt in UNBUILT.items():
        evidence = unbuilt.built(document)
        assert not evidence, (
            f"{feature} looks built ({evidence}): update the README's 'What is not built yet', "
            "the docs that call it unbuilt, and UNBUILT in tests/unit/test_docs.py"
        )


def test_the_readme_lists_exactly_the_unbuilt_features() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    if not UNBUILT:  # everything is built: the section goes with its last item
        assert "## What is not built yet" not in lines
        return
    heading = lines.index("## What is not built yet")
    listed = " ".join(_section_items(lines, heading))
    missing = [name for name, f in UNBUILT.items() if not re.search(f.names, listed, re.I)]
    assert not missing, f"in UNBUILT but not in the README's list: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_links_and_anchors_resolve(page: Path) -> None:
    broken = broken_links(page.read_text(encoding="utf-8"), page)
    assert not broken, f"{_id(page)}: {broken}"


# ------------------------------------------------------- the checkers, on small bad pages


def test_the_route_checker_finds_an_unknown_route() -> None:
    routes = {("GET", "/users/{username}"), ("POST", "/posts/{post_id}/like")}
    page = """Read `GET /users/{u}` or GET /users/alice. Then `GET /users/{u}/pets`.
    curl -s -X POST $API/posts/$POST_ID/like
    curl -s -X DELETE "$API/posts/$POST_ID/like"
    """
    assert unknown_routes(page, routes) == ["GET /users/{u}/pets", "DELETE /posts/$POST_ID/like"]
    # A placeholder matches only a placeholder: `/stories/tray` is not `/stories/{id}`.
    assert unknown_routes("GET /stories/{id}", {("GET", "/stories/tray")}) == ["GET /stories/{id}"]


def test_the_not_built_checker_finds_a_built_feature_called_unbuilt() -> None:
    features = {"a web client": Unbuilt(r"web client", lambda d: [])}
    page = "\n".join(
        [
            "Video and filters come next.",
            "A web client is not built yet.",
            "## What is not built yet",
            "- a web client;",
            "- stories, which exist",
            "  since November.",
            "## Other",
        ]
    )
    assert unfounded_not_built(page, features) == [
        "Video and filters come next.",
        "- stories, which exist since November.",
    ]
    assert unfounded_not_built("## Not built yet\n\nNothing.", features) == [
        "'## Not built yet' heads no list of features"
    ]
    document = {"paths": {"/stories/{story_id}/insights": {"get": {}}}, "components": {}}
    insights = Unbuilt(r"insights", lambda d: _paths(d, r"insight"))
    assert insights.built(document) == [("GET", "/stories/{story_id}/insights")]


def test_the_link_checker_finds_broken_links_and_anchors() -> None:
    page = ROOT / "docs" / "example.md"  # not written: only its folder matters
    text = "\n".join(
        [
            "[ok](api.md#get-usersusername) [ok](../README.md) [web](https://example.com)",
            "[gone](nowhere.md) [bad anchor](design.md#no-such-record)",
            "```",
            "[in code](ignored.md)",
            "```",
        ]
    )
    assert broken_links(text, page) == [
        "nowhere.md: no such file",
        "design.md#no-such-record: no heading with that anchor",
    ]
