"""What the local cloud does with a saved state when its ports moved."""

from __future__ import annotations

from infra.local.cloud import _moved
from infra.local.provision import fingerprint


def test_addresses_follow_the_ports_even_when_they_shift_by_one() -> None:
    saved = {
        "queue": "http://127.0.0.1:3001/123/q",
        "cdn": "127.0.0.1:3002/bucket/renditions",
    }
    moves = {
        "http://127.0.0.1:3001": "http://127.0.0.1:3002",
        "http://127.0.0.1:3002": "http://127.0.0.1:3003",
    }
    assert _moved(saved, moves) == {
        "queue": "http://127.0.0.1:3002/123/q",
        "cdn": "127.0.0.1:3003/bucket/renditions",
    }


def test_a_port_change_is_not_a_change_of_the_resource() -> None:
    props = {"DomainName": "127.0.0.1:3002/bucket"}
    moved = {"DomainName": "127.0.0.1:4002/bucket"}
    assert fingerprint("T", props, {"127.0.0.1:3002": "<s3>"}) == fingerprint(
        "T", moved, {"127.0.0.1:4002": "<s3>"}
    )
    assert fingerprint("T", props, {}) != fingerprint("T", moved, {})
