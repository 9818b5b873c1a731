"""The contract every benchmark follows, and the smoke mode `make test` runs each one in.

A benchmark is a module of this folder with a `main()` run under `if __name__ == "__main__":`
(modules without one, like `moto_stack`, are helpers). `main()` parses its options with
:func:`parse`, which adds `--smoke`: tiny inputs and one round, so the script runs end to end
in seconds; it prints its table to stdout (progress goes to stderr) and exits 0. The smoke run
proves the script still works, not its figures. `python -m benchmarks` runs every benchmark
(`make bench`); `python -m benchmarks --smoke` runs each in smoke mode, as
tests/unit/test_benchmarks_smoke.py does. `GLIMPSE_BENCH_SMOKE=1` turns smoke mode on too.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent
ENVIRONMENT = "GLIMPSE_BENCH_SMOKE"
_RUNS_MAIN = re.compile(r"^if __name__ == \"__main__\":\n\s+main\(\)", re.MULTILINE)


def parse(
    parser: argparse.ArgumentParser, smoke: dict[str, Any], argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """`parser`'s options with `--smoke` added; in smoke mode each of `smoke`'s options (by
    destination name) takes its value there, whatever the command line said."""
    parser.add_argument(
        "--smoke", action="store_true", help="tiny inputs, one round: checks the script runs"
    )
    args = parser.parse_args(argv)
    if args.smoke or os.environ.get(ENVIRONMENT) == "1":
        args.smoke = True
        for name, value in smoke.items():
            if not hasattr(args, name):
                raise ValueError(f"no option {name!r} to set for smoke mode")
            setattr(args, name, value)
    return args


def benchmarks() -> list[str]:
    """Every benchmark's module name (`benchmarks.<name>`), found by listing this folder."""
    return sorted(
        f"benchmarks.{path.stem}"
        for path in FOLDER.glob("*.py")
        if not path.stem.startswith("_") and _RUNS_MAIN.search(path.read_text(encoding="utf-8"))
    )
