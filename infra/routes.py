"""The route map, `docs/routes.md`: every route with its function, handler, service calls and
the table its DynamoDB access is documented under. Generated from sources, never by hand.

- Routes and their functions: `template.yaml` (the REST API's `Type: Api` events, the WebSocket
  API's `AWS::ApiGatewayV2` routes), read by the local cloud's own template reader.
- Handler and service calls: the function's `functions/<name>/app.py`, read as a syntax tree
  (nothing is imported). The handler is the function decorated with `@app.<method>("<path>")`
  (a WebSocket route's: the `if ... == "<route key>"` branch of the function's Lambda handler).
  Its service calls are the calls it makes, directly or through the file's own functions (such
  as an idempotent wrapper), to functions of the `glimpse` package, resolved through the file's
  imports and any re-exports to the module that defines them; the plumbing (`glimpse.api`,
  `glimpse.plumbing`, `glimpse.idempotency`, `glimpse.config`) is left out.
- Tables and indexes: `docs/access-patterns.md`, the section whose rows name the route (its
  table, from the section heading) and the indexes its row names. A route with no row there
  shows the function's tables from its policies in `template.yaml`, marked as such.

`--check` (run by `make lint`) fails when the committed file differs from what the sources
give now; `--write` (`make routes`, and `make openapi`) regenerates it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from infra.generated import parse_mode, write_or_check
from infra.local.template import Template, WebSocketRoute, references

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "routes.md"
API_DOC = ROOT / "docs" / "api.md"
ACCESS_PATTERNS = ROOT / "docs" / "access-patterns.md"
PACKAGE_ROOT = ROOT / "layers" / "common" / "python"
PLUMBING = ("glimpse.api", "glimpse.plumbing", "glimpse.idempotency", "glimpse.config")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ROUTE_SPAN = re.compile(rf"^(?P<method>{'|'.join(METHODS)}) (?P<path>/\S*)$")


class RouteMapError(Exception):
    """The sources cannot be read as this generator expects: fix the source or the generator."""


# ---------------------------------------------------------------------------- markdown


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup dropped, lowercase, punctuation other than
    `-` and `_` removed, spaces to hyphens. (Repeated headings get `-1`, `-2`: see `anchors`.)"""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.lstrip("#").strip())
    text = text.replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def headings(lines: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """`(level, text, anchor)` for every heading outside fenced code, anchors as GitHub
    numbers them (`media`, `media-1`)."""
    seen: dict[str, int] = {}
    fenced = False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = re.match(r"^(#{1,6}) (.+?)\s*#*\s*$", line)
        if fenced or not match:
            continue
        slug = github_slug(match[2])
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        yield len(match[1]), match[2], slug if count == 0 else f"{slug}-{count}"


def _link(text: str, target: str) -> str:
    return f"[{text}]({target})"


# ---------------------------------------------------------------------------- the code


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_file(dotted: str) -> Path | None:
    base = PACKAGE_ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(module: str | None, level: int, importer: str) -> str | None:
    """`from .x import y` in `glimpse.a.b` is `glimpse.a.x`; in `glimpse/a/__init__.py`, too."""
    if level == 0:
        return module
    path = _module_file(importer)
    package = (
        importer.split(".") if path and path.name == "__init__.py" else importer.split(".")[:-1]
    )
    base = package[: len(package) - (level - 1)]
    if not base:
        return None
    return ".".join(base + ([module] if module else []))


def _imports(tree: ast.Module, importer: str = "") -> dict[str, str]:
    """Local name → the dotted name it was imported as, for imports from `glimpse`."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, importer)
            if module and (module == "glimpse" or module.startswith("glimpse.")):
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("glimpse"):
                    names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
    return names


@cache
def _lookup(dotted: str) -> tuple[str, str]:
    """`(where, kind)` for `glimpse.x.y.f`: `kind` is "function" (defined at `where`, after
    following re-exports such as `from .z import f`), "other" (a class, a constant, a module)
    or "unknown" (not found: a star import, a dynamic attribute, or a name that is gone)."""
    module, _, name = dotted.rpartition(".")
    path = _module_file(module) if module else None
    if path is None:
        # A module called, or a method of a name in a module (`Schema.model_validate`).
        owner = module.rpartition(".")[0]
        known = _module_file(dotted) or (owner and _module_file(owner))
        return dotted, "other" if known else "unknown"
    tree = _tree(path)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return dotted, "function"
        if isinstance(node, ast.ClassDef) and node.name == name:
            return dotted, "other"
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return dotted, "other"
    imported = _imports(tree, module).get(name)
    if imported is not None and imported != dotted:
        return _lookup(imported)
    return dotted, "unknown"


def resolve_function(dotted: str) -> str | None:
    """The dotted name of the function `dotted` is, where it is defined; None when it is a
    class, a constant or a module. A name that cannot be found is returned as it is, and
    shown in the map marked "not found" (`defines` tells which)."""
    where, kind = _lookup(dotted)
    return None if kind == "other" else where


def defines(dotted: str) -> bool:
    """Whether `dotted` is a function defined at that name in the layer."""
    return _lookup(dotted) == (dotted, "function")


@dataclass
class _AppFile:
    """A function's `app.py`: its imports, its module-level functions and assignments."""

    path: Path
    imports: dict[str, str] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    assigned: dict[str, ast.expr] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> _AppFile:
        tree = _tree(path)
        app = cls(path, imports=_imports(tree))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                app.functions[node.name] = node
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    app.assigned[target.id] = node.value
        return app

    def route_handlers(self) -> dict[tuple[str, str], str]:
        """`(METHOD, path)` → the name of the function decorated `@<app>.<method>("<path>")`."""
        found: dict[tuple[str, str], str] = {}
        for name, node in self.functions.items():
            for decorator in node.decorator_list:
                if not (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr.upper() in METHODS
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                    and isinstance(decorator.args[0].value, str)
                ):
                    continue
                path = re.sub(r"<(\w+)>", r"{\1}", decorator.args[0].value)
                found[(decorator.func.attr.upper(), path)] = name
        return found

    def entry(self, attribute: str) -> list[str]:
        """The app.py functions a handler attribute runs: `lambda_handler = plumbing.x(handle)`
        is `handle`; a function is itself."""
        if attribute in self.functions:
            return [attribute]
        value = self.assigned.get(attribute)
        if value is None:
            return []
        return [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in self.functions]

    def service_calls(self, nodes: Iterable[ast.AST], seen: set[str] | None = None) -> list[str]:
        """The `glimpse` functions called from `nodes`, in the order they run, through this file's
        own functions and the module-level names bound to calls of them."""
        seen = set() if seen is None else seen
        calls = sorted(
            (n for node in nodes for n in ast.walk(node) if isinstance(n, ast.Call)),
            key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0),  # evaluation order
        )
        out: list[str] = []
        for call in calls:
            out.extend(self._called(call.func, seen))
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(argument, ast.Name) and argument.id in self.functions:
                    out.extend(self._local(argument.id, seen))  # a callback: run by the callee
        return list(dict.fromkeys(out))

    def _called(self, func: ast.expr, seen: set[str]) -> list[str]:
        dotted: str | None = None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base = self.imports.get(func.value.id)
            dotted = f"{base}.{func.attr}" if base else None
        elif isinstance(func, ast.Name):
            if func.id in self.functions or func.id in self.assigned:
                return self._local(func.id, seen)
            dotted = self.imports.get(func.id)
        if dotted is None or dotted.startswith(PLUMBING):
            return []
        resolved = resolve_function(dotted)
        if resolved is None or resolved.startswith(PLUMBING):
            return []
        return [resolved]

    def _local(self, name: str, seen: set[str]) -> list[str]:
        if name in seen:
            return []
        seen.add(name)
        if name in self.functions:
            return self.service_calls(self.functions[name].body, seen)
        value = self.assigned[name]  # e.g. `create_once = created_once("x", _create)`
        return self.service_calls([value], seen)

    def branch_calls(self, entry: list[str], keys: Iterable[str]) -> dict[str, list[str]]:
        """Per route key, the calls of the `if <x> == "<key>"` branch of the entry functions
        (an `else` after such a chain takes the keys no branch names); every key gets all the
        calls when no branch names one."""
        keys = list(keys)
        bodies: dict[str, list[ast.stmt]] = {}
        for name in entry:
            for node in ast.walk(self.functions[name]):
                if isinstance(node, ast.If):
                    self._chain(node, keys, bodies)
        everything = self.service_calls([self.functions[name] for name in entry])
        if not bodies:
            return dict.fromkeys(keys, everything)
        rest = bodies.pop("", [])
        return {key: self.service_calls(bodies.get(key, rest), set(entry)) for key in keys}

    @staticmethod
    def _chain(node: ast.If, keys: list[str], bodies: dict[str, list[ast.stmt]]) -> None:
        current: ast.If | None = node
        matched = False
        while current is not None:
            named = {
                c.value
                for c in ast.walk(current.test)
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in keys
            }
            if not named:
                break
            matched = True
            for key in named:
                bodies.setdefault(key, current.body)
            orelse = current.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                current = orelse[0]
            else:
                if matched and orelse:
                    bodies.setdefault("", orelse)
                current = None


