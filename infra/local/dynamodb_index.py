"""DynamoDB Query by key on moto, without scanning the table.

moto answers every Query by sorting all of the table's items (`Table.all_items`) and testing
each one against the key condition, so a Query's time grows with the table. Here each table
keeps, beside moto's items, a sorted index per way it can be queried (its own key and each
GSI/LSI): for every partition (a value of that view's hash key) the items' sort keys in moto's
order, with the item keys they belong to.

moto's own `Table.query` still answers every Query: it is only handed a smaller list of
candidates instead of all the items (`all_items`, overridden for that one call). The
candidates are:

- the few items moto's loop actually looks at (`_window`): from the `ExclusiveStartKey` on,
  in the requested direction, the items within the key condition's range up to `Limit`, and
  the next item after them (which makes moto return a `LastEvaluatedKey`);
- or, when that shortcut is not provably the same (an operator other than the ones on the
  sort key's order, a start key or value of another type, a page that may reach 1 MB), the
  whole partition;
- or nothing is overridden (moto scans as before) for what the index does not model: legacy
  QueryFilter, keys of several attributes, key values of another type than the table says.

So results, their order, `Count`, `ScannedCount`, `LastEvaluatedKey`, projections, filters,
consumed capacity and errors are moto's, computed by moto's code.

The index holds item keys, never items: candidates are read from moto's `table.items` when a
Query runs. It stays right by re-reading, before a Query, every item written since the last
one (`dirty`): `Table.put_item` and `Table.delete_item` (PutItem, DeleteItem, BatchWriteItem,
transactions, PartiQL, imports), `DynamoDBBackend.update_item` (which changes items in place)
and every item a transaction names (a cancelled one is put back item by item by atomicity.py,
behind moto's back). The index lives outside the tables (a WeakKeyDictionary), so snapshots
(state.py) do not hold it: the tables a load creates are new objects, indexed on their first
Query; so are tables moto swaps in (transaction rollback), restores and re-creates. A change
of the table's indexes (UpdateTable) or of its items dict rebuilds it.

`GLIMPSE_QUERY_INDEX_CHECK=1` (or `set_checking(True)`) runs every Query both ways and raises
if they differ.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex, Table

from infra.local.fastpath import FastPath

ItemKey = tuple[DynamoType, DynamoType | None]
SortKey = tuple[Any, ...]
BASE = ""  # the view of the table's own key (indexes are named)
ORDERED = {"S", "N"}  # key types whose moto order is their Python value's (str, Decimal)

_lock = threading.RLock()
_installed = False
SWITCH = FastPath("GLIMPSE_QUERY_INDEX_CHECK", ("window", "partition", "moto"))


class _Override(threading.local):
    table: Table | None = None
    candidates: list[Item] = []


_override = _Override()


# ------------------------------------------------------------------------------ the index
class _Partition:
    """One partition of a view: sort keys ascending, and the item key of each."""

    __slots__ = ("keys", "refs")

    def __init__(self) -> None:
        self.keys: list[SortKey] = []
        self.refs: list[ItemKey] = []


class _Odd(Exception):
    """An item whose key attributes have another type than the table declares."""


class _View:
    """A way to query a table: its own key (`BASE`) or one of its indexes, with moto's order
    (`sort_attrs`, as `Table._generate_attr_to_sort_by` makes it for that Query)."""

    def __init__(
        self,
        name: str,
        hash_attr: str,
        range_attr: str | None,
        sort_attrs: list[str],
        members: list[str],
        types: dict[str, str],
    ) -> None:
        self.name = name
        self.hash_attr = hash_attr
        self.range_attr = range_attr  # what a key condition on the sort key compares
        self.sort_attrs = sort_attrs
        self.members = members  # attributes an item needs to be in the view (sparse indexes)
        self.types = [types[attr] for attr in sort_attrs]
        self.range_pos = sort_attrs.index(range_attr) if range_attr in sort_attrs else None
        self.range_type = types.get(range_attr) if range_attr else None
        self.partitions: dict[DynamoType, _Partition] = {}
        self.where: dict[ItemKey, tuple[DynamoType, SortKey]] = {}
        self.odd: set[ItemKey] = set()

    def entry(self, item: Item) -> tuple[DynamoType, SortKey] | None:
        attrs = item.attrs
        for attr in self.members:
            if attrs.get(attr) is None:
                return None
        values = []
        for attr, declared in zip(self.sort_attrs, self.types, strict=True):
            value = attrs.get(attr)
            if value is None or value.type != declared:
                raise _Odd
            values.append(_native(value))
        return DynamoType(attrs[self.hash_attr]), tuple(values)

    def add(self, ref: ItemKey, item: Item) -> None:
        try:
            found = self.entry(item)
        except _Odd:
            self.odd.add(ref)
            return
        if found is None:
            return
        partition_value, key = found
        partition = self.partitions.get(partition_value)
        if partition is None:
            partition = self.partitions[partition_value] = _Partition()
        at = bisect_left(partition.keys, key)
        partition.keys.insert(at, key)
        partition.refs.insert(at, ref)
        self.where[ref] = found

    def remove(self, ref: ItemKey) -> None:
        self.odd.discard(ref)
        found = self.where.pop(ref, None)
        if found is None:
            return
        partition_value, key = found
        partition = self.partitions[partition_value]
        at = bisect_left(partition.keys, key)
        if partition.refs[at] != ref:
            raise LookupError(f"the query index of view {self.name!r} lost {ref}")
        del partition.keys[at]
        del partition.refs[at]
        if not partition.keys:
            del self.partitions[partition_value]

    def bulk(self, items: list[tuple[ItemKey, Item]]) -> None:
        """Index these items (the view being empty), sorting each partition once."""
        pending: dict[DynamoType, list[tuple[SortKey, ItemKey]]] = {}
        for ref, item in items:
            try:
                found = self.entry(item)
            except _Odd:
                self.odd.add(ref)
                continue
            if found is None:
                continue
            pending.setdefault(found[0], []).append((found[1], ref))
            self.where[ref] = found
        for partition_value, entries in pending.items():
            entries.sort(key=lambda entry: entry[0])
            partition = self.partitions[partition_value] = _Partition()
            partition.keys = [key for key, _ref in entries]
            partition.refs = [ref for _key, ref in entries]

    def raw_key(self, raw: Any) -> SortKey | None:
        """The sort key of an `ExclusiveStartKey`, or None if moto may read it otherwise."""
        if not isinstance(raw, dict):
            return None
        values = []
        for attr, declared in zip(self.sort_attrs, self.types, strict=True):
            value = raw.get(attr)
            if not isinstance(value, dict) or list(value) != [declared]:
                return None
            native = _native(DynamoType(value))
            if native is None:
                return None
            values.append(native)
        return tuple(values)


def _native(value: DynamoType) -> Any:
    """What moto compares for a key value (`cast_value`), None for what this does not order."""
    if value.type == "S":
        return value.value if isinstance(value.value, str) else None
    if value.type == "N":
        try:
            number = Decimal(value.value)
        except (ArithmeticError, TypeError, ValueError):
            return None
        return number if number.is_finite() else None
    return None


def _views(table: Table) -> dict[str, _View]:
    """The table's views, as moto's `Table.query` orders and filters each (indexes whose keys
    have several attributes, or types that are not S or N, are left to moto)."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    views: dict[str, _View] = {}
    table_keys = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    if table.range_key_attr and all(types.get(attr) in ORDERED for attr in table_keys):
        views[BASE] = _View(
            BASE,
            table.hash_key_attr,
            table.range_key_attr,
            table._generate_attr_to_sort_by([table.hash_key_attr], [table.range_key_attr]),
            [table.hash_key_attr],
            types,
        )
    for index in table.all_indexes():
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) > 1:
            continue
        if ranges:
            compared: str | None = ranges[0]
            range_attrs: list[str | None] = [ranges[0], table.range_key_attr]
        else:
            compared = None  # moto refuses a sort key condition here
            if isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
                implied = table.range_key_attr
            else:
                implied = table.hash_key_attr
            range_attrs = [implied, table.range_key_attr]
        sort_attrs = table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], range_attrs)
        if not all(types.get(attr) in ORDERED for attr in [hashes[0], *sort_attrs]):
            continue
        views[index.name] = _View(
            index.name, hashes[0], compared, sort_attrs, [hashes[0], *ranges], types
        )
    return views


