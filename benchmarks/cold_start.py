"""Cold start of each function, as Lambda starts it, against a bare `import boto3`.

Every sample is a fresh interpreter in a layer-like environment:

- `sys.path` is the function's folder (`/var/task`), its own requirements (if any), the layer's
  requirements installed with `pip install --target` (`.bench/layer/`, built once per
  requirements.txt) and the `glimpse` package: no virtualenv, no development packages;
- the environment is the template's for that function (Globals merged, resources provisioned
  by the local cloud), with `LAMBDA_TASK_ROOT`, a function name and an X-Ray trace header,
  and tracing on, as the template asks (`Tracing: Active`).

Per sample: the handler module's import (the init phase), the modules it loads, then the
first invocation (the request that follows a cold start) and a second one (warm), each with
the function's sample event from `events/` against the local cloud's AWS endpoint (moto).
Rounds interleave the functions, and each function's sample follows a baseline sample of its
own (`import boto3` in a fresh interpreter): the speed of a shared machine drifts (seen here:
the same import at 170 ms, then 250 ms a minute later), and the ratio of two neighbouring
samples cancels it. The ratio reported is the median of those pairs; times are medians. The
budget is import ≤ 2.3 times `import boto3` for a function that validates with pydantic at
import (API routes with parameters or bodies, and the functions that read domain events: the
floor of the chosen stack, docs/design.md), the thumbnailer and transcoder ≤ 2.0 times, and
every other function ≤ 1.6 times.

With `--compare REF` (a commit), the functions of that commit (its template, layer
requirements and code, checked out with `git worktree`) run in the same rounds, and a second
table sets each function's import and first invocation before and after side by side: an
import made faster by moving work into the first request shows there.

With `--without-bytecode`, every path holds sources only (copies without `__pycache__`), as
SAM's python builder would ship them: Lambda's file system is read-only, so each cold start
then compiles every module it imports. template.yaml builds the layer and the functions with
packages of their own with infra/lambda/Makefile instead, which ships the bytecode.

    python -m benchmarks.cold_start [--rounds 7] [--only FeedFunction,PostsFunction]
                                    [--compare 47eb681] [--without-bytecode]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import smoke
from infra.local.cloud import LocalCloud, aws_environment
from infra.local.runtime import function_specs
from infra.local.template import Template

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"
BUDGET = 1.6
# Budgets a thousand times the deployed ones: a benchmark writes in bulk.
UNLIMITED = {"RateLimitScale": "1000"}
BUDGETS = {"ThumbnailerFunction": 2.0, "TranscoderFunction": 2.0}
VALIDATING_BUDGET = 2.3  # a function whose import loads pydantic (it validates with it)
# The sample event of each function's first and warm invocations (default: the first file of
# events/<folder>/). Reads where a function has them: a cold start is usually a read.
EVENTS: dict[str, str | None] = {
    "AuthFunction": "login.json",
    "DocsFunction": "health.json",
    "GraphFunction": "followers.json",
    "MediaFunction": "get_media.json",
    "MessagesFunction": "conversations.json",
    "SearchSetupFunction": None,  # its answer goes to CloudFormation's presigned URL
    "NotificationsFunction": "list.json",
    "PostsFunction": "get_post.json",
    "RealtimeFunction": "ping.json",
    "SearchFunction": "search.json",
    "StoriesFunction": "tray.json",
    "ThumbnailerFunction": "upload.json",
    "TranscoderFunction": "upload.json",
    "UsersFunction": "get_user.json",
}
MARK = "COLD-START-RESULT "
PROBE = """
import copy, importlib, json, sys, time

module, attribute, event_path = sys.argv[1:4]
before = len(sys.modules)
started = time.perf_counter()
handler = getattr(importlib.import_module(module), attribute)
imported = time.perf_counter()
result = {
    "import_ms": (imported - started) * 1000,
    "modules": len(sys.modules) - before,
    "pydantic": "pydantic" in sys.modules,
}


class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "0a2b1c3d-bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    identity = client_context = None

    def get_remaining_time_in_millis(self):
        return 10_000


if event_path != "-":
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    for key in ("first_ms", "warm_ms"):
        started = time.perf_counter()
        try:
            answer = handler(copy.deepcopy(event), Context())
        except Exception as error:  # an authorizer's "Unauthorized" is its answer
            answer = f"raised {type(error).__name__}"
        result[key] = (time.perf_counter() - started) * 1000
    result["status"] = answer
    if isinstance(answer, dict):
        result["status"] = answer.get("statusCode") or (
            f"{len(answer.get('batchItemFailures') or [])} failed"
            if "batchItemFailures" in answer else "ok"
        )
print("COLD-START-RESULT " + json.dumps(result), flush=True)
"""


def _pip_target(requirements: Path, into: Path) -> Path:
    """`pip install --target into -r requirements` once per content of `requirements`."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    target = into / digest
    if not (target / ".complete").exists():
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        (target / ".complete").touch()
    return target


@dataclass
class Target:
    name: str  # a logical id, or "import boto3"
    path: list[Path]
    module: str
    attribute: str
    environment: dict[str, str]
    event: Path | None
    budget: float | None