# ---------------------------------------------------------------------------- the docs


def _normalised(path: str) -> str:
    """`/users/{u}/posts?x=1` → `/users/{}/posts`: access-patterns.md abbreviates parameters."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


@dataclass(frozen=True)
class Documented:
    """Where access-patterns.md documents a route: the table, the heading, the indexes."""

    table: str  # a table's logical id, or the section's title when it names none
    anchor: str
    indexes: tuple[str, ...]


def documented(index_names: set[str]) -> dict[str, list[Documented]]:
    """Route key (`GET /users/{}/posts`, `$connect`) → the access-patterns.md rows naming it."""
    found: dict[str, list[Documented]] = {}
    table, anchor = "", ""
    lines = ACCESS_PATTERNS.read_text(encoding="utf-8").splitlines()
    heading_at = {text: (level, slug) for level, text, slug in headings(lines)}
    for line in lines:
        match = re.match(r"^(#{2,3}) (.+?)\s*$", line)
        if match and match[2] in heading_at:
            anchor = heading_at[match[2]][1]
            named = re.search(r"\(`(\w+)`\)", match[2])
            if named:
                table = named[1]
            elif len(match[1]) == 2:
                table = re.split(r" \(|:", match[2])[0]
            continue
        if not line.startswith("| `"):
            continue
        cells = re.split(r"(?<!\\)\|", line)
        indexes = tuple(
            sorted(name for name in index_names if re.search(rf"\b{name}\b", "|".join(cells[2:])))
        )
        method = None
        for span in re.findall(r"`([^`]*)`", cells[1]):
            route = _ROUTE_SPAN.match(span)
            if route:
                method, key = route["method"], f"{route['method']} {_normalised(route['path'])}"
            elif span.startswith("/") and method:
                key = f"{method} {_normalised(span)}"
            elif re.fullmatch(r"\$\w+", span):
                key = span
            else:
                continue
            entry = Documented(table, anchor, indexes)
            if entry not in found.setdefault(key, []):
                found[key].append(entry)
    return found


def _api_anchors() -> dict[str, str]:
    """`GET /users/{username}` → its heading's anchor in docs/api.md."""
    lines = API_DOC.read_text(encoding="utf-8").splitlines()
    out: dict[str, str] = {}
    for _level, text, slug in headings(lines):
        match = re.fullmatch(r"`([A-Z]+ /\S*)`", text)
        if match:
            out[match[1]] = slug
    return out


