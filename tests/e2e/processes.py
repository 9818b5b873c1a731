"""The local cloud as a real process (`python -m infra.local`), for tests that restart it or
start it with other parameters than the session's in-process cloud."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.local.cloud import ROOT
from tests.e2e import cloud_output
from tests.e2e.waiting import DEADLINE, until


def _ephemeral_low() -> int:
    """The first port the kernel hands out to outgoing connections (Linux: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int = 7) -> int:
    """A port p with p .. p+count-1 free (the API, WebSocket, S3, AWS, management, search and
    web client ports), below the ephemeral range: an outgoing connection of another test (they take
    random ephemeral ports) cannot take one of them between a stop and the next start."""
    rng = random.Random()
    low = _ephemeral_low()
    for _ in range(200):
        base = rng.randrange(10_000, low - count)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} free ports in a row")


@contextmanager
def local_cloud(port: int, state: Path, log: Path, *extra: str) -> Iterator[str]:
    """`python -m infra.local` in its own process; stopped with SIGINT, as Ctrl-C does. Its
    log joins the test's captured local cloud output (shown if the test fails)."""
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--state-dir", str(state)]
    with log.open("w") as out:
        process = subprocess.Popen(
            # Budgets a thousand times the deployed ones (bulk writes); `extra` may say otherwise.
            [*command, "--retry-delay", "0.2", "--parameter", "RateLimitScale=1000", *extra],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def started() -> bool:
        text = log.read_text()
        assert process.poll() is None, f"the local cloud exited:\n{text[-3000:]}"
        return "local cloud is up" in text

    try:
        until(started, what=f"the local cloud on port {port} says it is up")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=DEADLINE) == 0, log.read_text()[-3000:]
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            cloud_output.add_process_log(f"{log.name} (port {port})", log.read_text())
