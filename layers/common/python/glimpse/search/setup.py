"""The search cluster's index templates and indexes (infra/opensearch, shipped merged as
`indexes.json`), applied at deploy time by the `SearchIndexes` custom resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from glimpse.adapters import search as cluster

SHIPPED = Path(__file__).with_name("indexes.json")


def templates() -> dict[str, dict[str, Any]]:
    return dict(json.loads(SHIPPED.read_text()))


def apply() -> list[str]:
    """Put every index template, then create each index that does not exist yet; the names
    of the indexes created. An existing index gets its template's mappings put on it: fields
    a template adds (a new version of it, e.g. posts' `place_id`) are added to the index at
    once; a field whose type changed is refused by OpenSearch, failing the deploy (such a
    change needs a new index and a reindex)."""
    created = []
    for name, template in templates().items():
        cluster.put_index_template(name, template)
        if cluster.ensure_index(name):
            created.append(name)
        else:
            cluster.put_mapping(name, template["template"]["mappings"])
    return created
