"""The local cloud's search engine: openmock's in-process OpenSearch, with what Glimpse's
requests need that openmock does not do.

openmock stores the documents and evaluates `bool`, `match`, `term`, `terms`, `range` and
`exists`. Glimpse's production DSL (glimpse.search.queries) is never bent to it; instead each
request is translated here, with these documented approximations:

- `match` is a case-insensitive substring test per word (no analyzers: no stemming, no edge
  n-grams needed); `"operator": "and"` requires every word. A sub-field (`username.prefix`)
  is its parent field.
- `fuzzy` is a `match` (substring), so a typo is not forgiven locally.
- `term` and `terms` are exact (openmock's own are substring tests).
- `function_score` keeps its query; scores are not computed: a `_score` sort orders by the
  sum of the boosts of the `should` clauses a document meets (an exact username first),
  then by the sort's other keys. Explore ranks its candidates in Python, as in production.
- `sort` on any number of fields, `search_after`, `from`/`size`, `_source` field lists and
  `terms` aggregations (with `include`) are done here.
- `_geo_distance` sorts on the haversine distance on a sphere of the Earth's mean radius
  (glimpse.places.geo.distance_m) from a `geo_point` stored as `{"lat", "lon"}`; OpenSearch's
  default `arc` distance is the same formula (its radius differs by a few metres in 6,371 km,
  so equal orders but for ties within millimetres). `geo_distance` *filters* are not known.
- Bulk `index`/`delete` with `version_type: external` keep versions, and a deleted document's
  version is kept for good (OpenSearch keeps it for `index.gc_deletes`); `create` refuses an
  existing document (409), as OpenSearch does.
- Index templates are stored and an index is created empty; mappings are not enforced.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from openmock import FakeOpenSearch  # type: ignore[import-untyped]
from openmock.fake_opensearch import FakeQueryCondition, QueryType  # type: ignore[import-untyped]

from glimpse.places.geo import distance_m

Doc = dict[str, Any]


class SearchError(Exception):
    def __init__(self, status: int, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.kind, self.reason = status, kind, reason

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.kind, "reason": self.reason}, "status": self.status}


class LocalSearch:
    """Index templates, indexes and documents; thread-safe (one lock: the local cloud's
    functions call it from several threads)."""

    def __init__(self) -> None:
        self._fake = FakeOpenSearch()
        self._lock = threading.RLock()
        self.templates: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[str, int]] = {}  # index → id → version (deleted too)
        self.mappings: dict[str, dict[str, Any]] = {}  # index → fields put on it since made

    # ------------------------------------------------------------------ indexes
    def put_template(self, name: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.templates[name] = body

    def apply(self, templates: dict[str, dict[str, Any]]) -> None:
        """Put the index templates and create each index not there yet (what the
        `SearchIndexes` custom resource does at deploy time)."""
        for name, template in templates.items():
            self.put_template(name, template)
            if not self.exists(name):
                self.create_index(name)

    def put_mapping(self, index: str, mappings: dict[str, Any]) -> None:
        """Fields added to an existing index: kept, not enforced (as every mapping here)."""
        with self._lock:
            self._require(index)
            self.mappings.setdefault(index, {}).update(mappings.get("properties") or {})

    def exists(self, index: str) -> bool:
        with self._lock:
            return index in self.versions

    def create_index(self, index: str) -> None:
        with self._lock:
            if index in self.versions:
                raise SearchError(
                    400, "resource_already_exists_exception", f"index [{index}] already exists"
                )
            self._fake.indices.create(index=index)
            self.versions[index] = {}

    def _require(self, index: str) -> None:
        if index not in self.versions:
            raise SearchError(404, "index_not_found_exception", f"no such index [{index}]")

    # ------------------------------------------------------------------ documents
    def bulk(self, lines: list[dict[str, Any]], default_index: str | None = None) -> Doc:
        items: list[Doc] = []
        with self._lock:
            at = 0
            while at < len(lines):
                ((action, meta),) = lines[at].items()
                source = lines[at + 1] if action != "delete" else None
                at += 1 if action == "delete" else 2
                index = str(meta.get("_index") or default_index)
                items.append({action: self._apply(action, index, meta, source)})
        errors = any("error" in next(iter(item.values())) for item in items)
        return {"took": 1, "errors": errors, "items": items}

    def _apply(self, action: str, index: str, meta: Doc, source: Doc | None) -> Doc:
        if index not in self.versions:
            self.create_index(index)  # auto-create, as OpenSearch does for a bulk write
        doc_id = str(meta["_id"])
        known = self.versions[index].get(doc_id)
        live = self._fake.exists(index=index, id=doc_id)
        result: Doc = {"_index": index, "_id": doc_id}
        external = meta.get("version_type") == "external"
        wanted = int(meta["version"]) if external else (known or 0) + 1
        if (action == "create" and live) or (external and known is not None and known >= wanted):
            return {
                **result,
                "status": 409,
                "error": {
                    "type": "version_conflict_engine_exception",
                    "reason": f"[{doc_id}]: version conflict, current version [{known}]",
                },
            }
        self.versions[index][doc_id] = wanted
        if live:
            self._fake.delete(index=index, id=doc_id)
        if action == "delete":
            status = 200 if live else 404
            return {
                **result,
                "_version": wanted,
                "result": "deleted" if live else "not_found",
                "status": status,
            }
        self._fake.index(index=index, body=copy.deepcopy(source), id=doc_id)
        return {
            **result,
            "_version": wanted,
            "result": "updated" if live else "created",
            "status": 200 if live else 201,
        }

    # ------------------------------------------------------------------ search
    def search(self, index: str, body: Doc) -> Doc:
        with self._lock:
            self._require(index)
            query = body.get("query") or {"match_all": {}}
            translated = translate(query)
            found = self._fake.search(index=index, body={"query": translated})["hits"]["hits"]
            docs = [copy.deepcopy(hit) for hit in found]
        scored = [(boost_score(query, doc), doc) for doc in docs]
        ordered = _sorted(scored, body.get("sort") or ["_score"])
        if after := body.get("search_after"):
            ordered = [pair for pair in ordered if _after(pair, after, body.get("sort") or [])]
        answer: Doc = {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": len(ordered), "relation": "eq"}, "max_score": None},
        }
        if "aggs" in body or "aggregations" in body:
            aggs = body.get("aggs") or body.get("aggregations") or {}
            answer["aggregations"] = {
                name: _terms_agg(spec, [d for _s, d in ordered]) for name, spec in aggs.items()
            }
        start, size = int(body.get("from", 0)), int(body.get("size", 10))
        fields = body.get("_source")
        answer["hits"]["hits"] = [
            {
                "_index": index,
                "_id": doc["_id"],
                "_score": score,
                "_source": _pick(doc["_source"], fields),
                "sort": [_sort_value(score, doc, key) for key in body.get("sort") or []],
            }
            for score, doc in ordered[start : start + size]
        ]
        return answer

    # ------------------------------------------------------------------ saved state
    def snapshot(self) -> Doc:
        with self._lock:
            return {
                "templates": copy.deepcopy(self.templates),
                "versions": copy.deepcopy(self.versions),
                "documents": {
                    index: [
                        {"_id": hit["_id"], "_source": hit["_source"]}
                        for hit in self._fake.search(index=index)["hits"]["hits"]
                    ]
                    for index in self.versions
                },
            }

    def restore(self, saved: Doc) -> None:
        with self._lock:
            self.templates = dict(saved.get("templates") or {})
            for index, versions in (saved.get("versions") or {}).items():
                if index not in self.versions:
                    self.create_index(index)
                self.versions[index] = {k: int(v) for k, v in versions.items()}
            for index, docs in (saved.get("documents") or {}).items():
                for doc in docs:
                    self._fake.index(index=index, body=doc["_source"], id=doc["_id"])


# ---------------------------------------------------------------------- query translation
def _field(name: str) -> str:
    """A sub-field (`username.prefix`) is its parent field here: there are no analyzers."""
    return name.split(".", 1)[0]


def _text(spec: Any) -> tuple[str, Doc]:
    """A `match`/`term`/`fuzzy` clause's value and options, short or long form."""
    if isinstance(spec, dict):
        value = spec.get("query", spec.get("value"))
        return str(value), spec
    return str(spec), {}


