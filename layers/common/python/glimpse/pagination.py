"""How a list pages, for every list: the cursor, the query, and whether there is more.

`query_page` reads `limit + 1` items, so a page is followed by a `next_cursor` only when an
item really follows (never an empty last page), and the cursor is the last item's sort key,
sealed for this list (glimpse.cursors: encrypted and authenticated, bound to the list). Lists
that merge several sources (the feed) keep their own position but seal it the same way
(`encode_cursor`, `decode_cursor`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pynamodb.models import Model

from glimpse import cursors
from glimpse.adapters.secrets import cursor_key
from glimpse.errors import BadRequest, field_error
from glimpse.schema import Schema


class Page[T](Schema):
    """A list response: `{"items": [...], "next_cursor": "<opaque>" | null}`."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(list_id: str, position: dict[str, Any]) -> str:
    return cursors.seal(cursor_key(), list_id, position)


def decode_cursor(list_id: str, cursor: str | None) -> dict[str, Any] | None:
    return cursors.unseal(cursor_key(), list_id, cursor)


def query_page[M](
    item_type: type[M],
    query: Callable[..., Any],
    hash_key: str,
    sort_key: Any,
    key_of: Callable[[M], str],
    *,
    list_id: str,
    cursor: str | None,
    limit: int,
    prefix: str = "",
    newest_first: bool = False,
    **options: Any,
) -> tuple[list[M], str | None]:
    """One page of the `item_type` items in partition `hash_key` whose sort key starts with
    `prefix`, in sort-key order (descending with `newest_first`): `query` is a PynamoDB
    `Model.query` or index query, `sort_key` its range attribute, `key_of` an item's sort key."""
    if newest_first and prefix:
        raise ValueError("newest-first lists cover their whole partition (no prefix)")
    position = decode_cursor(list_id, cursor)
    after = position.get("after") if position else None
    if position is not None and not isinstance(after, str):  # e.g. a cursor of an older release
        raise BadRequest("The cursor is not valid for this list.", [field_error("cursor", "stale")])
    if after is None:
        condition = sort_key.startswith(prefix) if prefix else None
    elif newest_first:
        condition = sort_key < after
    else:
        condition = sort_key.between(after + "\x00", prefix + "\uffff")
    found = query(
        hash_key, condition, limit=limit + 1, scan_index_forward=not newest_first, **options
    )
    items: list[M] = list(found)
    more = len(items) > limit
    items = items[:limit]
    return items, encode_cursor(list_id, {"after": key_of(items[-1])}) if more else None


def partition_page[M: Model](
    model: type[M],
    hash_key: str,
    *,
    list_id: str,
    cursor: str | None,
    limit: int,
    prefix: str = "",
    newest_first: bool = False,
) -> tuple[list[M], str | None]:
    """`query_page` over a table's own keys (`pk`, `sk`): most lists."""
    keyed: Any = model
    return query_page(
        model,
        keyed.query,
        hash_key,
        keyed.sk,
        lambda item: str(cast(Any, item).sk),
        list_id=list_id,
        cursor=cursor,
        limit=limit,
        prefix=prefix,
        newest_first=newest_first,
    )


def keyed_page[M: Model](
    query: Callable[..., Any],
    hash_key: str,
    key_attributes: tuple[str, ...],
    *,
    list_id: str,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
) -> tuple[list[M], str | None]:
    """One page of an index partition whose sort key is not unique (a count): the position
    is the last item's keys as DynamoDB's `ExclusiveStartKey` names them (`key_attributes`:
    the table's and the index's keys), sealed as every cursor is."""
    position = decode_cursor(list_id, cursor)
    start = position.get("start") if position else None
    if position is not None and not isinstance(start, dict):
        raise BadRequest("The cursor is not valid for this list.", [field_error("cursor", "stale")])
    found = query(
        hash_key,
        limit=limit + 1,
        scan_index_forward=not newest_first,
        last_evaluated_key=start,
    )
    items: list[M] = list(found)
    more = len(items) > limit
    items = items[:limit]
    if not more:
        return items, None
    serialized = items[-1].serialize()
    return items, encode_cursor(list_id, {"start": {a: serialized[a] for a in key_attributes}})
