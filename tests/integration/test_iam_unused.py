"""The unused-grant check's verdict (tests/integration/iam.py `unused`) on the parts processes
leave: a grant no process used is found unless iam_unused.yaml lists it, an entry that lists no
unused grant is stale, and a user pool, a secret or a WebSocket API each process's moto names
differently is one resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration import iam

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_{}"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/glimpse-UsersTable"


def part(folder: Path, name: str, grants: list[iam.Grant], used: list[iam.Grant]) -> None:
    body = {
        "whole_suite": True,
        "grants": [iam._portable(g) for g in grants],
        "used": [iam._portable(g) for g in used],
    }
    (folder / f"{name}.json").write_text(json.dumps(body))


def test_unused_grants_and_stale_reasons_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_out = [
        iam.Grant("F", "Out", "cognito-idp:AdminUserGlobalSignOut", POOL.format(p)) for p in "ab"
    ]
    get, delete = (
        iam.Grant("F", "Users", f"dynamodb:{a}", TABLE) for a in ("GetItem", "DeleteItem")
    )
    put = iam.Grant("F", "Users", "dynamodb:PutItem", TABLE)
    part(tmp_path, "1", [sign_out[0], get, delete, put], [get])
    part(tmp_path, "2", [sign_out[1], get, delete, put], [sign_out[1]])  # its own pool's name
    entries = [
        {"function": "F", "sid": "Use*", "action": "dynamodb:DeleteItem", "reason": "r"},
        {"function": "*", "sid": "Users", "action": "dynamodb:GetItem", "reason": "stale"},
    ]
    monkeypatch.setattr(iam, "allowed_unused", lambda: entries)
    whole, found, stale = iam.unused(str(tmp_path))
    assert whole
    assert found == [f"F Users: dynamodb:PutItem on {TABLE}"]
    assert stale == ["* Users: dynamodb:GetItem on *"]


def test_every_entry_has_a_reason() -> None:
    entries = iam.allowed_unused()
    assert entries
    assert all(set(e) <= {"function", "sid", "action", "resource", "reason"} for e in entries)
    assert all(str(e.get("reason", "")).strip() for e in entries)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (POOL.format("a"), POOL.format("b")),
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:glimpse-CursorSecret-xTJVHC",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:glimpse-CursorSecret-Ab12Cd",
        ),
        (
            "arn:aws:execute-api:us-east-1:123456789012:abc123/live/POST/@connections/*",
            "arn:aws:execute-api:us-east-1:123456789012:zz9y8x/live/POST/@connections/*",
        ),
    ],
)
def test_a_resource_moto_names_at_random_is_one_across_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, second: str
) -> None:
    grants = [iam.Grant("F", "S", "x:Do", resource) for resource in (first, second)]
    part(tmp_path, "1", [grants[0]], [])
    part(tmp_path, "2", [grants[1]], [grants[1]])  # used in the other process only
    monkeypatch.setattr(iam, "allowed_unused", lambda: [])
    assert iam.unused(str(tmp_path))[1] == []
