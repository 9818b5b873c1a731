"""The shapes made of DynamoDB `AttributeValue`s, as the local cloud's fast paths know them.

An item, a key, a list or map of them (`rooted`): the DynamoDB serializer (moto's side,
`dynamodb_serializer.py`) and parser (the SDK's side, `dynamodb_parser.py`) each code such a
value in one recursive pass instead of walking the shape model, given the codec of one
`AttributeValue` and of a map of them. A pass that meets a value it does not take raises
`Fallback`, and the caller hands the value to the library's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

Codec = Callable[[Any], Any]

# The members of `AttributeValue` and the shape type of each (or of its list's members).
MEMBERS = {
    "S": "string",
    "N": "string",
    "B": "blob",
    "SS": "list:string",
    "NS": "list:string",
    "BS": "list:blob",
    "M": "map:AttributeValue",
    "L": "list:AttributeValue",
    "NULL": "boolean",
    "BOOL": "boolean",
}
# What a pass does with each member's value.
STRING, AS_IS, BLOB, STRINGS, BLOBS, MAP, LIST = range(7)
KINDS = {
    "S": STRING,
    "N": STRING,
    "NULL": AS_IS,
    "BOOL": AS_IS,
    "B": BLOB,
    "SS": STRINGS,
    "NS": STRINGS,
    "BS": BLOBS,
    "M": MAP,
    "L": LIST,
}


class Fallback(Exception):
    """A value the fast pass does not take: the library's own code does."""


def map_of(code: Codec) -> Codec:
    def code_map(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise Fallback
        coded = {}
        for name, entry in value.items():
            if type(name) is not str or not name:
                raise Fallback
            coded[name] = code(entry)
        return coded

    return code_map


def list_of(code: Codec) -> Codec:
    def code_list(value: Any) -> list[Any]:
        if type(value) is not list:
            raise Fallback
        return [code(entry) for entry in value]

    return code_list


def is_attribute_value(shape: Shape) -> bool:
    """The `AttributeValue` structure, exactly as this module knows it."""
    if not isinstance(shape, StructureShape) or shape.name != "AttributeValue":
        return False
    if set(shape.members) != set(MEMBERS) or getattr(shape, "is_tagged_union", False):
        return False
    for name, member in shape.members.items():
        kind = member.type_name
        if isinstance(member, ListShape | MapShape):
            inner = member.member if isinstance(member, ListShape) else member.value
            kind = f"{kind}:{inner.name if inner.type_name == 'structure' else inner.type_name}"
            if inner.serialization.get("name"):
                return False
        if kind != MEMBERS[name] or member.serialization.get("name"):
            return False
        if kind.startswith("list") and member.name in MEMBERS:  # moto would look it up first
            return False
    return True


def rooted(shape: Shape, attribute_value: Codec, attribute_map: Codec) -> Codec | None:
    """The fast codec of a shape made of AttributeValues (None for any other shape)."""
    if shape.serialization.get("name"):
        return None
    if is_attribute_value(shape):
        return attribute_value
    if isinstance(shape, MapShape):
        inner = rooted(shape.value, attribute_value, attribute_map)
        if inner is None:
            return None
        return attribute_map if inner is attribute_value else map_of(inner)
    if isinstance(shape, ListShape):
        inner = rooted(shape.member, attribute_value, attribute_map)
        return list_of(inner) if inner is not None else None
    return None
