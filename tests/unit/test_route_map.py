"""docs/routes.md, the route map, is what `python -m infra.routes` makes from the sources now.

A route added, moved to another function, or a service function moved to another module
without `make routes` fails here (and in `make lint`). The generator's own reading of a
handler is checked on small files, so a change that breaks it cannot pass by matching an
equally broken committed map.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import routes
from infra.local.template import Template
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def test_the_committed_route_map_is_fresh(template: Template) -> None:
    assert routes.DOCUMENT.read_text(encoding="utf-8") == routes.render(template), (
        "docs/routes.md is stale: run `make routes`"
    )


def test_every_route_of_the_template_is_mapped_with_a_handler(template: Template) -> None:
    http, websocket = routes.rows(template)
    assert {row.route for row in http} == {f"{m} {p}" for m, p in template.api_routes()}
    assert {row.route for row in websocket} == {"$connect", "$disconnect", "$default"}
    assert all(row.handler for row in http + websocket)


def test_known_routes_resolve_to_their_service_functions(template: Template) -> None:
    http, websocket = routes.rows(template)
    by_route = {row.route: row for row in http + websocket}
    # Through an idempotent wrapper (`created_once(..., _create_story)`): the service call.
    assert "glimpse.stories.service.create_story" in by_route["POST /stories"].calls
    # Through a helper of the handler file (`_delivered`), in the order they run.
    assert by_route["POST /conversations/{conversation_id}/messages"].calls == (
        "glimpse.messages.service.send",
        "glimpse.realtime.service.send_logged",
    )
    assert by_route["GET /health"].calls == ()
    # A WebSocket route's branch of the handler.
    assert by_route["$disconnect"].calls == ("glimpse.realtime.service.disconnect",)
    # Every service call names a function that exists where it says.
    for row in http + websocket:
        for call in row.calls:
            assert routes.defines(call), (row.route, call)


def test_every_route_access_patterns_names_is_served(template: Template) -> None:
    """A stale or mistyped route in access-patterns.md would silently drop out of the map."""
    served = {f"{m} {routes._normalised(p)}" for m, p in template.api_routes()}
    served |= {"$connect", "$disconnect", "$default"}
    named = set(routes.documented(set()))
    assert len(named) > 40
    assert not named - served, f"access-patterns.md names unknown routes: {named - served}"


def test_github_slugs() -> None:
    # As GitHub renders them (checked by hand on github.com).
    assert routes.github_slug("#### `GET /users/{username}`") == "get-usersusername"
    assert routes.github_slug("## Users table (`UsersTable`)") == "users-table-userstable"
    assert routes.github_slug("## 2026-11-21 — Counters from events") == (
        "2026-11-21--counters-from-events"
    )
    assert routes.github_slug("### Posts, likes and comments") == "posts-likes-and-comments"
    lines = ["# A", "## Media", "```", "# not a heading", "```", "## Media"]
    assert [a for _, _, a in routes.headings(lines)] == ["a", "media", "media-1"]


# ----------------------------------------------------------------- the reader, on small files


def _package(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(routes, "PACKAGE_ROOT", tmp_path / "layer")
    routes._lookup.cache_clear()
    yield tmp_path
    routes._lookup.cache_clear()


def test_a_moved_service_function_is_followed_to_where_it_is_defined(package: Path) -> None:
    _package(
        package / "layer",
        {
            "glimpse/__init__.py": "",
            "glimpse/api/__init__.py": "",
            "glimpse/api/identity.py": "def caller(app): ...\n",
            "glimpse/stories/__init__.py": "",
            # The service re-exports the tray from its new module.
            "glimpse/stories/service.py": "from .tray import tray\n\ndef create(): ...\n",
            "glimpse/stories/tray.py": "def tray(user): ...\n\nclass Tray: ...\n",
        },
    )
    _package(
        package,
        {
            "app.py": """
                from glimpse.api.identity import caller
                from glimpse.stories import service
                from glimpse.stories.tray import Tray

                @app.get("/stories/tray")
                def get_tray() -> Tray:
                    return Tray.model_validate(service.tray(caller(app).user_id))

                @app.post("/stories/<story_id>")
                def create():
                    return once(1)

                def _create():
                    return service.create()

                once = created_once("x", _create)
            """
        },
    )
    app = routes._AppFile.read(package / "app.py")
    assert app.route_handlers() == {
        ("GET", "/stories/tray"): "get_tray",
        ("POST", "/stories/{story_id}"): "create",
    }
    assert app.service_calls([app.functions["get_tray"]]) == ["glimpse.stories.tray.tray"]
    assert app.service_calls([app.functions["create"]]) == ["glimpse.stories.service.create"]
    assert routes.resolve_function("glimpse.stories.tray.Tray") is None  # a class
    # A name that is gone stays in the map, marked, rather than vanishing from it.
    assert routes.resolve_function("glimpse.stories.service.gone") == "glimpse.stories.service.gone"
    assert not routes.defines("glimpse.stories.service.gone")
    assert routes.defines("glimpse.stories.tray.tray")


def test_websocket_branches(package: Path) -> None:
    _package(
        package / "layer",
        {"glimpse/__init__.py": "", "glimpse/ws.py": "def a(): ...\ndef b(): ...\ndef c(): ...\n"},
    )
    _package(
        package,
        {
            "app.py": """
                from glimpse import ws

                def handle(event, context):
                    route = event["routeKey"]
                    if route == "$connect":
                        ws.a()
                    elif route == "$disconnect":
                        ws.b()
                    else:
                        ws.c()

                lambda_handler = plumbing.consumer(handle)
            """
        },
    )
    app = routes._AppFile.read(package / "app.py")
    entry = app.entry("lambda_handler")
    assert entry == ["handle"]
    assert app.branch_calls(entry, ["$connect", "$disconnect", "$default"]) == {
        "$connect": ["glimpse.ws.a"],
        "$disconnect": ["glimpse.ws.b"],
        "$default": ["glimpse.ws.c"],
    }


def test_a_route_with_no_decorated_handler_is_an_error(
    template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = routes._AppFile.route_handlers
    monkeypatch.setattr(
        routes._AppFile,
        "route_handlers",
        lambda self: {k: v for k, v in real(self).items() if k != ("GET", "/feed")},
    )
    with pytest.raises(routes.RouteMapError, match="GET /feed"):
        routes.rows(template)


def test_the_check_fails_on_a_stale_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "routes.md"
    monkeypatch.setattr(routes, "DOCUMENT", copy)
    fresh = (ROOT / "docs" / "routes.md").read_text(encoding="utf-8")
    copy.write_text(fresh, encoding="utf-8")
    assert routes.main(["--check"]) == 0
    stale = fresh.replace("`glimpse.", "`glimpse.moved.", 1)  # one service function moved
    assert stale != fresh
    copy.write_text(stale)
    assert routes.main(["--check"]) == 1
