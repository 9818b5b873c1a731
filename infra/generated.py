"""The `--check` / `--write` command of a generated, checked-in file (the OpenAPI and AsyncAPI
documents, web/api.js, the route map): `--write` writes it, `--check` fails when the committed
file is not what the sources give now."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_mode(prog: str, description: str | None, argv: list[str] | None) -> bool:
    """True for `--write`, False for `--check` (one of them is required)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    return bool(parser.parse_args(argv).write)


def write_or_check(
    target: Path, text: str, write: bool, fresh_note: str = "", remedy: str = "make openapi"
) -> int:
    """Write `text` to `target`, or compare them; the exit status. `remedy`: the command a
    stale file's message names."""
    name = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    if write:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {name}")
        return 0
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        print(f"{name} is stale: run `{remedy}`", file=sys.stderr)
        return 1
    print(f"{name} is up to date{fresh_note}")
    return 0
