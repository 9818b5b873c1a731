"""Data exports: the exporter's peak memory and the archive's throughput, by account size.

An account is written on an embedded moto server (the local cloud's, with its query index):
`--posts` posts, each with its original photo in the media bucket (`--media-kib` of random
bytes: stored as is, like a JPEG), `--videos` large originals of `--video-mib` each (one ZIP
entry far larger than a multipart part), `--messages` messages over 20 conversations, 20
followers, and as many likes and comments as posts. The exporter then runs in a child process,
a fresh interpreter as a Lambda invocation is, that imports the exporter's handler and builds
the archive through the same code as in AWS (`glimpse.exports.exporter.build`), reading
DynamoDB and S3 and writing the multipart upload over HTTP to the moto server. The child
reports its peak RSS (`VmHWM`), which includes Python, boto3, PynamoDB and pydantic.

Each run does a small account (a tenth of the sizes) and the full one: peak RSS must not grow
with the account. The throughput is the archive's size over the exporter's wall time against
moto on loopback, in one process on a shared machine: a floor, not what S3 gives a Lambda.

    python -m benchmarks.export [--posts 5000] [--messages 20000] [--media-kib 64]
                                [--videos 2] [--video-mib 40]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from benchmarks import smoke
from benchmarks.moto_stack import ROOT, post_item, profiles

CONVERSATIONS = 20
BUDGET_MB = 256  # the ceiling for the exporter's peak RSS


@dataclass(frozen=True)
class Account:
    posts: int
    messages: int
    media_kib: int
    videos: int
    video_mib: int


def _aws(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def start_stack() -> dict[str, str]:
    """The moto server of this process, the template provisioned on it; the environment the
    exporter runs with (its own and the endpoint)."""
    from infra.local import atomicity
    from infra.local.cloud import embedded_moto
    from infra.local.provision import Provisioner
    from infra.local.runtime import function_specs, merged_environment
    from infra.local.template import Template

    endpoint = embedded_moto(0)
    atomicity.install()  # Queries read the partition, as on the local cloud
    os.environ.update(_aws(endpoint))
    template = Template.load(ROOT / "template.yaml", {"RateLimitScale": "1000"})  # bulk writes
    provisioner = Provisioner(template, endpoint=endpoint)
    provisioner.provision()
    environment = merged_environment(function_specs(template, provisioner.resolver))
    os.environ.update(environment)
    return {**environment, **_aws(endpoint)}


def seed(account: Account) -> tuple[str, str]:
    """The account and its pending export: (user id, export id)."""
    from glimpse.exports import service

    owner = f"owner-{uuid.uuid4().hex[:8]}"
    others = [f"friend-{uuid.uuid4().hex[:8]}" for _ in range(CONVERSATIONS)]
    profiles([owner, *others])
    _graph(owner, others)
    _posts(owner, account)
    _reactions(owner, account.posts)
    _messages(owner, others, account.messages)
    export = service.request_export(owner)
    return owner, export.export_id


def _graph(owner: str, others: list[str]) -> None:
    from glimpse.clock import now
    from glimpse.models.batch import write_many
    from glimpse.models.graph import FOLLOWER, Edge, edge_key

    write_many(
        Edge,
        puts=[
            Edge(*edge_key(owner, FOLLOWER, other), other_id=other, created_at=now())
            for other in others
        ],
    )


def _posts(owner: str, account: Account) -> None:
    """Posts with their originals (random bytes), and the large originals."""
    from glimpse.adapters.aws import s3
    from glimpse.config import get_settings
    from glimpse.models.batch import write_many
    from glimpse.models.objects import original_key

    bucket = get_settings().require("media_bucket")
    posts = [post_item(owner, caption=f"post {n} #bench") for n in range(account.posts)]
    write_many(type(posts[0]), puts=posts)
    for post in posts:
        s3().put_object(
            Bucket=bucket,
            Key=original_key(owner, post.media_ids[0]),
            Body=os.urandom(account.media_kib * 1024),
            ContentType="image/jpeg",
        )
    for _ in range(account.videos):
        s3().put_object(
            Bucket=bucket,
            Key=original_key(owner, uuid.uuid4().hex.upper()[:26]),
            Body=os.urandom(account.video_mib * 1024 * 1024),
            ContentType="video/mp4",
        )


def _reactions(owner: str, count: int) -> None:
    """As many likes and comments by the owner, on others' posts."""
    from glimpse.clock import new_id, now
    from glimpse.models.batch import write_many
    from glimpse.models.posts import Comment, Like, actor_pk, comment_sk, like_sk, post_pk

    likes, comments = [], []
    for _ in range(count):
        post_id, comment_id = new_id(), new_id()
        likes.append(
            Like(
                post_pk(post_id),
                like_sk(owner),
                user_id=owner,
                created_at=now(),
                actor_pk=actor_pk(owner),  # as a like is written: ByActor finds it
            )
        )
        comments.append(
            Comment(
                post_pk(post_id),
                comment_sk(comment_id),
                comment_id=comment_id,
                post_id=post_id,
                author_id=owner,
                text="nice one",
                created_at=now(),
                actor_pk=actor_pk(owner),
            )
        )
    write_many(Like, puts=likes)
    write_many(Comment, puts=comments)


