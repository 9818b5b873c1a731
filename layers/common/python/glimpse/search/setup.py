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
    of the indexes created. A mapping change applies to indexes created after it (an existing
    index keeps its mapping until it is rebuilt)."""
    created = []
    for name, template in templates().items():
        cluster.put_index_template(name, template)
        if cluster.ensure_index(name):
            created.append(name)
    return created
