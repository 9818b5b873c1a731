"""No production function over 50 lines: a long function is split into steps that read as a
table of contents (tests and benchmarks are exempt).

A function counts from its first decorator (or its `def`) to its last line, the functions
nested in it included; methods are named `Class.method`.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from tests.conftest import ROOT

LIMIT = 50
SOURCES = ("functions", "layers", "infra")


@dataclass(frozen=True)
class Measured:
    path: str
    line: int  # the first decorator's, or the `def`'s
    name: str
    length: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.name} ({self.length} lines)"


def measure(source: str, path: str = "<source>") -> list[Measured]:
    """Every function of a module, at any depth but inside another function."""
    return list(_functions(ast.parse(source), path, ""))


def _functions(node: ast.AST, path: str, prefix: str) -> Iterator[Measured]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
            last = child.end_lineno or child.lineno
            yield Measured(path, first, prefix + child.name, last - first + 1)
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, path, f"{prefix}{child.name}.")
        else:  # functions under `if`, `try`, `with`...
            yield from _functions(child, path, prefix)


def production_functions() -> list[Measured]:
    return [
        measured
        for folder in SOURCES
        for file in sorted((ROOT / folder).rglob("*.py"))
        for measured in measure(file.read_text(encoding="utf-8"), file.relative_to(ROOT).as_posix())
    ]


def test_the_measure_counts_decorators_and_nested_functions() -> None:
    source = textwrap.dedent(
        """
        import functools

        @functools.cache
        @staticmethod
        def decorated(x):
            def nested():
                return x
            return nested

        class Box:
            async def method(self):
                return (
                    1
                )

        if True:
            def conditional(): ...
        """
    )
    found = {(m.name, m.line, m.length) for m in measure(source)}
    assert found == {("decorated", 4, 6), ("Box.method", 12, 4), ("conditional", 18, 1)}


def test_no_production_function_is_over_the_limit() -> None:
    over = [measured for measured in production_functions() if measured.length > LIMIT]
    assert not over, f"over {LIMIT} lines (split into steps):\n" + "\n".join(map(str, over))