def _source_only(path: Path, into: Path) -> Path:
    """A copy of `path` in `into` without bytecode (made once per path)."""
    copy = into / hashlib.sha256(str(path).encode()).hexdigest()[:12]
    if not copy.exists():
        shutil.copytree(path, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


def targets(
    cloud: LocalCloud,
    only: set[str] | None,
    root: Path = ROOT,
    label: str = "",
    source_only_in: Path | None = None,
    layer: Path | None = None,
) -> list[Target]:
    """The baseline and each function of the tree at `root` (its template, its layer's
    requirements, its code), named `<logical id><label>`; with `source_only_in`, each
    function from copies there that hold sources only (the baseline keeps its bytecode). A
    `layer` given (smoke mode: this venv's packages) stands in for the layer's install."""
    layer = layer or _pip_target(root / "requirements.txt", BENCH / "layer")
    # Bytecode for the tree's own code, as pip writes it for the requirements: a sample must
    # not compile what a clean checkout has not compiled yet.
    code = [str(root / "layers/common/python"), str(root / "functions")]
    subprocess.run([sys._base_executable, "-m", "compileall", "-q", *code], check=True)
    specs = cloud.specs
    if root != ROOT:
        template = Template.load(root / "template.yaml", cloud.parameters, cloud.stack_name)
        specs = function_specs(template, cloud.provisioner.resolver)
    lambda_env = {
        **aws_environment(cloud.endpoint, cloud.s3_url),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "_X_AMZN_TRACE_ID": "Root=1-6740a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;"
        "Sampled=1",
        "PYTHONDONTWRITEBYTECODE": "1",  # a deployed package is read-only: what it ships is all
    }
    del lambda_env["POWERTOOLS_TRACE_DISABLED"]  # the template turns tracing on
    found = []
    for logical_id, spec in sorted(specs.items()):
        if only and logical_id not in only:
            continue
        folder = root / Path(*spec.module.split(".")[:-1])
        path = [folder]
        own = folder / "requirements.txt"
        if own.exists():
            path.append(_pip_target(own, BENCH / "functions"))
        events = sorted((root / "events" / folder.name).glob("*.json"))
        if logical_id in EVENTS:
            named = EVENTS[logical_id]
            chosen = root / "events" / folder.name / named if named else None
        else:
            chosen = events[0] if events else None
        paths = [
            _source_only(p, source_only_in) if source_only_in else p
            for p in (*path, layer, root / "layers/common/python")
        ]
        env = {
            **lambda_env,
            **spec.environment,
            "LAMBDA_TASK_ROOT": str(paths[0]),
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        }
        found.append(
            Target(
                logical_id + label,
                paths,
                spec.module.rsplit(".", 1)[-1],
                spec.attribute,
                env,
                chosen,
                BUDGETS.get(logical_id, BUDGET),
            )
        )
    if label:
        return found
    baseline = Target("import boto3", [layer], "boto3", "__name__", lambda_env, None, None)
    return [baseline, *found]


def sample(target: Target, workdir: Path) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        **target.environment,
        "PYTHONPATH": os.pathsep.join(str(p) for p in target.path),
    }
    event = str(target.event) if target.event else "-"
    # The interpreter the venv was made from, without site-packages of the user: only the
    # layer-like path gives packages.
    out = subprocess.run(
        [sys._base_executable, "-s", "-c", PROBE, target.module, target.attribute, event],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError(f"{target.name} did not start:\n{out.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="logical ids, comma-separated")
    parser.add_argument("--compare", default="", help="a commit to measure in the same rounds")
    parser.add_argument(
        "--without-bytecode", action="store_true", help="functions from sources only"
    )
    args = smoke.parse(parser, {"rounds": 1, "only": "FeedFunction", "compare": ""})
    only = {name for name in args.only.split(",") if name} or None

    with tempfile.TemporaryDirectory() as work, LocalCloud(port=0, parameters=UNLIMITED) as cloud:
        sources = Path(work) / "source-only" if args.without_bytecode else None
        # Smoke mode checks the script, not the figures: the venv's packages, no install.
        venv = Path(sysconfig.get_paths()["purelib"]) if args.smoke else None
        runs = targets(cloud, only, source_only_in=sources, layer=venv)
        if args.compare:
            tree = Path(work) / "compare"
            git = ["git", "-C", str(ROOT)]
            subprocess.run(
                [*git, "worktree", "add", "--detach", str(tree), args.compare], check=True
            )
            try:
                runs += targets(cloud, only, tree, f"@{args.compare}", sources)
                samples = _rounds(runs, args.rounds, Path(work))
            finally:
                subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=True)
        else:
            samples = _rounds(runs, args.rounds, Path(work))
    _report(runs, samples, args.rounds, args.compare, args.without_bytecode)


def _function(target: Target) -> str:
    """The logical id a target measures (a `--compare` target's name adds `@<commit>`)."""
    return target.name.split("@")[0]


def _cell(value: float, signed: bool = False) -> str:
    """A table cell: blank where there is no figure (a function with no sample event)."""
    if math.isnan(value):
        return " " * 11
    return f"{value:>+11.1f}" if signed else f"{value:>11.1f}"


def _rounds(runs: list[Target], rounds: int, work: Path) -> dict[str, list[dict[str, Any]]]:
    """`runs[0]` is the baseline: sampled again just before each function's sample, whose
    `ratio` is its import over that baseline's."""
    baseline = runs[0]
    current = {t.name for t in runs[1:] if "@" not in t.name}
    # A function and its `--compare` counterpart side by side (which goes first alternates by
    # round), so their changes are paired too; a function the older commit alone has is left
    # out, as the report has no row for it.
    functions = sorted((t for t in runs[1:] if _function(t) in current), key=_function)
    samples: dict[str, list[dict[str, Any]]] = {t.name: [] for t in runs}
    for target in runs:  # not timed: the OS's file cache and the DynamoDB tables' first use
        sample(target, work)
    for round_number in range(rounds):
        order = functions
        if round_number % 2:
            order = sorted(functions, key=lambda t: (_function(t), "@" not in t.name))
        for target in order:
            base = sample(baseline, work)
            samples[baseline.name].append(base)
            found = sample(target, work)
            found["ratio"] = found["import_ms"] / base["import_ms"]
            samples[target.name].append(found)
    return samples


def _budget(target: Target, last: dict[str, Any]) -> float | None:
    """The function's own budget, raised to VALIDATING_BUDGET if its import loads pydantic."""
    if target.budget is None:
        return None
    return max(target.budget, VALIDATING_BUDGET) if last.get("pydantic") else target.budget


def _report(
    runs: list[Target],
    samples: dict[str, list[dict[str, Any]]],
    rounds: int,
    compare: str,
    sources_only: bool = False,
) -> None:
    """The table; no budget verdicts for sources-only functions (the budget is for the
    packages as template.yaml builds them, and the baseline keeps its bytecode)."""

    def median(name: str, key: str) -> float:
        values = [s[key] for s in samples[name] if key in s]
        return statistics.median(values) if values else float("nan")

    version = sys.version.split()[0]
    print(
        f"cold start, layer-like environment, tracing on, Python {version}: medians of "
        f"{rounds} interleaved rounds, a fresh interpreter each; x boto3: the median ratio to "
        "a baseline sampled just before"
    )
    header = ("function", "import ms", "x boto3", "budget", "modules", "1st call", "import+1st")
    print(f"{header[0]:<26}" + "".join(f"{h:>11}" for h in header[1:]) + f"{'warm':>9}  answer")
    over = []
    for target in runs:
        if "@" in target.name:
            continue
        imported = median(target.name, "import_ms")
        ratio = 1.0 if target.budget is None else median(target.name, "ratio")
        first, warm = median(target.name, "first_ms"), median(target.name, "warm_ms")
        verdict = ""
        budget = _budget(target, samples[target.name][-1])
        if budget is not None and not sources_only:
            verdict = f"{'ok' if ratio <= budget else 'OVER'} {budget:.1f}"
            if ratio > budget:
                over.append(target.name)
        status = samples[target.name][-1].get("status", "")
        print(
            f"{target.name:<26}{imported:>11.1f}{ratio:>11.2f}{verdict:>11}"
            f"{samples[target.name][-1]['modules']:>11}{first:>11.1f}{imported + first:>11.1f}"
            f"{warm:>9.1f}  {status}"
        )
    if sources_only:
        print("sources only (no bytecode): no budget verdicts; the baseline keeps its bytecode")
    else:
        print(f"over budget: {', '.join(over)}" if over else "every function within its budget")
    if not compare:
        return
    print(
        f"\nagainst {compare}, sampled next to each function in every round (ms; the change "
        "is the median of the rounds' differences; a negative change is a saving)"
    )
    columns = (
        "modules",
        "change",
        "import",
        "change",
        "1st call",
        "change",
        "import+1st",
        "change",
    )
    print(f"{'function':<26}" + "".join(f"{c:>11}" for c in columns))
    for target in runs:
        if "@" in target.name:
            continue
        old = f"{target.name}@{compare}"
        if old not in samples:
            continue
        pairs = list(zip(samples[target.name], samples[old], strict=True))  # same round

        def change(*keys: str, pairs: list[tuple[dict[str, Any], ...]] = pairs) -> float:
            """The median over rounds of (now - then), both sampled side by side."""
            if not all(k in n and k in w for n, w in pairs for k in keys):
                return math.nan
            return statistics.median(
                sum(n[k] for k in keys) - sum(w[k] for k in keys) for n, w in pairs
            )

        now_import, now_first = median(target.name, "import_ms"), median(target.name, "first_ms")
        modules = samples[target.name][-1]["modules"]
        cells = (
            f"{_cell(now_import)}{_cell(change('import_ms'), signed=True)}"
            f"{_cell(now_first)}{_cell(change('first_ms'), signed=True)}"
            f"{_cell(now_import + now_first)}"
            f"{_cell(change('import_ms', 'first_ms'), signed=True)}"
        )
        print(f"{target.name:<26}{modules:>11}{modules - samples[old][-1]['modules']:>+11}{cells}")


if __name__ == "__main__":
    main()
