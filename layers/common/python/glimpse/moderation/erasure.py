"""The moderation aggregate's part of erasing an account (glimpse.erasure): the reports it
made (found through ByReporter) and its own case as a reported user, with the reports about it
(one partition). Cases about its posts, comments, stories and messages keep their counts (no
one's data: the content itself is erased by its aggregates), and the moderators' log keeps its
lines, an audit trail of what moderators did (they name the target's id and username)."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, erase_pages, keys_found, sweep, table
from glimpse.jobs import Send, Stats
from glimpse.models.batch import write_many
from glimpse.models.moderation import Case, Report, reporter_pk, target_pk

PAGE = 1000


@dataclass(frozen=True, kw_only=True)
class ReportsErasure(Erasure):
    type = "erase_reports"
    aggregate = "reports"


@dataclass(frozen=True, kw_only=True)
class UserCaseErasure(Erasure):
    type = "erase_user_case"
    aggregate = "moderation"


def erase_reports(job: ReportsErasure, send: Send) -> Stats:
    pages = keys_found(lambda: Report.by_reporter.query(reporter_pk(job.user_id), limit=PAGE), PAGE)

    def remove(keys: list[tuple[str, str]]) -> int:
        write_many(Report, deletes=keys)
        return len(keys)

    return erase_pages(job, pages, remove, send)


def erase_user_case(job: UserCaseErasure, send: Send) -> Stats:
    return sweep(job, Case, target_pk("user", job.user_id), send, PAGE)


ERASURE = table("moderation", {ReportsErasure: erase_reports, UserCaseErasure: erase_user_case})