def _signature(table: Table) -> tuple[Any, ...]:
    return (
        table.hash_key_attr,
        table.range_key_attr,
        tuple((a["AttributeName"], a["AttributeType"]) for a in table.attr),
        tuple(
            (index.name, tuple((k["AttributeName"], k["KeyType"]) for k in index.schema))
            for index in table.all_indexes()
        ),
    )


class _TableIndex:
    def __init__(self, table: Table) -> None:
        self.signature = _signature(table)
        self.items = table.items
        self.views = _views(table)
        self.dirty: set[ItemKey] = set()
        self.max_size = 0  # of any item indexed since the build (an upper bound)
        self.all_dirty = False
        items = list(_live_items(table))
        for _ref, item in items:
            self.max_size = max(self.max_size, item.size())
        for view in self.views.values():
            view.bulk(items)

    def refresh(self, table: Table) -> None:
        dirty, self.dirty = self.dirty, set()
        for ref in dirty:
            item = _live(table, ref)
            for view in self.views.values():
                view.remove(ref)
                if item is not None:
                    view.add(ref, item)
            if item is not None:
                self.max_size = max(self.max_size, item.size())


_indexes: weakref.WeakKeyDictionary[Table, _TableIndex] = weakref.WeakKeyDictionary()


def _live_items(table: Table) -> Iterator[tuple[ItemKey, Item]]:
    for hash_value, held in list(table.items.items()):
        if table.range_key_attr is None:
            if isinstance(held, Item):
                yield (hash_value, None), held
            continue
        for range_value, item in list(held.items()):
            if isinstance(item, Item):
                yield (hash_value, range_value), item


