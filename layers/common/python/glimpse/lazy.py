"""Powertools packages whose `__init__` loads what no Glimpse function uses, registered so that
it runs only in part, on demand.

`aws_lambda_powertools/event_handler/__init__.py` imports every resolver (AppSync's pulls in
asyncio; Bedrock's, VPC Lattice's, the HTTP resolver's, ...) and
`utilities/data_classes/__init__.py` every event class, whatever submodule a function asks
for: a fifth of an API function's cold start, for nothing. `install()` registers each such
package as a module object whose submodules import as usual and whose names (`from
aws_lambda_powertools.event_handler import Response`) are imported from the submodule the
`__init__` takes them from, the first time one is asked for (PEP 562's module `__getattr__`).

`glimpse/__init__.py` calls it, and the functions import `glimpse` before any third-party
package (`functions/ruff.toml` orders the sections so), so it runs before anything loads
these packages; a package already loaded is left as it is. tests/unit/test_cold_imports.py
holds that no function loads the AppSync resolvers.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from typing import Any

PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)


def install() -> None:
    for name in PACKAGES:
        if name not in sys.modules:
            _register(name)


def _register(name: str) -> None:
    spec = importlib.util.find_spec(name)  # imports the parents (Powertools: Logger, Tracer)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    source = spec.loader.get_source(name)  # type: ignore[attr-defined]
    origins = exported(source or "", name)
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str) -> Any:  # noqa: N807 - a module's own attribute hook
        origin = origins.get(attr)
        if origin is None:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(origin), attr)
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__all__ = sorted(origins)  # type: ignore[attr-defined]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def exported(source: str, package: str) -> dict[str, str]:
    """Each name a package's `__init__` imports (`from X import name`, `from .x import name`),
    with the module it comes from."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            origin = f"{base}.{node.module}" if node.module else base
        else:
            origin = str(node.module)
        for alias in node.names:
            found[alias.asname or alias.name] = origin
    return found
