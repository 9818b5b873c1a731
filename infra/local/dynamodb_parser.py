"""DynamoDB's responses read by the SDK in the local cloud without walking the shape model.

The handlers' botocore clients parse every JSON response with `botocore.parsers.JSONParser`,
which walks the output shape member by member: an item is a map of `AttributeValue`s, a
structure of ten members of which one is set, so each attribute costs a dozen method calls and
a BatchGetItem of 100 items of 20 attributes some 25,000. In the local cloud that was about a
fifth of a GET /feed. The same work runs on AWS Lambda; there it is not measured against
moto's own cost, so this module changes only the local cloud's process.

`DynamoDBJSONParser` is botocore's JSON parser with one change: a value whose shape is made
of `AttributeValue`s (an item, a key, a list or map of them: the serializer's `rooted`) is
decoded in one recursive pass, doing exactly what botocore's parser does to it:

- S, N, NULL and BOOL, and each string of SS and NS, are kept as they are;
- B and each of BS are base64-decoded to bytes;
- M and L are decoded recursively; maps and lists keep their order.

Anything the pass does not recognise (an attribute value that is not a one-key dict of a known
type with a value of the expected JSON type, a `null`) hands that value back to botocore's
parser, whose parts may again take the fast pass, so the result is botocore's in every case.
The pass builds new containers and never changes the JSON it reads, so a value handed back is
read from the start.

`GLIMPSE_DYNAMODB_PARSER_CHECK=1` (or `set_checking(True)`) parses every response both ways
and raises if the results differ; `disabled()` is botocore's parser meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Any, cast

from botocore import parsers
from botocore.model import Shape

from infra.local.dynamodb_shapes import (
    BLOB,
    BLOBS,
    KINDS,
    LIST,
    MAP,
    STRINGS,
    Codec,
    Fallback,
    map_of,
    rooted,
)
from infra.local.fastpath import FastPath

SWITCH = FastPath("GLIMPSE_DYNAMODB_PARSER_CHECK", ("fast", "botocore"))
_lock = threading.Lock()
_installed = False
_Botocore: Any = parsers.JSONParser  # (botocore's stubs miss the members used here)


def _blob(value: Any) -> bytes:
    if type(value) is not str:
        raise Fallback
    try:
        return base64.b64decode(value)
    except binascii.Error:
        raise Fallback from None


def _attribute_value(value: Any) -> Any:
    """One AttributeValue as botocore's parser returns it (the same dict when unchanged)."""
    if type(value) is not dict or len(value) != 1:
        raise Fallback
    for kind, inner in value.items():
        code = KINDS.get(kind)
        if code is None or inner is None:
            raise Fallback
        if code == MAP:
            return {kind: _attribute_map(inner)}
        if code == LIST:
            if type(inner) is not list:
                raise Fallback
            return {kind: [_attribute_value(entry) for entry in inner]}
        if code == BLOB:
            return {kind: _blob(inner)}
        if code == BLOBS:
            if type(inner) is not list:
                raise Fallback
            return {kind: [_blob(entry) for entry in inner]}
        if code == STRINGS and type(inner) is not list:
            raise Fallback
        return value  # S, N, NULL, BOOL, SS, NS: botocore keeps the JSON value
    raise Fallback


# A map of AttributeValues (an item); an empty name is left to botocore, as anything odd is.
_attribute_map = map_of(_attribute_value)


# Shape objects are cached by botocore's models; the entry keeps the shape alive, so its id
# is never reused for another shape.
_decoders: dict[int, tuple[Shape, Codec | None]] = {}


def _decoder(shape: Shape) -> Codec | None:
    entry = _decoders.get(id(shape))
    if entry is None or entry[0] is not shape:
        with _lock:
            entry = _decoders[id(shape)] = (
                shape,
                rooted(shape, _attribute_value, _attribute_map),
            )
    return entry[1]


class DynamoDBJSONParser(_Botocore):  # type: ignore[misc]
    """botocore's JSON parser; items, keys and lists of them in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default_blobs = getattr(self._blob_parser, "__func__", None) is getattr(
            parsers.ResponseParser, "_default_blob_parser", ()
        )
        self._fast = bool(SWITCH.enabled) and default_blobs

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        parsed = super().parse(response, shape)
        if self._fast and SWITCH.checking:
            plain = _Botocore(self._timestamp_parser, self._blob_parser).parse(response, shape)
            if plain != parsed:
                raise AssertionError(
                    f"the fast DynamoDB parser read {parsed!r:.2000} where botocore reads "
                    f"{plain!r:.2000}"
                )
        return parsed

    def _parse_shape(self, shape: Shape, node: Any) -> Any:
        if self._fast:
            decode = _decoder(shape)
            if decode is not None:
                try:
                    decoded = decode(node)
                except Fallback:
                    SWITCH.counts["botocore"] += 1
                else:
                    SWITCH.counts["fast"] += 1
                    return decoded
        return super()._parse_shape(shape, node)


def install() -> None:
    """Every botocore client in this process parses JSON responses with `DynamoDBJSONParser`."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        cast(Any, parsers.PROTOCOL_PARSERS)["json"] = DynamoDBJSONParser


# The fast path's switch, as tests and benchmarks use it.
disabled = SWITCH.disabled
set_checking = SWITCH.set_checking
counts = SWITCH.counted