# ---------------------------------------------------------------------------- the template


@dataclass(frozen=True)
class Row:
    route: str  # `GET /feed` or `$connect`
    function: str
    code: str  # functions/<name>/app.py, relative to the repository
    handler: str
    calls: tuple[str, ...]
    tables: str


def _tables(template: Template) -> dict[str, set[str]]:
    """Table logical id → its index names."""
    tables: dict[str, set[str]] = {}
    for logical_id, spec in template.of_type("AWS::DynamoDB::Table").items():
        props = spec.get("Properties") or {}
        tables[logical_id] = {
            str(index["IndexName"])
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for index in props.get(kind) or []
        }
    return tables


def _function_tables(template: Template, logical_id: str, tables: dict[str, set[str]]) -> str:
    policies = template.function_properties(logical_id).get("Policies") or []
    named = sorted(references(policies) & set(tables))
    indexes = sorted(set(re.findall(r"/index/(\w+)", str(policies))))
    text = ", ".join(f"`{name}`" for name in named) or "none"
    if indexes:
        text += " · " + ", ".join(f"`{name}`" for name in indexes)
    return f"*not in access-patterns.md; the function's tables:* {text}"


def _documented_tables(entries: list[Documented]) -> str:
    parts = []
    for entry in entries:
        label = f"`{entry.table}`" if re.fullmatch(r"\w+Table", entry.table) else entry.table
        text = _link(label, f"access-patterns.md#{entry.anchor}")
        if entry.indexes:
            text += " · " + ", ".join(f"`{name}`" for name in entry.indexes)
        parts.append(text)
    return "; ".join(dict.fromkeys(parts))


