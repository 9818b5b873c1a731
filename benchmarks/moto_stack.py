"""The template's resources on moto, in-process, for the benchmarks that need AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.local.provision import Provisioner

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def provisioned() -> Iterator[Provisioner]:
    """moto's `mock_aws`, every resource of template.yaml, and the functions' environment."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from moto import mock_aws

    from infra.local.runtime import function_specs, merged_environment
    from infra.local.template import Template

    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        provisioner = Provisioner(template, endpoint=None)
        provisioner.provision()
        os.environ.update(merged_environment(function_specs(template, provisioner.resolver)))
        yield provisioner


class LambdaContext:
    """What a handler reads of Lambda's context, for a function named `name`."""

    memory_limit_in_mb = 512
    aws_request_id = "bench"

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def profiles(user_ids: list[str], *, celebrities: frozenset[str] = frozenset()) -> None:
    """A profile (username = id) and an active username claim for each id, in batches."""
    from glimpse.clock import now
    from glimpse.models.batch import write_many
    from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk

    moment = now()
    write_many(
        UserProfile,
        puts=[
            UserProfile(
                user_pk(uid),
                PROFILE,
                user_id=uid,
                username=uid,
                email=f"{uid}@example.com",
                is_celebrity=uid in celebrities,
                created_at=moment,
                updated_at=moment,
            )
            for uid in user_ids
        ],
    )
    write_many(
        UniqueClaim,
        puts=[
            UniqueClaim(
                username_pk(uid),
                CLAIM,
                state="active",
                claim_id=uid,
                user_id=uid,
                created_at=moment,
            )
            for uid in user_ids
        ],
    )


def post_item(author_id: str, **fields: Any) -> Any:
    """A post item by `author_id` (not saved), with one media id; `fields` override."""
    from glimpse.clock import new_id, now
    from glimpse.models.posts import POST, Post, author_pk, post_pk

    post_id = fields.pop("post_id", None) or new_id()
    values: dict[str, Any] = {
        "post_id": post_id,
        "author_id": author_id,
        "media_ids": [new_id()],
        "created_at": now(),
        "author_pk": author_pk(author_id),
        "post_sk": post_id,
        **fields,
    }
    return Post(post_pk(post_id), POST, **values)
