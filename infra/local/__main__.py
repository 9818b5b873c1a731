"""`python -m infra.local --port 3000 --parameter Key=Value ... [--chaos 0.2]`"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.local.cloud import LocalCloud

# The repository (as infra.local.cloud.ROOT; not imported from there: moto takes a while to
# import, and a taken port is said at once).
ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    taken = _taken_port(args)
    if taken:
        print(f"error: {taken}; choose another with make run PORT=...", file=sys.stderr)
        return 1
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
    hurry = _wait_for_stop()
    print(
        "\nStopping the local cloud: finishing the requests and deliveries in progress, then "
        "saving (Ctrl-C again: save without waiting)…",
        flush=True,
    )
    cloud.stop(hurry)
    print("Stopped; the state is saved.", flush=True)
    return 0


def _ports(args: argparse.Namespace) -> list[tuple[int, str]]:
    """Every port the local cloud will listen on, and what it is (0: any free one)."""

    def at(offset: int, chosen: int | None = None, option: str = "") -> tuple[int, str]:
        if chosen is not None:
            return chosen, option
        return (args.port + offset if args.port else 0), f"--port + {offset}"

    named = [
        ("the WebSocket API", at(1)),
        ("the S3 front", at(2, args.s3_port, "--s3-port")),
        ("the embedded AWS endpoint", at(3, args.aws_port, "--aws-port")),
        ("the WebSocket management API", at(4)),
        ("the search front", at(5)),
        ("the web client", at(6)),
    ]
    return [(args.port, "the API: --port")] + [
        (port, f"{name}: {how}") for name, (port, how) in named
    ]


def _taken_port(args: argparse.Namespace) -> str | None:
    """The first port another program listens on, said in a line; None if all are free."""
    for port, what in _ports(args):
        if not port:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            try:
                probe.bind((args.host, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return f"port {port} is in use ({what})"
                return f"port {port} cannot be used ({what}): {exc.strerror}"
    return None


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
        help="seconds between sweeps for expired DynamoDB items (0: none, as AWS's TTL may "
        "take two days)",
    )


def _cloud(args: argparse.Namespace) -> LocalCloud:
    """The local cloud the arguments describe (not started)."""
    from infra.local.cloud import LocalCloud
    from infra.local.delivery import DeliveryOptions

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
  Web:      {cloud.web_url}/   (the web client: sign up, post, stories, messages)
  API:      {cloud.url}
  Realtime: {cloud.websocket_url}/?token=$TOKEN   (WebSocket: messages and notifications)
  Docs:     {cloud.url}/docs   (OpenAPI: {cloud.url}/openapi.json)
  AWS:      {cloud.endpoint}   (moto; e.g. aws --endpoint-url {cloud.endpoint} dynamodb list-tables)
  S3:       {cloud.s3_url}   (uploads and renditions; as locked as S3 without credentials)
  Search:   {cloud.search_url}   (OpenSearch stand-in: e.g. curl {cloud.search_url}/posts/_search)
  Data:     {state}
  Pushes:   recorded, not sent: {_pushes_command(cloud, args)}

Sign up, log in and call the API:
  curl -s -X POST {cloud.url}/auth/signup -H 'content-type: application/json' \\
       -d '{{"username": "alice", "email": "alice@example.com", "password": "correct-horse-1"}}'
  TOKEN=$(curl -s -X POST {cloud.url}/auth/login -H 'content-type: application/json' \\
       -d '{{"username": "alice", "password": "correct-horse-1"}}' \\
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])')
  curl -s {cloud.url}/me -H "Authorization: Bearer $TOKEN"

Ctrl-C stops it (cleanly: what was answered is kept, and what it caused delivered)."""


def _pushes_command(cloud: LocalCloud, args: argparse.Namespace) -> str:
    """How to list the pushes of this local cloud (it finds the port in the state directory)."""
    command = ".venv/bin/python -m infra.local.pushes"
    if args.no_state:
        return f"{command} --aws-url {cloud.endpoint}"
    default = ROOT / ".local-cloud" / "state"
    if Path(args.state_dir).resolve() != default.resolve():
        return f"{command} --state-dir {args.state_dir}"
    return command


def _wait_for_stop() -> threading.Event:
    """Block until Ctrl-C or SIGTERM asks the local cloud to stop; the event a second one
    sets (stop without waiting for what is in progress: the state is saved all the same).

    A third one leaves at once, unsaved: the journal still holds every answered write, which
    the next start replays.
    """
    stop, hurry = threading.Event(), threading.Event()
    signals: list[int] = []

    def asked(*_args: object) -> None:
        signals.append(1)
        if len(signals) >= 3:
            os._exit(130)
        (hurry if stop.is_set() else stop).set()

    signal.signal(signal.SIGINT, asked)
    signal.signal(signal.SIGTERM, asked)
    while not stop.is_set():
        stop.wait(1.0)
    return hurry


if __name__ == "__main__":
    sys.exit(main())