def translate(query: Doc) -> Doc:
    """Glimpse's DSL → what openmock evaluates (the module's docstring lists the rules)."""
    ((kind, spec),) = query.items()
    if kind == "bool":
        out: Doc = {}
        for clause in ("must", "filter", "should", "must_not"):
            parts = spec.get(clause)
            if parts is None:
                continue
            parts = parts if isinstance(parts, list) else [parts]
            if parts:  # openmock reads an empty list as "matches nothing"
                out[clause] = [translate(part) for part in parts]
        return {"bool": out} if out else {"match_all": {}}
    if kind == "function_score":
        return translate(spec.get("query") or {"match_all": {}})
    if kind in ("match", "fuzzy", "match_phrase_prefix", "match_bool_prefix"):
        ((name, value),) = spec.items()
        text, options = _text(value)
        words = text.split() or [text]
        if options.get("operator") == "and" and len(words) > 1:
            return {"bool": {"must": [{"match": {_field(name): word}} for word in words]}}
        return {"match": {_field(name): text}}
    if kind == "term":
        ((name, value),) = spec.items()
        text, _options = _text(value)
        return {"term": {f"{_field(name)}.keyword": text}}
    if kind == "terms":
        ((name, values),) = spec.items()
        return {"terms": {f"{_field(name)}.keyword": list(values)}}
    if kind == "range":
        ((name, bounds),) = spec.items()
        return {"range": {_field(name): {k: v for k, v in bounds.items() if k in _BOUNDS}}}
    if kind in ("match_all", "exists"):
        return {kind: spec}
    raise SearchError(400, "parsing_exception", f"the local search does not know [{kind}]")


