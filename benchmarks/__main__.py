"""Run every benchmark, each in its own process, one after the other: `make bench`.

    python -m benchmarks [--smoke] [NAME ...]

NAME is a module of this folder (`fanout`, `hot_items`, ...); none means all of them. Each
prints its table as it finishes; the exit status is 1 when any of them failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.smoke import benchmarks

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="each in smoke mode")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    modules = benchmarks()
    if args.names:
        unknown = [name for name in args.names if f"benchmarks.{name}" not in modules]
        if unknown:
            parser.error(f"no benchmark {', '.join(unknown)}; there are {', '.join(modules)}")
        modules = [f"benchmarks.{name}" for name in args.names]
    failed = []
    for module in modules:
        print(f"\n## {module}\n", flush=True)
        started = time.monotonic()
        command = [sys.executable, "-m", module, *(["--smoke"] if args.smoke else [])]
        status = subprocess.call(command, cwd=ROOT)
        took = time.monotonic() - started
        print(f"\n({module}: exit {status} in {took:.0f} s)", flush=True)
        if status:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
