"""`python -m infra.opensearch --check | --write`: the layer's copy of the index templates."""

from __future__ import annotations

import argparse
import sys

from infra.opensearch import SHIPPED, rendered


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.opensearch")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="fail if the shipped copy is stale")
    mode.add_argument("--write", action="store_true", help="regenerate the shipped copy")
    args = parser.parse_args()
    wanted = rendered()
    relative = SHIPPED.relative_to(SHIPPED.parents[5])
    if args.write:
        SHIPPED.parent.mkdir(parents=True, exist_ok=True)
        SHIPPED.write_text(wanted)
        print(f"wrote {relative}")
        return 0
    if not SHIPPED.exists() or SHIPPED.read_text() != wanted:
        print(f"{relative} is stale: run `make search-indexes`", file=sys.stderr)
        return 1
    print(f"{relative} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
