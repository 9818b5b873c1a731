"""`python -m infra.local --port 3000 --parameter Key=Value ... [--chaos 0.2]`"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from infra.local.cloud import ROOT, LocalCloud
from infra.local.delivery import DeliveryOptions


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    cloud = _cloud(args)
    try:
        cloud.start()
    except Exception as exc:
        print(f"The local cloud could not start: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print("\n".join(f"  {line}" for line in cloud.report_lines))
    print(_banner(cloud, args, elapsed), flush=True)
    _wait_for_stop()
    print("\nStopping the local cloud…", flush=True)
    cloud.stop()
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line, parsed and checked."""
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__)
    _add_endpoint_options(parser)
    _add_state_options(parser)
    _add_template_options(parser)
    _add_delivery_options(parser)
    args = parser.parse_args(argv)
    if not 0 <= args.chaos <= 1:
        parser.error("--chaos takes a share between 0 and 1")
    if not 0 <= args.chaos_conflicts <= 1:
        parser.error("--chaos-conflicts takes a share between 0 and 1")
    return args


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    """Where it listens."""
    parser.add_argument("--port", type=int, default=3000, help="the API's port")
    parser.add_argument(
        "--aws-port", type=int, default=None, help="the embedded AWS endpoint's (default: port+3)"
    )
    parser.add_argument(
        "--s3-port", type=int, default=None, help="the S3 front's (default: port+2)"
    )
    parser.add_argument("--host", default="127.0.0.1")


def _add_state_options(parser: argparse.ArgumentParser) -> None:
    """Where the data is kept, if anywhere."""
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=ROOT / ".local-cloud" / "state",
        help="where the data is kept across restarts (default: .local-cloud/state)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="start empty (the saved state is kept as .previous)"
    )
    parser.add_argument(
        "--no-state", action="store_true", help="keep nothing: the data goes when it stops"
    )


def _add_template_options(parser: argparse.ArgumentParser) -> None:
    """What it deploys: the SAM template and its parameters."""
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument(
        "--parameter",
        type=_parameter,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a template parameter (repeatable)",
    )


def _parameter(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected Key=Value, got {text!r}")
    key, value = text.split("=", 1)
    return key, value


def _add_delivery_options(parser: argparse.ArgumentParser) -> None:
    """How messages, transactions and expiries behave: retries, sweeps and chaos."""
    parser.add_argument(
        "--chaos",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="re-deliver this share (0-1) of handled messages and shuffle batches",
    )
    parser.add_argument(
        "--chaos-conflicts",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="cancel this share (0-1) of DynamoDB transactions with TransactionConflict",
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=1.0,
        help="seconds before a failed message is retried (AWS: visibility timeout)",
    )
    parser.add_argument(
        "--ttl-interval",
        type=float,
        default=5.0,
        help="seconds between sweeps for expired DynamoDB items",
    )


def _cloud(args: argparse.Namespace) -> LocalCloud:
    """The local cloud the arguments describe (not started)."""
    return LocalCloud(
        template_path=args.template,
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        s3_port=args.s3_port,
        state_dir=None if args.no_state else args.state_dir,
        fresh=args.fresh,
        parameters=dict(args.parameter),
        options=DeliveryOptions(
            retry_delay=args.retry_delay,
            ttl_interval=args.ttl_interval,
            chaos=args.chaos,
            chaos_conflicts=args.chaos_conflicts,
        ),
    )


def _banner(cloud: LocalCloud, args: argparse.Namespace, elapsed: float) -> str:
    """What is up, where, and how to start calling it."""
    chaos = "".join(
        f" ({name} {share})"
        for name, share in (("chaos", args.chaos), ("chaos-conflicts", args.chaos_conflicts))
        if share
    )
    state = (
        "kept nowhere (--no-state): it goes when the local cloud stops"
        if args.no_state
        else f"kept in {args.state_dir} across restarts (make run ARGS=--fresh starts empty)"
    )
    return f"""
Glimpse local cloud is up in {elapsed:.1f}s{chaos}
  API:      {cloud.url}
  Realtime: {cloud.websocket_url}/?token=$TOKEN   (WebSocket: messages and notifications)
  Docs:     {cloud.url}/docs   (OpenAPI: {cloud.url}/openapi.json)
  AWS:      {cloud.endpoint}   (moto; e.g. aws --endpoint-url {cloud.endpoint} dynamodb list-tables)
  S3:       {cloud.s3_url}   (uploads and renditions; as locked as S3 without credentials)
  Search:   {cloud.search_url}   (OpenSearch stand-in: e.g. curl {cloud.search_url}/posts/_search)
  Data:     {state}
  Pushes:   recorded, not sent: .venv/bin/python -m infra.local.pushes --aws-url {cloud.endpoint}

Sign up, log in and call the API:
  curl -s -X POST {cloud.url}/auth/signup -H 'content-type: application/json' \\
       -d '{{"username": "alice", "email": "alice@example.com", "password": "correct-horse-1"}}'
  TOKEN=$(curl -s -X POST {cloud.url}/auth/login -H 'content-type: application/json' \\
       -d '{{"username": "alice", "password": "correct-horse-1"}}' \\
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])')
  curl -s {cloud.url}/me -H "Authorization: Bearer $TOKEN"

Ctrl-C stops it."""


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM asks the local cloud to stop.

    Ctrl-C (and a second, impatient one) and SIGTERM only ask to stop: the state is saved
    on the way out, and an interrupt in the middle of that must not lose it. A third
    Ctrl-C leaves at once.
    """
    stop = threading.Event()
    interrupts: list[int] = []

    def interrupted(*_args: object) -> None:
        interrupts.append(1)
        if len(interrupts) >= 3:  # a third Ctrl-C: stop now, unsaved (the last save is kept)
            os._exit(130)
        stop.set()

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(0.5)


if __name__ == "__main__":
    sys.exit(main())
