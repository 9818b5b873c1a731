"""`POST /reports`: one report per reporter and target, on what the reporter can see.

The request writes the report item (conditional on its absence: a repeat answers the first
report's id) and `content_reported`, in one transaction of per-reporter items only: the case
the report counts in is written by the counters consumer, once per batch (glimpse.counters),
so a brigade of reports on one post never makes its case a hot item on the request path.
"""

from __future__ import annotations

from glimpse.clock import new_id, now
from glimpse.errors import NotFound
from glimpse.events import ContentReported
from glimpse.models.base import get_or_none
from glimpse.models.moderation import Report, report_sk, reporter_pk, target_pk
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.moderation import targets
from glimpse.moderation.schemas import ReportIn, ReportOut


def report(reporter_id: str, body: ReportIn) -> ReportOut:
    target = targets.find(body.target_type, body.target_id)
    if target is None:
        raise NotFound(f"No such {body.target_type}.")
    key = (target_pk(target.target_type, target.key_id), report_sk(reporter_id))
    first = get_or_none(Report, *key)
    if first is not None:
        return ReportOut(report_id=first.report_id)
    targets.require_reportable(reporter_id, target)
    item = Report(
        *key,
        report_id=new_id(),
        reporter_id=reporter_id,
        reporter_pk=reporter_pk(reporter_id),
        target_type=target.target_type,
        target_id=target.key_id,
        reason=body.reason,
        note=body.note,
        created_at=now(),
    )
    try:
        with transaction() as tx:
            tx.save(item, condition=Report.pk.does_not_exist())
            tx.emit(
                ContentReported(
                    target_type=target.target_type,
                    target_id=target.key_id,
                    reporter_id=reporter_id,
                    reason=body.reason,
                )
            )
    except ConditionFailed:  # the same report, sent twice at once: the other one is first
        first = get_or_none(Report, *key)
        if first is None:
            raise
        return ReportOut(report_id=first.report_id)
    return ReportOut(report_id=item.report_id)
