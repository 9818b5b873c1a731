"""Erasure reports: what erasing an account removed, per aggregate, without personal data.

Keys (`pk`, `sk`) in the Users table: `ERASURE#<sha256 of the user id>` / `<aggregate>`, with
`erased` (items and objects removed) and `updated_at`. The account's id is a random UUID that
no erased item holds any more, so its hash names nothing; a deployer who is asked for proof of
erasure hashes the id the user (or their token's `sub`) gives (docs/operations.md).
"""

from __future__ import annotations

import hashlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from glimpse.clock import now
from glimpse.models.base import Model, table_meta


def report_pk(user_id: str) -> str:
    return f"ERASURE#{hashlib.sha256(user_id.encode()).hexdigest()}"


class ErasureCount(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # the aggregate
    erased = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute()


def add(user_id: str, aggregate: str, erased: int) -> None:
    """Count `erased` more items or objects for `aggregate` (one UpdateItem)."""
    ErasureCount(report_pk(user_id), aggregate).update(
        actions=[ErasureCount.erased.add(erased), ErasureCount.updated_at.set(now())]
    )


def report(user_id: str) -> dict[str, int]:
    """The account's erasure report: aggregate -> items and objects removed (one Query)."""
    return {item.sk: int(item.erased) for item in ErasureCount.query(report_pk(user_id))}
