"""Places, in the Posts table (posts name them; the indexer reads the table's stream).

Keys (`pk`, `sk`):
- place:     `PLACE#<place_id>` / `PLACE`
- name cell: `PLACENAME#<cell>#<name key>` / `CELL`: the places of one name (its
  `glimpse.inputs.name_key`) in one geohash cell (glimpse.places.geo), with their points,
  and a `version` every creation in the cell moves on. A creation writes its own cell's item
  and checks the neighbours' versions in one transaction, so two creations of one name
  within 100 m never both commit (glimpse.places.service).

A place is shared data: it keeps no creator (nothing of an account to erase).
`post_count` is the counters' (public accounts' live posts there).
"""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from glimpse.models.base import Model, table_meta

PLACE = "PLACE"
CELL = "CELL"


def place_pk(place_id: str) -> str:
    return f"PLACE#{place_id}"


def place_id_of(pk: str, sk: str) -> str | None:
    """The place's id if (`pk`, `sk`) is a place item's key."""
    return pk.removeprefix("PLACE#") if sk == PLACE and pk.startswith("PLACE#") else None


def name_cell_pk(cell: str, name_key: str) -> str:
    return f"PLACENAME#{cell}#{name_key}"


class Place(Model):
    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PLACE)
    place_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_key = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    post_count = NumberAttribute(default=0)  # the counters'


class NameCell(Model):
    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=CELL)
    places = MapAttribute[str, str](default=dict)  # place id → "<lat>,<lng>"
    version = NumberAttribute(default=0)