_BOUNDS = {"gt", "gte", "lt", "lte"}


def _matches(query: Doc, doc: Doc) -> bool:
    ((kind, spec),) = translate(query).items()
    return bool(FakeQueryCondition(QueryType.get_query_type(kind), spec).evaluate(doc))


def boost_score(query: Doc, doc: Doc) -> float:
    """The local stand-in for relevance: the boosts of the top `should` clauses met."""
    ((kind, spec),) = query.items()
    if kind == "function_score":
        return boost_score(spec.get("query") or {"match_all": {}}, doc)
    if kind != "bool":
        return 1.0
    total = 0.0
    for clause in spec.get("should") or []:
        if _matches(clause, doc):
            inner = next(iter(clause.values()))
            value = next(iter(inner.values()), None) if isinstance(inner, dict) else None
            total += float(value.get("boost", 1.0)) if isinstance(value, dict) else 1.0
    return total or 1.0


# ---------------------------------------------------------------------- sort, page, aggregate
def _key_of(key: Any) -> tuple[str, bool]:
    """(field, descending) of one sort key."""
    if key == "_score":
        return "_score", True
    if isinstance(key, str):
        return key, False
    if "_geo_distance" in key:
        return "_geo_distance", key["_geo_distance"].get("order", "asc") == "desc"
    ((name, order),) = key.items()
    order = order.get("order", "asc") if isinstance(order, dict) else order
    return name, (order == "desc" if name != "_score" else order != "asc")


def _sort_value(score: float, doc: Doc, key: Any) -> Any:
    name, _descending = _key_of(key)
    if name == "_geo_distance":
        return _distance(key["_geo_distance"], doc["_source"])
    return score if name == "_score" else doc["_source"].get(name)


def _distance(spec: Doc, source: Doc) -> float | None:
    """A `_geo_distance` sort's value: metres from its point to the document's (None: it has
    none). The point is the one entry of `spec` that is not an option."""
    options = {"order", "unit", "distance_type", "mode", "ignore_unmapped"}
    ((field, point),) = ((k, v) for k, v in spec.items() if k not in options)
    there = source.get(field)
    if not isinstance(there, dict):
        return None
    metres = distance_m(float(point["lat"]), float(point["lon"]), there["lat"], there["lon"])
    if spec.get("unit", "m") not in ("m", "meters"):
        raise SearchError(400, "parsing_exception", "the local search sorts distances in m")
    return metres


class _Reversed:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and other.value == self.value


def _sorted(scored: list[tuple[float, Doc]], keys: list[Any]) -> list[tuple[float, Doc]]:
    def order(pair: tuple[float, Doc]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for key in keys:
            _name, descending = _key_of(key)
            value = _sort_value(pair[0], pair[1], key)
            missing = value is None
            value = 0 if missing else value
            parts.append((missing, _Reversed(value) if descending else value))
        return tuple(parts)

    return sorted(scored, key=order)


def _after(pair: tuple[float, Doc], after: list[Any], keys: list[Any]) -> bool:
    """Whether a hit sorts strictly after the `search_after` values."""
    for key, bound in zip(keys, after, strict=False):
        _name, descending = _key_of(key)
        value = _sort_value(pair[0], pair[1], key)
        if value == bound:
            continue
        if value is None:
            return True
        return bool(value < bound) if descending else bool(value > bound)
    return False


def _pick(source: Doc, fields: Any) -> Doc:
    if not isinstance(fields, list):
        return dict(source)
    return {name: source[name] for name in fields if name in source}


def _terms_agg(spec: Doc, docs: Iterable[Doc]) -> Doc:
    terms = spec.get("terms")
    if terms is None:
        raise SearchError(400, "parsing_exception", "the local search aggregates `terms` only")
    field, include = terms["field"], terms.get("include")
    counts: Counter[str] = Counter()
    for doc in docs:
        value = doc["_source"].get(field)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and (not isinstance(include, list) or item in include):
                counts[str(item)] += 1
    buckets = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: int(terms.get("size", 10))]
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": key, "doc_count": count} for key, count in buckets],
    }
