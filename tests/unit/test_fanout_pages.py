"""A post's fan-out reads its followers a DynamoDB page at a time: FOLLOWER_PAGE edges fit in
the 1 MB one Query page returns (so a page is one request), and fill most of it."""

from __future__ import annotations

import uuid

from glimpse.clock import now
from glimpse.feed import fanout
from glimpse.models.graph import FOLLOWER, new_edge

MB = 1024 * 1024


def edge_bytes() -> int:
    """A follower edge's size as DynamoDB counts it (names and values), with Cognito's
    36-character user ids."""
    edge = new_edge(str(uuid.uuid4()), FOLLOWER, str(uuid.uuid4()), now())
    values = edge.serialize()
    return sum(len(name) + len(str(next(iter(v.values()))).encode()) for name, v in values.items())


def test_a_page_of_followers_is_one_query_of_most_of_a_megabyte() -> None:
    page = fanout.FOLLOWER_PAGE * edge_bytes()
    assert page <= MB  # one Query: DynamoDB stops at 1 MB, PynamoDB would ask again
    assert page >= 0.8 * MB  # and the page uses most of it


def test_one_feed_write_in_trim_sample_checks_the_cap() -> None:
    readers = [f"reader-{i}" for i in range(20 * fanout.TRIM_SAMPLE)]  # fixed: no chance
    sampled = sum(fanout._sampled_for_trim(reader, "01POST") for reader in readers)
    assert 10 <= sampled <= 30  # about 20
