"""The exports' part of erasing an account (glimpse.erasure): its archives (`exports/<user>/`,
listed: a week's at most, the bucket's rule deletes older ones) and its export items and ledger
(a partition of their own). An upload an exporter left incomplete there is dropped by the
bucket's `AbortIncompleteMultipartUploads` rule within a day, long before the grace period ends."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.adapters.media_bucket import delete_keys, keys_under
from glimpse.erasure import Erasure, sweep, table
from glimpse.jobs import Send, Stats
from glimpse.models import erasure as report
from glimpse.models.exports import Export, exports_pk
from glimpse.models.objects import exports_prefix


@dataclass(frozen=True, kw_only=True)
class ExportsErasure(Erasure):
    type = "erase_exports"
    aggregate = "exports"


def erase(job: ExportsErasure, send: Send) -> Stats:
    archives = 0
    if job.after is None:  # first page: the archives, then the items page by page
        keys = list(keys_under(exports_prefix(job.user_id)))
        delete_keys(keys)
        archives = len(keys)
        if archives:
            report.add(job.user_id, job.aggregate, archives)
    stats = sweep(job, Export, exports_pk(job.user_id), send)
    stats.deleted += archives
    return stats


ERASURE = table("exports", {ExportsErasure: erase})
