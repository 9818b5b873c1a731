"""The end-to-end suite under load: busy processes beside it, as on a shared CI machine.

    python -m benchmarks.e2e_under_load [--runs 3] [--busy 4] [--workers 2] [-- PYTEST_ARGS]

Starts `--busy` processes that keep a core busy each (`stress-ng --cpu` or `stress --cpu` when
installed, else pure-Python spin loops), runs `python -m pytest -n <workers> --dist loadfile
tests/e2e` `--runs` times in a row beside them, stops the load and prints each run's result
and duration. Exits non-zero if any run failed. Each run's output is kept in a temporary
directory, whose path is printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[1]


def _spin() -> None:  # pragma: no cover - runs in a child process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        sum(i * i for i in range(10_000))


@contextmanager
def busy(count: int) -> Iterator[str]:
    """`count` busy processes for the duration; yields what makes the load."""
    if count <= 0:
        yield "no load"
        return
    tool = shutil.which("stress-ng") or shutil.which("stress")
    if tool:
        process = subprocess.Popen(
            [tool, "--cpu", str(count)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield f"{Path(tool).name} --cpu {count}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
        return
    context = multiprocessing.get_context("spawn")
    spinners = [context.Process(target=_spin, daemon=True) for _ in range(count)]
    for spinner in spinners:
        spinner.start()
    try:
        yield f"{count} Python spin loops"
    finally:
        for spinner in spinners:
            spinner.terminate()
        for spinner in spinners:
            spinner.join()


def run_suite(workers: int, extra: list[str], log: Path) -> tuple[int, float, str]:
    """One run of the e2e suite: exit status, seconds, pytest's last line."""
    command = [sys.executable, "-m", "pytest", "-n", str(workers), "--dist", "loadfile"]
    command += ["tests/e2e", "-q", "-p", "no:cacheprovider", *extra]
    started = time.monotonic()
    with log.open("w") as out:
        status = subprocess.call(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    took = time.monotonic() - started
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    return status, took, lines[-1] if lines else "(no output)"


def load_average() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of the suite (default 3)")
    parser.add_argument("--busy", type=int, default=4, help="busy processes (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    tiny = {"runs": 1, "busy": 0, "workers": 1}
    args = smoke.parse(
        parser, {**tiny, "pytest_args": ["-k", "test_health_openapi_and_docs_are_open"]}
    )

    logs = Path(tempfile.mkdtemp(prefix="e2e-under-load-"))
    results = []
    with busy(args.busy) as load:
        print(f"load: {load} on {os.cpu_count()} cores; logs in {logs}", flush=True)
        for number in range(1, args.runs + 1):
            status, took, last = run_suite(
                args.workers, args.pytest_args, logs / f"run-{number}.log"
            )
            verdict = "passed" if status == 0 else f"FAILED (exit {status})"
            print(
                f"run {number}/{args.runs}: {verdict} in {took / 60:.1f} min "
                f"(load average {load_average()}): {last}",
                flush=True,
            )
            results.append(status)
    failed = sum(1 for status in results if status)
    print(f"{len(results) - failed} of {len(results)} runs passed under {load}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
