"""What the local cloud pushed to devices: the embedded SNS keeps every message published to
a platform endpoint, and moto's own API (`/moto-api/data.json` on the AWS port) shows them.

    python -m infra.local.pushes [--aws-url URL | --port PORT | --state-dir DIR]

prints one line per push (token, text); tests call `recorded`. Without options it asks the
local cloud running on the default state directory (which records its ports there), else the
one `make run PORT=...` would start (`PORT` from the environment, default 3000): the embedded
AWS endpoint is on the API's port + 3.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = "endpoints.json"  # as infra.local.cloud.ENDPOINTS (not imported: moto is slow to)


@dataclass(frozen=True)
class Push:
    token: str
    endpoint_arn: str
    message_id: str
    message: dict[str, Any]  # what was published: {"default": text, "APNS": ..., "GCM": ...}

    @property
    def text(self) -> str:
        return str(self.message.get("default", ""))


def recorded(aws_url: str) -> list[Push]:
    """Every push the embedded SNS recorded, per endpoint in order of sending."""
    if not aws_url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {aws_url}")
    url = f"{aws_url.rstrip('/')}/moto-api/data.json"
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - checked above
        data = json.load(reply)
    pushes = []
    for endpoint in data.get("sns", {}).get("PlatformEndpoint", []):
        for message_id, body in (endpoint.get("messages") or {}).items():
            try:
                message = json.loads(body)
            except ValueError:
                message = {"default": body}
            pushes.append(Push(endpoint.get("token", ""), endpoint["arn"], message_id, message))
    return pushes


def running_aws_url(state_dir: Path) -> str | None:
    """The embedded AWS endpoint of the local cloud running on `state_dir`, if one is."""
    try:
        endpoints = json.loads((state_dir / ENDPOINTS).read_text())
        os.kill(int(endpoints["pid"]), 0)  # still running (a kill leaves the file behind)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(endpoints["aws"])


def aws_url(args: argparse.Namespace) -> str:
    """The local AWS endpoint the options (or the running local cloud) point at."""
    if args.aws_url:
        return str(args.aws_url)
    if args.port is not None:
        return f"http://127.0.0.1:{args.port + 3}"
    running = running_aws_url(args.state_dir)
    if running:
        return running
    return f"http://127.0.0.1:{int(os.environ.get('PORT') or 3000) + 3}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws-url", help="the local AWS (moto) endpoint")
    parser.add_argument("--port", type=int, help="the local cloud's API port (AWS: port + 3)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=ROOT / ".local-cloud" / "state",
        help="the running local cloud's state directory (it records its ports there)",
    )
    args = parser.parse_args(argv)
    for push in recorded(aws_url(args)):
        print(f"{push.token}\t{push.text}")


if __name__ == "__main__":
    main()
