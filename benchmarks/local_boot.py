"""Time from `python -m infra.local` to a healthy API, and a clean stop on Ctrl-C.

python -m benchmarks.local_boot [--runs 3]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import smoke
from benchmarks.local_cloud import free_port_block

ROOT = Path(__file__).resolve().parents[1]


def boot_once(state: Path, timeout: float = 180.0) -> tuple[float, float]:
    """A start on an empty state folder of its own (another local cloud may hold the default
    one) and its seven ports; a busy machine is slower, so the deadline is generous."""
    port = free_port_block()
    state.mkdir(parents=True)
    log = (state / "cloud.log").open("w")  # a file: a pipe nobody reads would block it
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", str(port), "--state-dir", str(state)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            if process.poll() is not None:
                tail = (state / "cloud.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the local cloud exited with {process.returncode}:\n{tail}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError("the local cloud did not become healthy")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter() - started
        stopping = time.perf_counter()
        process.send_signal(signal.SIGINT)
        if process.wait(timeout=10) != 0:
            raise RuntimeError(f"Ctrl-C exit status {process.returncode}")
        return healthy, time.perf_counter() - stopping
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = smoke.parse(parser, {"runs": 1})
    with tempfile.TemporaryDirectory() as work:
        runs = [boot_once(Path(work, str(n))) for n in range(args.runs)]
    boot = statistics.median(r[0] for r in runs)
    stop = statistics.median(r[1] for r in runs)
    print(f"local cloud, median of {args.runs} starts")
    print("| healthy after s | budget s | share of the budget | Ctrl-C stops it in s |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {boot:.2f} | 5 | {boot / 5:.0%} | {stop:.2f} |")


if __name__ == "__main__":
    main()
