"""Requesting an export, reading its status, and settling it once its archive is written.

A request is one transaction: the new export item (`pending`), the user's ledger under the
version it was read at (so of two requests at once one wins and the other reads again), and
the `export_requested` event, which the exports queue carries to the exporter. At most one
export is pending, and one a day counts: a request within 24 h of the last one that did not
fail is refused (429, with `Retry-After`), a failed one gives its day back.

An export settles once, by a conditional write: `ready` together with `export_ready` (its
owner's notification), or `failed`. One still `pending` after `STALE` is shown as failed and
blocks nothing: by then its queue has given up on it (the exporter timed out every time).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from glimpse.adapters import media_bucket
from glimpse.clock import iso, new_id, now, time_of
from glimpse.errors import Conflict, NotFound, RateLimited
from glimpse.events import ExportReady, ExportRequested
from glimpse.exports.schemas import ExportOut, ExportStatus
from glimpse.inputs import ULID_PATTERN
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.exports import LEDGER, Export, ExportLedger, export_sk, exports_pk
from glimpse.models.objects import export_key
from glimpse.models.transactions import ConditionFailed, Contention, transaction

ONE_A_DAY = timedelta(days=1)
KEPT = timedelta(days=7)  # the bucket's ExpireExports rule deletes the archive then
URL_SECONDS = 3600
STALE = timedelta(hours=12)  # longer than the exports queue retries a message (5 x 90 min)
MISSING = "No such export."


def status_of(export: Export, moment: datetime) -> ExportStatus:
    """Its status as shown: a pending export past `STALE` has failed."""
    if export.status == "pending":
        return "failed" if moment - export.requested_at > STALE else "pending"
    return "ready" if export.status == "ready" else "failed"


def request_export(user_id: str) -> ExportOut:
    """Two GetItem (the ledger, the latest export) and one transaction; read again if another
    request committed in between."""
    for _attempt in range(3):
        pk = exports_pk(user_id)
        ledger = get_or_none(ExportLedger, pk, LEDGER)
        latest = get_or_none(Export, pk, export_sk(ledger.latest_id)) if ledger else None
        counted = _counted(ledger, latest, now())
        export_id = new_id()
        try:
            _write_request(user_id, export_id, ledger, counted)
        except ConditionFailed:
            continue  # another request came first: its export is pending now
        return ExportOut(export_id=export_id, status="pending")
    raise Contention()


def _counted(
    ledger: ExportLedger | None, latest: Export | None, moment: datetime
) -> datetime | None:
    """When the last request that counts against the day was made (None: none); refuses a
    request while one is pending or within a day of that one."""
    if ledger is None or latest is None:
        return None
    status = status_of(latest, moment)
    if status == "pending":
        raise Conflict(f"Export {latest.export_id} is still being prepared.")
    counted = latest.requested_at if status == "ready" else ledger.counted_before
    if counted is not None and moment < counted + ONE_A_DAY:
        wait = math.ceil((counted + ONE_A_DAY - moment).total_seconds())
        raise RateLimited(
            f"One export a day: the next can be requested at {iso(counted + ONE_A_DAY)}.", wait
        )
    return counted


def _write_request(
    user_id: str, export_id: str, ledger: ExportLedger | None, counted: datetime | None
) -> None:
    version = int(ledger.version) if ledger else 0
    with transaction() as tx:
        tx.save(
            Export(
                exports_pk(user_id),
                export_sk(export_id),
                export_id=export_id,
                user_id=user_id,
                status="pending",
                requested_at=time_of(export_id),
            ),
            condition=Export.pk.does_not_exist(),
        )
        tx.save(
            ExportLedger(
                exports_pk(user_id),
                LEDGER,
                latest_id=export_id,
                counted_before=counted,
                version=version + 1,
            ),
            condition=(ExportLedger.version == version)
            if ledger
            else ExportLedger.pk.does_not_exist(),
            name="ledger",
        )
        tx.emit(ExportRequested(user_id=user_id, export_id=export_id))


def export_of(user_id: str, export_id: str) -> ExportOut:
    """One GetItem: the caller's own exports only (anyone else's is a 404, as is one whose
    archive has expired); a ready one comes with a new download link."""
    export = (
        get_or_none(Export, exports_pk(user_id), export_sk(export_id))
        if re.fullmatch(ULID_PATTERN, export_id)
        else None
    )
    if export is None:
        raise NotFound(MISSING)
    moment = now()
    status = status_of(export, moment)
    if status != "ready" or export.expires_at is None:
        return ExportOut(export_id=export_id, status=status)
    left = (export.expires_at - moment).total_seconds()
    if left <= 0:
        raise NotFound("This export has expired; request a new one.")
    url = media_bucket.presigned_download(
        export_key(user_id, export_id),
        max(1, min(URL_SECONDS, math.floor(left))),
        f"glimpse-{export.requested_at.strftime('%Y-%m-%d')}-{export_id}.zip",
    )
    return ExportOut(
        export_id=export_id,
        status="ready",
        url=url,
        expires_at=export.expires_at,
        size_bytes=int(export.size_bytes or 0),
    )


# --------------------------------------------------------------------------- settling
def pending(user_id: str, export_id: str) -> Export | None:
    """The export if it still waits for its archive (a re-delivery finds it settled)."""
    export = get_or_none(Export, exports_pk(user_id), export_sk(export_id))
    return export if export is not None and export.status == "pending" else None


def settle_ready(export: Export, size_bytes: int) -> bool:
    """`ready`, with `export_ready` for its owner, in one transaction; False when another
    delivery settled it first."""
    moment = now()
    try:
        with transaction() as tx:
            tx.update(
                Export(export.pk, export.sk),
                actions=[
                    Export.status.set("ready"),
                    Export.size_bytes.set(size_bytes),
                    Export.settled_at.set(moment),
                    Export.expires_at.set(moment + KEPT),
                ],
                condition=Export.status == "pending",
            )
            tx.emit(ExportReady(user_id=export.user_id, export_id=export.export_id))
    except ConditionFailed:
        return False
    return True


def settle_failed(export: Export, reason: str) -> bool:
    """`failed` (the reason is for operators); False when it was settled already."""
    target = Export(export.pk, export.sk)
    return conditionally(
        lambda: target.update(
            actions=[
                Export.status.set("failed"),
                Export.reason.set(reason),
                Export.settled_at.set(now()),
            ],
            condition=Export.status == "pending",
        )
    )


def give_up(user_id: str, export_id: str) -> bool:
    """Fail an export whose request will not be tried again; False if it was settled."""
    export = pending(user_id, export_id)
    return export is not None and settle_failed(export, "retries_exhausted")
