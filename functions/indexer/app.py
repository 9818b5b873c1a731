"""The Posts and Users tables' streams → the search indexes (glimpse.search.indexer).

The event sources' FilterCriteria pass only post items (`sk = POST`) and profiles
(`sk = PROFILE`); anything else is skipped here too. One `_bulk` request per batch. A record
whose document failed is reported (the stream retries from the earliest such record); an
older or repeated record is refused by the index's versions and counts as done. After the
retries a batch's description goes to the failure queue.
"""

from typing import Any

from glimpse.models.streams import read_batch
from glimpse.plumbing import Plumbing
from glimpse.search.indexer import Change, index

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("opensearch_endpoint", "posts_table", "users_table")

plumbing = Plumbing.of("indexer", patch=("botocore", "httplib"))  # OpenSearch over HTTP
logger, metrics = plumbing.logger, plumbing.metrics


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    changes = [c for record in read_batch(event) if (c := Change.of(record))]
    if not changes:
        return {"batchItemFailures": []}
    plumbing.correlate(changes[0].record_id)
    indexed = index(changes)
    logger.info(
        "documents indexed",
        extra={
            "records": len(changes),
            "documents": indexed.documents,
            "bulk_requests": indexed.requests,
            "stale": indexed.stale,
            "failed_records": len(indexed.failed),
        },
    )
    metrics.add_metric(name="DocumentsIndexed", unit=MetricUnit.Count, value=indexed.documents)
    if indexed.rejected:
        logger.error("documents refused for good", extra={"documents": indexed.rejected})
    if indexed.failed:
        logger.error(
            "documents not indexed; their records come back",
            extra={"records": sorted(indexed.failed)},
        )
    return {"batchItemFailures": [{"itemIdentifier": r} for r in sorted(indexed.failed)]}


lambda_handler = plumbing.consumer(handle)
