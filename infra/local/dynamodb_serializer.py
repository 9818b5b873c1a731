"""DynamoDB's responses on moto, items encoded without walking botocore's shape model.

moto turns every response into JSON with a generic serializer (`moto.core.serialize`) that
walks the operation's output shape member by member: for each member it looks the value up
under several aliases, appends to a path, dispatches on the shape's type. An item is a map of
`AttributeValue`s, a structure of ten members (S, N, B, SS, NS, BS, M, L, NULL, BOOL) of which
one is set, so each attribute costs some thirty such steps, and a BatchGetItem of 100 items of
20 attributes about 60,000. That was ~78% of a GET /feed in the local cloud.

Here the serializer moto picks for `dynamodb` and `dynamodbstreams` (its per-service table,
`SERVICE_SPECIFIC_SERIALIZERS`) is moto's own JSON serializer with one change: a value whose
shape is made of `AttributeValue`s (an item, a key, a list of them, a map of table names to
lists of them: `dynamodb_shapes.rooted`) is encoded in one recursive pass over the dicts the
handler built, applying exactly what moto's serializer does to them:

- a type's value is kept as it is for S, N (strings), NULL and BOOL, each string of SS and NS;
- B and each of BS is base64 (of the UTF-8 bytes when it is a string);
- M and L are encoded recursively; maps and lists keep their order.

Everything else (the response's envelope: Count, ScannedCount, ConsumedCapacity's member
order and floats, UnprocessedKeys' other members, errors, every other operation) is moto's
code, and so is the body's `json.dumps`. Whatever the fast pass does not recognise as one of
the above (an attribute value that is not a one-key dict of a known type with a value of the
expected Python type, an empty attribute name, a `None`) makes it hand that value back to
moto's serializer, which then handles it (its parts may again take the fast pass), so the
output is moto's in every case. When moto is set to pretty-print or some response transformer
is registered for DynamoDB, moto's serializer does everything.

`GLIMPSE_DYNAMODB_SERIALIZER_CHECK=1` (or `set_checking(True)`) serializes every response both
ways and raises if the bodies differ; `disabled()` is moto's serializer meanwhile.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from botocore.model import Shape
from moto.core import model as moto_model
from moto.core import serialize as moto_serialize

from infra.local.dynamodb_shapes import (
    AS_IS,
    BLOB,
    BLOBS,
    KINDS,
    LIST,
    MAP,
    STRING,
    STRINGS,
    Codec,
    Fallback,
    map_of,
    rooted,
)
from infra.local.fastpath import FastPath

SERVICES = ("dynamodb", "dynamodbstreams")

_lock = threading.Lock()
_installed = False
SWITCH = FastPath("GLIMPSE_DYNAMODB_SERIALIZER_CHECK", ("fast", "moto"))


def _blob(value: Any) -> str:
    if type(value) is str:
        value = value.encode("utf-8")
    elif type(value) is not bytes:
        raise Fallback
    return base64.b64encode(value).decode("utf-8")


def _attribute_value(value: Any) -> Any:
    """One AttributeValue as moto's serializer writes it (the same dict when unchanged)."""
    if type(value) is not dict or len(value) != 1:
        raise Fallback
    for kind, inner in value.items():
        code = KINDS.get(kind)
        if code == STRING:
            if type(inner) is not str:
                raise Fallback
            return value
        if code == MAP:
            return {kind: _attribute_map(inner)}
        if code == AS_IS:
            if inner is None:
                raise Fallback
            return value
        if code == LIST:
            if type(inner) is not list:
                raise Fallback
            return {kind: [_attribute_value(entry) for entry in inner]}
        if code == STRINGS:
            if type(inner) is not list or not all(type(entry) is str for entry in inner):
                raise Fallback
            return value
        if code == BLOB:
            return {kind: _blob(inner)}
        if code == BLOBS:
            if type(inner) is not list:
                raise Fallback
            return {kind: [_blob(entry) for entry in inner]}
    raise Fallback


# A map of AttributeValues (an item): string names, none empty (moto's serializer would
# fail on one), each value encoded.
_attribute_map = map_of(_attribute_value)


_encoders: dict[tuple[str, str, str], Codec | None] = {}


def _encoder(service: str, shape: Shape) -> Codec | None:
    key = (service, shape.name, shape.type_name)
    try:
        return _encoders[key]
    except KeyError:
        found = _encoders[key] = rooted(shape, _attribute_value, _attribute_map)
        return found


class DynamoDBSerializer(moto_serialize.JSONSerializer):
    """moto's JSON serializer; items, keys and lists of them in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        transformers = getattr(self._value_picker, "response_transformers", None)
        self._fast = bool(SWITCH.enabled) and not self.pretty_print and not transformers
        self._service = str(self.service_model.service_name)

    def serialize(self, result: Any) -> Any:
        response = super().serialize(result)
        if self._fast and SWITCH.checking:
            plain = moto_serialize.JSONSerializer(
                operation_model=self.operation_model,
                pretty_print=self.pretty_print,
                value_picker=self._value_picker,
            ).serialize(result)
            if plain != response:
                raise AssertionError(_difference(self.operation_name, plain, response))
        return response

    def _serialize(self, serialized: Any, value: Any, shape: moto_model.Shape, key: str) -> None:
        if self._fast and key and isinstance(key, str):  # moto's path joins the keys
            encode = _encoder(self._service, shape)
            if encode is not None:
                try:
                    encoded = encode(value)
                except Fallback:
                    SWITCH.counts["moto"] += 1
                else:
                    SWITCH.counts["fast"] += 1
                    self._default_serialize(serialized, encoded, shape, key)
                    return
        super()._serialize(serialized, value, shape, key)


def _difference(operation: str, plain: Any, fast: Any) -> str:
    body, other = str(plain.get("body")), str(fast.get("body"))
    at = next((i for i, (a, b) in enumerate(zip(body, other, strict=False)) if a != b), 0)
    if body == other:
        body, other = str(plain), str(fast)
    return (
        f"{operation}: the fast DynamoDB serializer wrote ...{other[max(at - 80, 0) : at + 80]}... "
        f"where moto writes ...{body[max(at - 80, 0) : at + 80]}..."
    )


def install() -> None:
    """moto serializes DynamoDB (and DynamoDB Streams) responses with `DynamoDBSerializer`."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        for service in SERVICES:
            moto_serialize.SERVICE_SPECIFIC_SERIALIZERS.setdefault(service, {})["json"] = (
                DynamoDBSerializer
            )


# The fast path's switch, as tests and benchmarks use it.
disabled = SWITCH.disabled
set_checking = SWITCH.set_checking
counts = SWITCH.counted
