"""Places: `get` one, `create` one (or find the one it duplicates).

De-duplication: a place is the same place as an existing one when its name's `name_key`
(glimpse.inputs: case, accents and whitespace aside) is equal and it lies within RADIUS_M.
The places of one name are kept per geohash cell (`NameCell`, glimpse.models.places); a
creation reads the cells around its point (glimpse.places.geo.around), answers the nearest
place within the radius if there is one, and otherwise commits, in one transaction, the
place, its own cell's item moved to the next version, and a check that every other cell
around it is still at the version read. Two concurrent creations of one name within the
radius each write their own cell and check the other's (the cells lie around each other), so
one of them fails, reads again and finds the other's place: one place, under any race.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from glimpse.clock import new_id, now
from glimpse.errors import BadRequest, NotFound, field_error
from glimpse.inputs import ULID_PATTERN, name_key
from glimpse.models.base import Model, get_or_none, str_map
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.places import CELL, PLACE, NameCell, Place, name_cell_pk, place_pk
from glimpse.models.transactions import ConditionFailed, Contention, transaction
from glimpse.places import geo
from glimpse.places.schemas import RADIUS_M, PlaceCreate, PlaceOut

ATTEMPTS = 5  # creations lost to a concurrent one in a cell around before answering 429


@dataclass(frozen=True)
class Created:
    place: PlaceOut
    created: bool  # False: an existing place within the radius (200, not 201)


def view(place: Place) -> PlaceOut:
    return PlaceOut(
        place_id=place.place_id,
        name=place.name,
        lat=float(place.lat),
        lng=float(place.lng),
        post_count=max(0, int(place.post_count or 0)),
    )


def get(place_id: str) -> PlaceOut:
    """The place, or NotFound (an id that is no ULID names none: not even read)."""
    if not re.fullmatch(ULID_PATTERN, place_id):
        raise NotFound("No such place.")
    place = get_or_none(Place, place_pk(place_id), PLACE, consistent=False)
    if place is None:
        raise NotFound("No such place.")
    return view(place)


def key(place_id: str) -> tuple[type[Model], Key]:
    """The place's key, for a BatchGetItem that reads it with other things (a post's view)."""
    return (Place, (place_pk(place_id), PLACE))


def keys(place_id: str | None) -> list[tuple[type[Model], Key]]:
    return [key(place_id)] if place_id else []


def shown(fetched: Fetched, place_id: str | None) -> PlaceOut | None:
    """The place a post or story names, from what `keys` read (None: none, or not found)."""
    place = fetched.get(Place, key(place_id)[1]) if place_id else None
    return view(place) if place is not None else None


def require(fetched: Fetched, place_id: str | None, field: str = "place_id") -> Place | None:
    """The place a post or story is given, from what `keys` read (None: it names none); an
    unknown id is a 400 on `field`."""
    if not place_id:
        return None
    place = fetched.get(Place, key(place_id)[1])
    if place is None:
        raise BadRequest("No such place.", [field_error(field, "no such place")])
    return place


def existing(place_id: str | None, field: str = "place_id") -> Place | None:
    """The place a post or story names (None: it names none), read alone; an unknown id is a
    400 on `field`."""
    return require(get_many(keys(place_id)), place_id, field)


def create(name: str, lat: float, lng: float) -> Created:
    """The place `name` at (lat, lng): a new one, or the nearest of that name within
    RADIUS_M (see the module's doc). The name is validated as `POST /places` takes it."""
    shown = PlaceCreate(name=name, lat=lat, lng=lng).name.strip()
    key = name_key(shown)
    cells = geo.around(lat, lng, RADIUS_M)
    for _attempt in range(ATTEMPTS):
        fetched = get_many(
            [(NameCell, (name_cell_pk(c, key), CELL)) for c in cells], consistent=True
        )
        found = {c: fetched.get(NameCell, (name_cell_pk(c, key), CELL)) for c in cells}
        nearest = _nearest(found.values(), lat, lng)
        if nearest is not None:
            place = get_or_none(Place, place_pk(nearest), PLACE)
            if place is not None:
                return Created(view(place), created=False)
        place_id = new_id()
        place = Place(
            place_pk(place_id),
            PLACE,
            place_id=place_id,
            name=shown,
            name_key=key,
            lat=lat,
            lng=lng,
            created_at=now(),
        )
        try:
            _commit(place, key, cells, found)
        except ConditionFailed:
            continue  # a creation around committed first: read again
        return Created(view(place), created=True)
    raise Contention()


def _nearest(cells: Iterable[NameCell | None], lat: float, lng: float) -> str | None:
    """The id of the nearest place within RADIUS_M in the cells read (None: there is none)."""
    best: tuple[float, str] | None = None
    for item in cells:
        if item is None:
            continue
        for place_id, point in str_map(item.places).items():
            p_lat, p_lng = (float(v) for v in point.split(","))
            distance = geo.distance_m(lat, lng, p_lat, p_lng)
            if distance <= RADIUS_M and (best is None or distance < best[0]):
                best = (distance, place_id)
    return best[1] if best else None


def _commit(place: Place, key: str, cells: list[str], found: dict[str, NameCell | None]) -> None:
    own, *others = cells
    with transaction() as tx:
        tx.save(place, condition=Place.pk.does_not_exist())
        mine = found[own]
        point = f"{float(place.lat)!r},{float(place.lng)!r}"
        version = int(mine.version) if mine is not None else 0
        tx.update(
            NameCell(name_cell_pk(own, key), CELL),
            actions=[
                NameCell.places[place.place_id].set(point)  # type: ignore[attr-defined]
                if mine is not None
                else NameCell.places.set({place.place_id: point}),
                NameCell.version.set(version + 1),
            ],
            condition=(
                NameCell.version == version if mine is not None else NameCell.pk.does_not_exist()
            ),
            name="cell",
        )
        for other in others:
            item = found[other]
            tx.condition_check(
                NameCell,
                name_cell_pk(other, key),
                CELL,
                NameCell.version == int(item.version)
                if item is not None
                else NameCell.pk.does_not_exist(),
                name=f"around:{other}",
            )
