"""Account data exports, in the Users table, in a partition of their own per account (not the
profile's, whose edges the graph walks).

Keys (`pk`, `sk`), for user u:
- export:  `EXPORTS#u` / `EXPORT#<export_id>`   (one per request; ULIDs, so newest last)
- ledger:  `EXPORTS#u` / `LEDGER`   (the latest request and the one before it that counted:
  what `POST /me/exports` decides on, written under its `version` so two requests at once
  cannot both pass)

An export is `pending` until the exporter settles it once, by a conditional write, `ready`
(with the archive's size and when it expires) or `failed`. The archive itself is an object of
the media bucket (glimpse.models.objects.export_key).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from glimpse.models.base import Model, table_meta

EXPORT = "EXPORT#"
LEDGER = "LEDGER"


def exports_pk(user_id: str) -> str:
    return f"EXPORTS#{user_id}"


def export_sk(export_id: str) -> str:
    return f"{EXPORT}{export_id}"


class Export(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    export_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | ready | failed
    requested_at = UTCDateTimeAttribute()
    settled_at = UTCDateTimeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)  # the archive's, once ready
    expires_at = UTCDateTimeAttribute(null=True)  # when the archive is deleted, once ready
    reason = UnicodeAttribute(null=True)  # a failed one's, for operators (never shown)


class ExportLedger(Model):
    """What the next request is checked against (API.md: one pending at a time, one a day)."""

    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=LEDGER)
    latest_id = UnicodeAttribute()
    # The request time of the newest export before the latest that did not fail (None: none):
    # what counts again if the latest fails.
    counted_before = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=0)