def _messages(owner: str, others: list[str], count: int) -> None:
    """`count` messages over one 1:1 conversation with each of `others`."""
    from glimpse.clock import new_id, now
    from glimpse.models.batch import write_many
    from glimpse.models.messages import (
        META,
        Conversation,
        InboxEntry,
        Message,
        conversation_pk,
        inbox_pk,
        messages_pk,
    )

    conversations, entries, messages = [], [], []
    for index, other in enumerate(others):
        cid = new_id()
        conversations.append(
            Conversation(
                conversation_pk(cid),
                META,
                conversation_id=cid,
                member_ids=[owner, other],
                is_group=False,
                created_by=owner,
                created_at=now(),
            )
        )
        entries.append(
            InboxEntry(
                inbox_pk(owner),
                cid,
                conversation_id=cid,
                inbox_pk=inbox_pk(owner),
                activity=cid,
                joined_at=now(),
            )
        )
        for n in range(index, count, len(others)):
            mid = new_id()
            messages.append(
                Message(
                    messages_pk(cid),
                    mid,
                    message_id=mid,
                    conversation_id=cid,
                    sender_id=owner if n % 2 else other,
                    text=f"message {n}: see you at six",
                    created_at=now(),
                )
            )
    write_many(Conversation, puts=conversations)
    write_many(InboxEntry, puts=entries)
    write_many(Message, puts=messages)


# The child's own high-water mark: /proc's VmHWM belongs to the memory the process has since
# its exec (ru_maxrss would include the parent's, copied at the fork before it).
CHILD = """
import json, re, sys, time
def peak_kib():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read())[1])
from functions.exporter import app  # the handler's cold import, as in Lambda
from glimpse.events import ExportRequested
from glimpse.exports import exporter
floor = peak_kib()
started = time.perf_counter()
outcome = exporter.build(ExportRequested(user_id=sys.argv[1], export_id=sys.argv[2]), lambda: 900.0)
seconds = time.perf_counter() - started
peak = peak_kib()
print(json.dumps({"result": outcome.result, "size_bytes": outcome.size_bytes,
                  "media_files": outcome.media_files, "parts": outcome.parts,
                  "seconds": seconds, "floor_kib": floor, "peak_kib": peak}))
"""


def export_in_child(environment: dict[str, str], owner: str, export_id: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, owner, export_id],
        cwd=ROOT,
        env={
            **environment,
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(environment: dict[str, str], account: Account) -> dict[str, Any]:
    owner, export_id = seed(account)
    result = export_in_child(environment, owner, export_id)
    assert result["result"] == "ready", result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--media-kib", type=int, default=64)
    parser.add_argument("--videos", type=int, default=2)
    parser.add_argument("--video-mib", type=int, default=40)
    args = smoke.parse(
        parser, {"posts": 20, "messages": 40, "media_kib": 4, "videos": 1, "video_mib": 1}
    )
    environment = start_stack()
    full = Account(args.posts, args.messages, args.media_kib, args.videos, args.video_mib)
    small = Account(max(1, full.posts // 10), max(1, full.messages // 10), full.media_kib, 0, 0)
    print(
        "account (posts / messages / originals)  archive MB  parts  seconds  MB/s"
        "  RSS after import MB  peak RSS MB"
    )
    for account in (small, full):
        result = run(environment, account)
        size_mb = result["size_bytes"] / 1e6
        print(
            f"{account.posts:>6,} / {account.messages:>6,} / {result['media_files']:>6,}"
            f"           {size_mb:>10.1f}  {result['parts']:>5}  {result['seconds']:>7.1f}"
            f"  {size_mb / result['seconds']:>4.1f}  {result['floor_kib'] / 1024:>19.0f}"
            f"  {result['peak_kib'] / 1024:>11.0f}"
        )
        assert result["peak_kib"] / 1024 <= BUDGET_MB, f"peak RSS over {BUDGET_MB} MB"


if __name__ == "__main__":
    main()
