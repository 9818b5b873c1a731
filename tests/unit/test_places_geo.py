"""The geometry places are de-duplicated with, and the name they are compared by."""

from __future__ import annotations

import random

import pytest

from glimpse.inputs import name_key
from glimpse.places import geo


def test_haversine_distances() -> None:
    assert geo.distance_m(0, 0, 0, 0) == 0
    # one degree of latitude: 111.195 km on the mean sphere
    assert geo.distance_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)
    # Paris (Notre-Dame) to London (St Paul's): about 341 km
    assert geo.distance_m(48.8530, 2.3499, 51.5138, -0.0984) == pytest.approx(341_000, rel=0.01)
    # across the antimeridian
    assert geo.distance_m(0, 179.9995, 0, -179.9995) == pytest.approx(111.2, rel=1e-3)


def test_geohash_cells() -> None:
    assert geo.cell(57.64911, 10.40744) == "u4pruy"  # the geohash.org example, 6 characters
    assert geo.cell(-90, -180) == "000000"
    assert geo.cell(90, 180) == "zzzzzz"


@pytest.mark.parametrize("lat", [0.0, 48.2, -33.9, 60.0, 75.0, 85.0, 89.0])
def test_points_within_the_radius_lie_in_the_cells_around(lat: float) -> None:
    rng = random.Random(lat)
    for _ in range(300):
        lng = rng.uniform(-180, 180)
        around = set(geo.around(lat, lng, 100))
        bearing, metres = rng.uniform(0, 360), rng.uniform(0, 100)
        dlat = metres * geo.math.cos(geo.math.radians(bearing)) / 111_195
        dlng = (
            metres
            * geo.math.sin(geo.math.radians(bearing))
            / (111_195 * geo.math.cos(geo.math.radians(lat)))
        )
        other_lat, other_lng = lat + dlat, (lng + dlng + 180) % 360 - 180
        if geo.distance_m(lat, lng, other_lat, other_lng) <= 100:
            assert geo.cell(other_lat, other_lng) in around


def test_the_cells_around_fit_one_transaction() -> None:
    assert len(geo.around(0, 0, 100)) == 9
    assert len(geo.around(89.9, 0, 100)) <= 3 * (2 * geo.MAX_SPAN + 1) < 99


def test_names_compare_without_case_accents_and_spaces() -> None:
    assert name_key("Café  Central") == name_key("CAFE CENTRAL") == name_key("cafécentral")
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Café Central") != name_key("Café Centrale")
