"""The search cluster (OpenSearch Service) through opensearch-py, signed with SigV4.

Only the functions that search or index ship opensearch-py (their own requirements.txt); it
is imported when the client is first made, never by importing this module. The endpoint is
the domain's (`OPENSEARCH_ENDPOINT`, from the template); a value with a scheme is used as it
is (the local cloud's search front speaks plain HTTP).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from glimpse.config import get_settings

if TYPE_CHECKING:
    from opensearchpy import OpenSearch


class SearchUnavailable(RuntimeError):
    """The cluster refused a whole request, or did not answer it."""


TIMEOUT = 5  # seconds: a search request waits no longer for the cluster
BULK_TIMEOUT = 30


@cache
def client() -> OpenSearch:
    import boto3
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth, Urllib3HttpConnection

    settings = get_settings()
    endpoint = settings.require("opensearch_endpoint")
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    credentials = boto3.Session().get_credentials()
    return OpenSearch(
        hosts=[url],
        http_auth=Urllib3AWSV4SignerAuth(credentials, settings.region, "es"),
        connection_class=Urllib3HttpConnection,
        timeout=TIMEOUT,
        max_retries=1,
        retry_on_timeout=False,
    )


def search(index: str, body: dict[str, Any]) -> dict[str, Any]:
    """One search; an index that does not exist yet (nothing indexed) finds nothing."""
    from opensearchpy.exceptions import NotFoundError

    try:
        return dict(client().search(index=index, body=body))
    except NotFoundError:
        return {"hits": {"hits": [], "total": {"value": 0, "relation": "eq"}}}


def bulk(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One `_bulk` request (action and source lines, as built by glimpse.search.indexer);
    each action's result, in order (`{"index": {"_id": …, "status": 201, …}}`)."""
    from opensearchpy.exceptions import TransportError

    body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in actions)
    try:
        answer = client().bulk(body=body, request_timeout=BULK_TIMEOUT)
    except TransportError as exc:
        raise SearchUnavailable(str(exc)) from exc
    return list(answer["items"])


def put_index_template(name: str, template: dict[str, Any]) -> None:
    client().indices.put_index_template(name=name, body=template)


def put_mapping(name: str, mappings: dict[str, Any]) -> None:
    """Add the fields of `mappings` to an existing index (OpenSearch refuses a changed type)."""
    client().indices.put_mapping(index=name, body=mappings)


def ensure_index(name: str) -> bool:
    """Create the index (its template applies) unless it exists; True if it was created."""
    indices = client().indices
    if indices.exists(index=name):
        return False
    indices.create(index=name, ignore=400)  # made meanwhile: fine
    return True
