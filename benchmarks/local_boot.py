"""Time from `python -m infra.local` to a healthy API, and a clean stop on Ctrl-C.

python -m benchmarks.local_boot [--runs 3]
"""

from __future__ import annotations

import argparse
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def boot_once(timeout: float = 30.0) -> tuple[float, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = smoke.parse(parser, {"runs": 1})
    runs = [boot_once() for _ in range(args.runs)]
    boot = statistics.median(r[0] for r in runs)
    stop = statistics.median(r[1] for r in runs)
    print(f"local cloud, median of {args.runs} starts")
    print("| healthy after s | budget s | share of the budget | Ctrl-C stops it in s |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {boot:.2f} | 5 | {boot / 5:.0%} | {stop:.2f} |")


if __name__ == "__main__":
    main()