def _code(template: Template, logical_id: str) -> tuple[Path, str]:
    module, attribute = template.handler(logical_id)
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise RouteMapError(f"{logical_id}: no handler file {path.relative_to(ROOT)}")
    return path, attribute


def rows(template: Template) -> tuple[list[Row], list[Row]]:
    """The HTTP routes' rows (by path, then method) and the WebSocket routes' rows."""
    tables = _tables(template)
    docs = documented(set().union(*tables.values()) if tables else set())
    http = [
        _http_row(template, method, path, route.function, docs, tables)
        for (method, path), route in template.api_routes().items()
    ]
    http.sort(key=lambda row: (row.route.split(" ", 1)[1], METHODS.index(row.route.split()[0])))
    websocket: list[Row] = []
    for api in template.websocket_apis().values():
        by_function: dict[str, list[str]] = {}
        for key, ws_route in api.routes.items():
            if ws_route.function:
                by_function.setdefault(ws_route.function, []).append(key)
        for function, keys in by_function.items():
            websocket += _websocket_rows(template, api.routes, function, keys, docs, tables)
    websocket.sort(key=lambda row: row.route)
    return http, websocket


def _table_cell(
    template: Template, function: str, entries: list[Documented] | None, tables: dict[str, set[str]]
) -> str:
    """The documented tables of a route, else the function's tables from its policies."""
    if entries:
        return _documented_tables(entries)
    return _function_tables(template, function, tables)


def _http_row(
    template: Template,
    method: str,
    path: str,
    function: str,
    docs: dict[str, list[Documented]],
    tables: dict[str, set[str]],
) -> Row:
    file, _ = _code(template, function)
    app = _AppFile.read(file)
    handler = app.route_handlers().get((method, path))
    if handler is None:
        raise RouteMapError(
            f"{method} {path}: no function in {file.relative_to(ROOT)} is decorated "
            f'@app.{method.lower()}("{path}") (with <name> for {{name}})'
        )
    return Row(
        route=f"{method} {path}",
        function=function,
        code=str(file.relative_to(ROOT)),
        handler=handler,
        calls=tuple(app.service_calls([app.functions[handler]], {handler})),
        tables=_table_cell(template, function, docs.get(f"{method} {_normalised(path)}"), tables),
    )


