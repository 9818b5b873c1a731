"""Every benchmark runs in `make test`, in its smoke mode (benchmarks/smoke.py: tiny inputs, one
round), so a benchmark that breaks fails the build. The benchmarks are found by listing the
folder: a new one is covered without a change here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 280  # one smoke run's ceiling: 1-20 s on a free 2-core machine, far more on a busy one
# The environment a shell gives `make bench`: not the test session's (the integration suite's
# fixtures put the template's function settings in it).
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def test_the_folder_lists_every_benchmark_and_no_helper() -> None:
    found = smoke.benchmarks()
    assert {"benchmarks.hot_items", "benchmarks.fanout", "benchmarks.thumbnails"} <= set(found)
    assert "benchmarks.moto_stack" not in found  # a helper: no main
    assert "benchmarks.smoke" not in found


def test_smoke_mode_sets_the_tiny_options_over_the_command_line() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    assert smoke.parse(parser, {"rounds": 1}, ["--rounds", "9"]).rounds == 9
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = smoke.parse(parser, {"rounds": 1}, ["--rounds", "9", "--smoke"])
    assert (args.rounds, args.smoke) == (1, True)
    with pytest.raises(ValueError, match="no option 'round'"):
        smoke.parse(argparse.ArgumentParser(), {"round": 1}, ["--smoke"])


@pytest.mark.parametrize("module", smoke.benchmarks())
def test_benchmark_runs_in_smoke_mode_and_prints_its_table(module: str) -> None:
    environment = {key: os.environ[key] for key in KEPT if key in os.environ}
    environment |= FAKE_AWS | {"PYTHONPATH": f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", module, "--smoke"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, f"{module} failed in {took:.0f} s:\n{done.stderr[-4000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    # Its table: a header and at least one row of figures, on stdout.
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    figures = [line for line in lines if re.search(r"\d", line)]
    assert len(lines) >= 2, f"{module} printed no table:\n{done.stdout[-2000:]}"
    assert figures, f"{module} printed no figures:\n{done.stdout[-2000:]}"
