"""`python -m infra.publish_web --stack glimpse-dev`: the web client onto a deployed stack.

Reads the stack's outputs (ApiUrl, WebSocketUrl, WebBucketName, WebUrl), writes a config.js
that names them, and uploads web/ and it to the web bucket, every file with `no-cache` (the
CDN then revalidates by ETag, so a publish shows at once). Files no longer in web/ are left
(a page open during a publish still finds its modules).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3

from infra.local.fronts.web import TYPES, WEB_ROOT, config_js

NEEDED = ("ApiUrl", "WebSocketUrl", "WebBucketName", "WebUrl")


def stack_outputs(stack: str, region: str | None) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation", region_name=region)
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def files() -> dict[str, bytes]:
    """What is uploaded: web/'s files by key, with the deployed config.js made by the caller."""
    return {
        str(path.relative_to(WEB_ROOT)): path.read_bytes()
        for path in sorted(WEB_ROOT.rglob("*"))
        if path.is_file() and path.name != "config.js"
    }


def publish(outputs: dict[str, str], s3: Any) -> list[str]:
    """Upload the site; the keys written."""
    missing = [name for name in NEEDED if name not in outputs]
    if missing:
        raise SystemExit(f"the stack has no output {', '.join(missing)}: deploy this template")
    site = files()
    site["config.js"] = config_js(outputs["ApiUrl"], outputs["WebSocketUrl"]).encode()
    for key, body in site.items():
        suffix = "." + key.rsplit(".", 1)[-1]
        s3.put_object(
            Bucket=outputs["WebBucketName"],
            Key=key,
            Body=body,
            ContentType=TYPES.get(suffix, "application/octet-stream"),
            CacheControl="no-cache",
        )
    return sorted(site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.publish_web", description=__doc__)
    parser.add_argument("--stack", default="glimpse-dev", help="the stack's name")
    parser.add_argument("--region", default=None, help="its region (default: the AWS config's)")
    args = parser.parse_args(argv)
    outputs = stack_outputs(args.stack, args.region)
    keys = publish(outputs, boto3.client("s3", region_name=args.region))
    print(f"Uploaded {len(keys)} files to s3://{outputs['WebBucketName']}/")
    print(f"The web client: {outputs['WebUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
