"""Cold import of each function's handler module, in a fresh interpreter per sample.

Prints, per function, the median import time and the number of modules the import loads,
next to a bare `import boto3` measured the same way in the same run.

    python -m benchmarks.cold_start [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from infra.local.template import Template

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys, time
before = set(sys.modules)
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
print(json.dumps({{"ms": elapsed * 1000, "modules": len(set(sys.modules) - before)}}))
"""


def sample(module: str) -> dict[str, float]:
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "0",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(module: str, runs: int) -> tuple[float, int]:
    sample(module)  # warm the bytecode cache, as a deployed package has it
    samples = [sample(module) for _ in range(runs)]
    return statistics.median(s["ms"] for s in samples), int(samples[-1]["modules"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    template = Template.load(ROOT / "template.yaml")
    baseline_ms, baseline_modules = measure("boto3", args.runs)
    version = sys.version.split()[0]
    print(f"cold import, median of {args.runs} fresh interpreters (Python {version})")
    print(f"{'function':<22}{'module':<26}{'median ms':>10}{'modules':>9}{'x boto3':>9}")
    print(f"{'(baseline)':<22}{'boto3':<26}{baseline_ms:>10.1f}{baseline_modules:>9}{1.0:>9.2f}")
    for logical_id in sorted(template.of_type("AWS::Serverless::Function")):
        module, _ = template.handler(logical_id)
        ms, modules = measure(module, args.runs)
        print(f"{logical_id:<22}{module:<26}{ms:>10.1f}{modules:>9}{ms / baseline_ms:>9.2f}")


if __name__ == "__main__":
    main()
