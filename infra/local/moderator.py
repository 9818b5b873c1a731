"""`python -m infra.local.moderator --port 3000 USERNAME [--remove]` (`make moderator
USER=<username>`): the account joins (or leaves) the user pool's `moderators` group on the
running local cloud, through its embedded AWS endpoint (`--port` + 3). It signs in again to
act: the group is in the ID token. In AWS a deployer runs `aws cognito-idp
admin-add-user-to-group` (README)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.local.provision import local_client

GROUP = "moderators"
AWS_PORT_OFFSET = 3  # infra/local/__main__.py: the embedded AWS endpoint


def pool_with_group(client: Any) -> str | None:
    """The id of the user pool that has the moderators group (the local cloud has one)."""
    for pool in client.list_user_pools(MaxResults=60)["UserPools"]:
        groups = client.list_groups(UserPoolId=pool["Id"])["Groups"]
        if any(group["GroupName"] == GROUP for group in groups):
            return str(pool["Id"])
    return None


def change(endpoint: str, username: str, remove: bool = False) -> None:
    """`username` joins (or leaves) the moderators group of the local cloud at `endpoint` (its
    embedded AWS endpoint). Raises LookupError when it has no such group."""
    client = local_client("cognito-idp", endpoint)
    pool_id = pool_with_group(client)
    if pool_id is None:
        raise LookupError(f"No user pool with a {GROUP!r} group at {endpoint}.")
    operation = "admin_remove_user_from_group" if remove else "admin_add_user_to_group"
    getattr(client, operation)(UserPoolId=pool_id, Username=username.lower(), GroupName=GROUP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("--port", type=int, default=3000, help="the local cloud's API port")
    parser.add_argument("--remove", action="store_true", help="take the account out instead")
    args = parser.parse_args(argv)
    endpoint = f"http://127.0.0.1:{args.port + AWS_PORT_OFFSET}"
    try:
        change(endpoint, args.username, args.remove)
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ClientError as exc:
        print(f"{args.username}: {exc.response['Error']['Message']}", file=sys.stderr)
        return 1
    except BotoCoreError as exc:
        print(f"Is the local cloud running (make run PORT={args.port})? {exc}", file=sys.stderr)
        return 1
    joined = "left" if args.remove else "joined"
    print(f"{args.username} {joined} {GROUP}; it signs in again for its ID token to say so.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
