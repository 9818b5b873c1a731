"""The `SearchIndexes` custom resource: applies the index templates and creates the indexes
when the stack is created or updated (glimpse.search.setup); leaves them on delete (they go
with the domain).

CloudFormation waits for the answer at `ResponseURL`, so every request is answered, a
failure with its reason (the deploy then rolls back instead of hanging for an hour).
"""

import json
import urllib.request
from typing import Any

from glimpse.plumbing import Plumbing
from glimpse.search import setup

from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("opensearch_endpoint",)

plumbing = Plumbing.of("search_setup", patch=("botocore", "httplib"))  # OpenSearch over HTTP
logger = plumbing.logger
PHYSICAL_ID = "glimpse-search-indexes"


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "Status": "SUCCESS",
        "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }
    try:
        if event["RequestType"] in ("Create", "Update"):
            created = setup.apply()
            logger.info("index templates applied", extra={"indexes_created": created})
            answer["Data"] = {"IndexesCreated": ",".join(created)}
    except Exception as exc:
        logger.exception("index templates not applied")
        answer.update(Status="FAILED", Reason=f"{type(exc).__name__}: {exc}"[:1000])
    _respond(str(event["ResponseURL"]), answer)
    return answer


def _respond(url: str, answer: dict[str, Any]) -> None:
    body = json.dumps(answer).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's presigned S3 URL
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


lambda_handler = plumbing.consumer(handle)