def _websocket_rows(
    template: Template,
    routes: dict[str, WebSocketRoute],
    function: str,
    keys: list[str],
    docs: dict[str, list[Documented]],
    tables: dict[str, set[str]],
) -> list[Row]:
    """The rows of the WebSocket routes `keys`, all served by `function`."""
    file, attribute = _code(template, function)
    app = _AppFile.read(file)
    entry = app.entry(attribute)
    if not entry:
        raise RouteMapError(f"{function}: cannot find what {attribute} runs in {file}")
    calls = app.branch_calls(entry, keys)
    found = []
    for key in keys:
        authorizer = routes[key].authorizer
        found.append(
            Row(
                route=key,
                function=function
                + (f" (authorizer: `{authorizer.function}`)" if authorizer else ""),
                code=str(file.relative_to(ROOT)),
                handler=" → ".join(entry) if len(entry) > 1 else entry[0],
                calls=tuple(calls[key]),
                tables=_table_cell(template, function, docs.get(key), tables),
            )
        )
    return found


# ---------------------------------------------------------------------------- the page

HEADER = """\
# Route map

<!-- Generated by `python -m infra.routes --write` (`make routes`; `make openapi` runs it too).
Do not edit: `make lint` (`python -m infra.routes --check`) and tests/unit/test_route_map.py
fail when this file differs from what the sources give. -->

Every route the API serves, where its code is and what it touches: a place to start reading.
Each column comes from a source, not from a hand-written list (`infra/routes.py` says how):

- **route** and **function**: `template.yaml` (the REST API's `Api` events, the WebSocket API's
  routes). The route links to its section of [the API reference](api.md), the function to its
  `app.py`.
- **handler**: the function in that `app.py` decorated `@app.<method>("<path>")` (for the
  WebSocket API: the branch of its Lambda handler that tests the route key).
- **service calls**: the `glimpse` functions the handler calls, directly or through the file's
  own helpers, resolved through the file's imports to the module that defines them, under
  `layers/common/python/` (the API plumbing, `glimpse.api`, `glimpse.plumbing`,
  `glimpse.idempotency` and `glimpse.config`, is left out).
- **table · indexes**: the section of [the access patterns](access-patterns.md) whose rows
  name the route (every call it makes, on any table, is in that row), with the indexes the row
  names. A route with no row there shows its function's tables and indexes from the policies
  in `template.yaml`, marked *not in access-patterns.md*.

Where a new route, consumer or table goes: [where-things-go.md](where-things-go.md).
"""


def _row_text(row: Row, anchors: dict[str, str]) -> str:
    route = f"`{row.route}`"
    if row.route in anchors:
        route = _link(route, f"api.md#{anchors[row.route]}")
    name, _, rest = row.function.partition(" ")
    function = _link(f"`{name}`", f"../{row.code}") + (f" {rest}" if rest else "")
    calls = (
        "<br>".join(f"`{call}`" + ("" if defines(call) else " (not found)") for call in row.calls)
        or "none"
    )
    return f"| {route} | {function} | `{row.handler}` | {calls} | {row.tables} |"


def render(template: Template) -> str:
    http, websocket = rows(template)
    anchors = _api_anchors()
    lines = [HEADER]
    lines.append(f"## HTTP API ({len(http)} routes)\n")
    lines.append("| route | function | handler | service calls | table · indexes |")
    lines.append("| --- | --- | --- | --- | --- |")
    lines.extend(_row_text(row, anchors) for row in http)
    lines.append("")
    lines.append(f"## WebSocket API ({len(websocket)} routes)\n")
    lines.append("| route key | function | handler | service calls | table · indexes |")
    lines.append("| --- | --- | --- | --- | --- |")
    lines.extend(_row_text(row, anchors) for row in websocket)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    write = parse_mode("python -m infra.routes", __doc__, argv)
    try:
        text = render(Template.load(ROOT / "template.yaml"))
    except RouteMapError as error:
        print(f"cannot build the route map: {error}", file=sys.stderr)
        return 1
    return write_or_check(DOCUMENT, text, write, remedy="make routes")


if __name__ == "__main__":
    sys.exit(main())
