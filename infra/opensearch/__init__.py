"""OpenSearch index templates: one JSON file per index here (`<index>.json`, the body of
`PUT _index_template/<index>`), the one place mappings are written.

The layer ships them merged (`glimpse/search/indexes.json`), for the function that applies
them at deploy time (the `SearchIndexes` custom resource) and for the local cloud's search
front. `python -m infra.opensearch --check` fails when the shipped copy is stale; `--write`
regenerates it (`make search-indexes`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parents[1] / "layers/common/python/glimpse/search/indexes.json"


def templates() -> dict[str, dict[str, Any]]:
    """Index name → its index template, as written here."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(HERE.glob("*.json"))}


def rendered() -> str:
    return json.dumps(templates(), indent=2, sort_keys=True) + "\n"