def _live(table: Table, ref: ItemKey) -> Item | None:
    """moto's item under this key, read without creating a partition (`items` defaults)."""
    held = dict.get(table.items, ref[0])
    if held is None:
        return None
    if table.range_key_attr is None:
        return held if isinstance(held, Item) else None
    if ref[1] is None:
        return None
    item = held.get(ref[1])
    return item if isinstance(item, Item) else None


def _index(table: Table) -> _TableIndex:
    """The table's index, up to date with its items (built on the first Query)."""
    index = _indexes.get(table)
    if (
        index is None
        or index.all_dirty
        or index.items is not table.items
        or index.signature != _signature(table)
    ):
        index = _indexes[table] = _TableIndex(table)
    elif index.dirty:
        try:
            index.refresh(table)
        except LookupError:
            index = _indexes[table] = _TableIndex(table)
    return index


def _touched(table: Table, ref: ItemKey | None) -> None:
    """An item of `table` was (or may have been) written: re-read it before the next Query.
    `ref` None: any item may have been."""
    with _lock:
        index = _indexes.get(table)
        if index is None:
            return
        if ref is None:
            index.all_dirty = True
        else:
            index.dirty.add(ref)


# ------------------------------------------------------------------------ the candidates
@dataclass(frozen=True)
class _Query:
    """The arguments of moto's `Table.query` (its own names) that choose the candidates."""

    hash_key: DynamoType | None
    range_comparison: str | None
    range_objs: list[DynamoType]
    limit: Any
    exclusive_start_key: Any
    scan_index_forward: Any
    index_name: str | None = None
    hash_key_conditions: list[tuple[str, DynamoType]] | None = None
    range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None
    filter_kwargs: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def of(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Query:
        bound = signature.bind(*args, **kwargs).arguments
        names = {f.name for f in fields(_Query)}
        return _Query(**{name: value for name, value in bound.items() if name in names})


def _plan(table: Table, query: _Query) -> list[Item] | None:
    """The items to hand moto's `Table.query` instead of all the table's; None: all of them."""
    conditions = query.range_key_conditions
    if query.filter_kwargs or (conditions and len(conditions) > 1):
        return None
    if not query.index_name and table.range_key_attr is None:
        # A table without a sort key: its partition is its one item.
        if query.hash_key is None:
            return None
        held = dict.get(table.items, query.hash_key)
        return [held] if isinstance(held, Item) else []
    index = _index(table)
    view = index.views.get(query.index_name or BASE)
    if view is None or view.odd:
        return None
    found = _partition(table, view, query)
    if found is None or isinstance(found, list):
        return found
    window = _window(view, found, index.max_size, query)
    SWITCH.counts["partition" if window is None else "window"] += 1
    return _candidates(table, found, range(len(found.refs)) if window is None else window)


def _partition(table: Table, view: _View, query: _Query) -> _Partition | list[Item] | None:
    """The partition the Query reads ([]: an empty one; None: moto had better scan)."""
    if query.index_name:
        if not query.hash_key_conditions or len(query.hash_key_conditions) != 1:
            return None
        name, partition_value = query.hash_key_conditions[0]
        if name != view.hash_attr:
            return None
    elif query.hash_key is None:
        return None
    else:
        partition_value = query.hash_key
    partition = view.partitions.get(partition_value)
    if not query.index_name:
        # Not a write is known to be missed; if one was, moto scans and the index is rebuilt.
        held = dict.get(table.items, partition_value)
        if len(held or ()) != (len(partition.refs) if partition else 0):
            _touched(table, None)
            return None
    return [] if partition is None else partition


def _candidates(table: Table, partition: _Partition, positions: Iterable[int]) -> list[Item] | None:
    candidates = []
    for at in positions:
        item = _live(table, partition.refs[at])
        if item is None:  # never: the index missed a write; moto scans, the index is rebuilt
            _touched(table, None)
            return None
        candidates.append(item)
    return candidates


def _window(view: _View, partition: _Partition, max_size: int, query: _Query) -> list[int] | None:
    """The positions (ascending) of the items moto's loop would use: None when that is not
    certain, and the whole partition is handed over.

    moto walks the sorted items (reversed if not `ScanIndexForward`): it skips those up to the
    start key, stops at the first item after `limit` matches of the sort key condition (its
    `LastEvaluatedKey` is the last match) or when the page would pass 1 MB, and appends the
    matches in between. Items that do not match change nothing but that size test.
    """
    limit, forward = query.limit, query.scan_index_forward
    if not isinstance(forward, bool):
        return None
    if limit is not None and (type(limit) is not int or limit < 1):
        return None
    span = _span(view, partition.keys, query)
    if span is None:
        return None
    low, high = span
    matches = high - low if limit is None else min(high - low, limit)
    if forward:
        taken = list(range(low, low + matches))
        following = low + matches
        if limit is not None and matches == limit and following < len(partition.keys):
            taken.append(following)
    else:
        taken = list(range(high - matches, high))
        following = high - matches - 1
        if limit is not None and matches == limit and following >= 0:
            taken.insert(0, following)
    # The items left out are looked at by moto only to test the page's size: with a page
    # this far under 1 MB, no item can make it pass.
    if (matches + 1) * max_size > RESULT_SIZE_LIMIT:
        return None
    return taken


def _span(view: _View, keys: list[SortKey], query: _Query) -> tuple[int, int] | None:
    """The positions [low, high) of the items that meet the sort key condition and come
    after the start key in the walk's direction."""
    low, high = 0, len(keys)
    if query.range_comparison is not None:
        conditions = query.range_key_conditions
        range_name = conditions[-1][0] if conditions else None
        if view.range_pos is None or (range_name is not None and range_name != view.range_attr):
            return None
        bounds = _bounds(view, keys, query.range_comparison, query.range_objs)
        if bounds is None:
            return None
        low, high = bounds
    if query.exclusive_start_key is not None:
        start = view.raw_key(query.exclusive_start_key)
        if start is None:
            return None
        # moto skips items that sort before the start key, or equal it, in the walk's order.
        if query.scan_index_forward:
            low = max(low, bisect_right(keys, start))
        else:
            high = min(high, bisect_left(keys, start))
    return low, max(low, high)


def _bounds(
    view: _View, keys: list[SortKey], comparison: str, objs: list[DynamoType]
) -> tuple[int, int] | None:
    """The positions [low, high) of the items whose sort key meets the condition."""
    values = []
    for obj in objs:
        if obj.type != view.range_type:
            return None
        native = _native(obj)
        if native is None:
            return None
        values.append(native)
    pos = view.range_pos
    if pos is None:
        return None

    def first(value: Any) -> int:
        return bisect_left(keys, value, key=lambda key: key[pos])

    def after(value: Any) -> int:
        return bisect_right(keys, value, key=lambda key: key[pos])

    size = len(keys)
    if comparison == "BETWEEN" and len(values) == 2:
        return first(values[0]), max(first(values[0]), after(values[1]))
    if comparison == "BEGINS_WITH" and len(values) == 1 and isinstance(values[0], str):
        prefix: str = values[0]
        if not prefix:
            return 0, size
        if ord(prefix[-1]) == 0x10FFFF:
            return None
        return first(prefix), first(prefix[:-1] + chr(ord(prefix[-1]) + 1))
    if len(values) != 1:
        return None
    (value,) = values
    bounds = {
        "=": (first(value), after(value)),
        "<": (0, first(value)),
        "<=": (0, after(value)),
        ">": (after(value), size),
        ">=": (first(value), size),
    }
    aliases = {"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}
    return bounds.get(aliases.get(comparison, comparison))


# ------------------------------------------------------------------------------ patches
def _install_query(original: Any) -> Any:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            return original(self, *args, **kwargs)

        if not SWITCH.enabled:
            return run()
        with _lock:
            candidates = _plan(self, _Query.of(signature, (self, *args), kwargs))
            if candidates is None:
                SWITCH.counts["moto"] += 1
                return run()
            _override.table, _override.candidates = self, candidates
            try:
                indexed = _outcome(run)
            finally:
                _override.table, _override.candidates = None, []
            if SWITCH.checking:
                _check(self, indexed, _outcome(run))
        if isinstance(indexed, BaseException):
            raise indexed
        return indexed

    return query


def _check(table: Table, indexed: Any, plain: Any) -> None:
    if _comparable(indexed) != _comparable(plain):
        raise AssertionError(
            f"the query index answered {_comparable(indexed)!r}, moto {_comparable(plain)!r} "
            f"(table {table.name})"
        )


def _outcome(run: Any) -> Any:
    try:
        return run()
    except Exception as exc:  # the same error either way, raised once compared
        return exc


def _comparable(outcome: Any) -> Any:
    if isinstance(outcome, BaseException):
        return (type(outcome).__name__, str(outcome))
    items, scanned, last = outcome
    return (
        [item.to_json() for item in items],
        scanned,
        None if last is None else {k: _json(v) for k, v in last.items()},
    )


def _json(value: Any) -> Any:
    return value.to_json() if isinstance(value, DynamoType) else value


def _install_all_items(original: Any) -> Any:
    @functools.wraps(original)
    def all_items(self: Table) -> list[Item]:
        if _override.table is self:
            candidates = _override.candidates
            _override.table, _override.candidates = None, []
            return list(candidates)
        return list(original(self))

    return all_items


def _install_put(original: Any) -> Any:
    @functools.wraps(original)
    def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        item = original(self, *args, **kwargs)
        _touched(self, (item.hash_key, item.range_key))
        return item

    return put_item


def _install_delete(original: Any) -> Any:
    @functools.wraps(original)
    def delete_item(
        self: Table, hash_key: DynamoType, range_key: DynamoType | None, *args: Any
    ) -> Any:
        try:
            return original(self, hash_key, range_key, *args)
        finally:
            _touched(self, (hash_key, range_key if self.range_key_attr else None))

    return delete_item


def _key(
    backend: DynamoDBBackend, table_name: Any, raw: Any
) -> tuple[Table | None, ItemKey | None]:
    """The table and item key a request names (None: it is not one key this can tell)."""
    table = backend.tables.get(table_name)
    if table is None or not isinstance(raw, dict) or table.hash_key_attr not in raw:
        return table, None
    try:
        hash_value = DynamoType(raw[table.hash_key_attr])
        if table.range_key_attr is None:
            return table, (hash_value, None)
        if table.range_key_attr not in raw:
            return table, None
        return table, (hash_value, DynamoType(raw[table.range_key_attr]))
    except Exception:  # a malformed key, which moto refuses; anything may have changed
        return table, None


def _mark(backend: DynamoDBBackend, table_name: Any, raw: Any) -> None:
    table, ref = _key(backend, table_name, raw)
    if table is not None:
        _touched(table, ref)


def _install_update(original: Any) -> Any:
    @functools.wraps(original)
    def update_item(self: DynamoDBBackend, table_name: str, key: Any, *args: Any, **kw: Any) -> Any:
        _mark(self, table_name, key)  # moto changes the item in place
        try:
            return original(self, table_name, key, *args, **kw)
        finally:
            _mark(self, table_name, key)

    return update_item


def _install_transact(original: Any) -> Any:
    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        entries = kwargs.get("transact_items", args[0] if args else [])

        def mark() -> None:
            for entry in entries if isinstance(entries, list) else []:
                for operation in entry.values() if isinstance(entry, dict) else []:
                    if isinstance(operation, dict):
                        raw = operation.get("Key") or operation.get("Item")
                        _mark(self, operation.get("TableName"), raw)

        mark()
        try:
            return original(self, *args, **kwargs)
        finally:
            # Cancelled, atomicity.py puts the items back under moto's hand: read them again.
            mark()

    return transact_write_items


def install() -> None:
    """Answer moto's DynamoDB Query from the index, from now on, in this process."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        patches: list[tuple[Any, str, Any]] = [
            (Table, "query", _install_query),
            (Table, "all_items", _install_all_items),
            (Table, "put_item", _install_put),
            (Table, "delete_item", _install_delete),
            (DynamoDBBackend, "update_item", _install_update),
            (DynamoDBBackend, "transact_write_items", _install_transact),
        ]
        for owner, name, make in patches:
            setattr(owner, name, make(getattr(owner, name)))


# The fast path's switch, as tests and benchmarks use it.
disabled = SWITCH.disabled
set_checking = SWITCH.set_checking
counts = SWITCH.counted
