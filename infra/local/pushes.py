"""What the local cloud pushed to devices: the embedded SNS keeps every message published to
a platform endpoint, and moto's own API (`/moto-api/data.json` on the AWS port) shows them.

    python -m infra.local.pushes [--aws-url http://127.0.0.1:3003]

prints one line per push (token, text); tests call `recorded`.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from dataclasses import dataclass
from typing import Any


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws-url", default="http://127.0.0.1:3003", help="the local AWS (moto)")
    args = parser.parse_args()
    for push in recorded(args.aws_url):
        print(f"{push.token}\t{push.text}")


if __name__ == "__main__":
    main()
