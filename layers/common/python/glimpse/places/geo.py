"""Distances and the grid places are de-duplicated on (geohash cells).

A cell is a geohash of CELL_PRECISION characters: 0.0110 degrees of longitude by 0.0055 of
latitude (about 1.2 km by 0.6 km at the equator, narrower towards the poles). Two points
within `radius` metres lie in the same cell or in cells at most `span` cells apart, which
`around` lists: one cell each way along latitude, and as many along longitude as the
narrowing needs (capped at MAX_SPAN, so beyond about 89.5 degrees of latitude a pair of
points can be missed: nobody names places there).
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
CELL_PRECISION = 6
MAX_SPAN = 10
_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_LNG_BITS = (CELL_PRECISION * 5 + 1) // 2
_LAT_BITS = CELL_PRECISION * 5 // 2
CELL_WIDTH = 360 / 2**_LNG_BITS  # degrees of longitude
CELL_HEIGHT = 180 / 2**_LAT_BITS  # degrees of latitude
_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def cell(lat: float, lng: float) -> str:
    """The geohash of (lat, lng), CELL_PRECISION characters."""
    lat_range, lng_range = [-90.0, 90.0], [-180.0, 180.0]
    bits: list[int] = []
    for i in range(CELL_PRECISION * 5):
        span, value = (lng_range, lng) if i % 2 == 0 else (lat_range, lat)
        middle = (span[0] + span[1]) / 2
        if value >= middle:
            bits.append(1)
            span[0] = middle
        else:
            bits.append(0)
            span[1] = middle
    return "".join(
        _BASE32[int("".join(map(str, bits[i : i + 5])), 2)] for i in range(0, len(bits), 5)
    )


def _wrap(lng: float) -> float:
    return (lng + 180) % 360 - 180


def around(lat: float, lng: float, radius_m: float) -> list[str]:
    """The cells that may hold a point within `radius_m` of (lat, lng), its own first."""
    rows = math.ceil(radius_m / (CELL_HEIGHT * _METRES_PER_DEGREE))
    edge = min(89.999, abs(lat) + rows * CELL_HEIGHT)  # the row nearest a pole is narrowest
    width = CELL_WIDTH * _METRES_PER_DEGREE * math.cos(math.radians(edge))
    columns = min(MAX_SPAN, math.ceil(radius_m / width))
    found = [cell(lat, lng)]
    for dy in range(-rows, rows + 1):
        y = lat + dy * CELL_HEIGHT
        if not -90 <= y <= 90:
            continue
        for dx in range(-columns, columns + 1):
            name = cell(y, _wrap(lng + dx * CELL_WIDTH))
            if name not in found:
                found.append(name)
    return found
