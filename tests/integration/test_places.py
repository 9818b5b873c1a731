"""Places through the search function's handler against moto: creation and its
de-duplication (same name modulo case, accents and spaces within 100 m; also under racing
creations), reading one, and bad input refused with nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from glimpse.models.places import NameCell, Place
from glimpse.places import geo, service
from tests.integration.conftest import Stack
from tests.integration.social import api, make_media, make_user, profile, settle
from tests.integration.test_stories import story_media

# Vienna, Stephansplatz; points north of it by `metres`.
LAT, LNG = 48.2085, 16.3731


def north(metres: float) -> float:
    return LAT + metres / (geo.EARTH_RADIUS_M * 3.141592653589793 / 180)


def create(body: dict[str, Any]) -> tuple[int, Any]:
    return api("search", "create_place", make_user(), body=body)


def places_named(name_key: str) -> list[Place]:
    return [p for p in Place.scan() if p.sk == "PLACE" and p.name_key == name_key]


def test_a_place_is_created_and_read(stack: Stack) -> None:
    status, made = create({"name": "  Café Central ", "lat": LAT, "lng": LNG})
    assert status == 201, made
    assert made["name"] == "Café Central"
    assert (made["lat"], made["lng"], made["post_count"]) == (LAT, LNG, 0)
    status, read = api("search", "get_place", make_user(), {"place_id": made["place_id"]})
    assert (status, read) == (200, made)


def test_coordinates_are_kept_to_a_centimetre(stack: Stack) -> None:
    """A number DynamoDB cannot hold (under 1e-130) is no 500: degrees are rounded to 7 places."""
    status, made = create(
        {"name": "Null Island", "lat": 1.4697357263164287e-230, "lng": 2.123456789}
    )
    assert status == 201, made
    assert (made["lat"], made["lng"]) == (0.0, 2.1234568)


def test_the_same_name_nearby_is_the_same_place(stack: Stack) -> None:
    status, first = create({"name": "Blue Heron Bar", "lat": LAT, "lng": LNG})
    assert status == 201
    for name, lat in [
        ("blue heron bar", north(60)),
        ("BLUE  HÉRON BAR", north(-90)),
        ("BlueHeronBar", north(99)),
    ]:
        status, again = create({"name": name, "lat": lat, "lng": LNG})
        assert (status, again["place_id"]) == (200, first["place_id"]), name
    status, far = create({"name": "Blue Heron Bar", "lat": north(250), "lng": LNG})
    assert status == 201
    assert far["place_id"] != first["place_id"]
    status, other = create({"name": "Blue Heron Café", "lat": LAT, "lng": LNG})
    assert status == 201
    assert other["place_id"] != first["place_id"]
    assert len(places_named("blueheronbar")) == 2


def test_a_place_across_a_cell_border_is_found(stack: Stack) -> None:
    """Two points 40 m apart on either side of a geohash cell border are one place."""
    border = -180 + geo.CELL_WIDTH * round((LNG + 180) / geo.CELL_WIDTH)
    metres = geo.CELL_WIDTH * geo.EARTH_RADIUS_M * 3.141592653589793 / 180 * 0.77  # at 48°
    east, west = border + 0.0002, border - 0.0002
    assert geo.cell(LAT, east) != geo.cell(LAT, west)
    assert geo.distance_m(LAT, east, LAT, west) < 100 < metres
    status, first = create({"name": "Border Kiosk", "lat": LAT, "lng": east})
    status2, second = create({"name": "border kiosk", "lat": LAT, "lng": west})
    assert (status, status2) == (201, 200)
    assert second["place_id"] == first["place_id"]


def test_racing_creations_nearby_make_one_place(stack: Stack) -> None:
    border = -180 + geo.CELL_WIDTH * round((LNG + 180) / geo.CELL_WIDTH)
    points = [(LAT, border + 0.0001 * (i % 2 * 2 - 1)) for i in range(8)]  # both sides

    def one(point: tuple[float, float]) -> tuple[int, str]:
        # the service itself: the resolver serves one request at a time per process
        made = service.create("Race Café", point[0], point[1])
        return (201 if made.created else 200), made.place.place_id

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, points))
    assert {place_id for _s, place_id in results} == {results[0][1]}
    assert sorted(s for s, _p in results) == [200] * 7 + [201]
    assert len(places_named("racecafe")) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "lat": 90.5, "lng": 0},
        {"name": "x", "lat": -91, "lng": 0},
        {"name": "x", "lat": 0, "lng": 180.01},
        {"name": "x", "lat": 0, "lng": -181},
        {"name": "x", "lat": "1", "lng": 0},
        {"name": "x", "lat": True, "lng": 0},
        {"name": "x", "lat": None, "lng": 0},
        {"name": "x", "lng": 0},
        {"name": "   ", "lat": 0, "lng": 0},
        {"name": "", "lat": 0, "lng": 0},
        {"name": "n" * 101, "lat": 0, "lng": 0},
        {"name": "a\u0000b", "lat": 0, "lng": 0},
        {"name": "x", "lat": 0, "lng": 0, "creator": "me"},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(stack: Stack, body: dict[str, Any]) -> None:
    before = sum(1 for _ in Place.scan())
    status, answer = create(body)
    assert status == 400, answer
    assert answer["error"]["code"] == "bad_request"
    assert sum(1 for _ in Place.scan()) == before


def test_an_unknown_place_is_a_404(stack: Stack) -> None:
    for place_id in ("01JD0Z8Q5M3S4V6X7Y8Z9A0P1A", "x" * 3000, "PLACENAME#a#b"):
        status, body = api("search", "get_place", make_user(), {"place_id": place_id})
        assert status == 404, body
    missing = {"place_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0P1A"}
    status, body = api("search", "get_place", make_user(), missing)
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_a_name_cell_holds_every_place_of_its_name_in_it(stack: Stack) -> None:
    _s, one = create({"name": "Twin", "lat": LAT, "lng": LNG})
    _s, two = create({"name": "Twin", "lat": north(150), "lng": LNG})
    assert one["place_id"] != two["place_id"]
    cells = [c for c in NameCell.scan() if c.pk.endswith("#twin")]
    held = {place_id for c in cells for place_id in c.places.as_dict()}
    assert held == {one["place_id"], two["place_id"]}


# ------------------------------------------------------------------ posts and their places
def place_at(name: str) -> dict[str, Any]:
    status, made = create({"name": name, "lat": LAT, "lng": LNG})
    assert status in (200, 201), made
    return made


def place_count(place_id: str) -> int:
    return int(api("search", "get_place", make_user(), {"place_id": place_id})[1]["post_count"])


def publish(user: Any, place_id: str | None) -> tuple[int, Any]:
    body = {"media_ids": [make_media(user)], **({"place_id": place_id} if place_id else {})}
    return api("posts", "create_post", user, body=body)


def test_a_post_at_a_place_shows_it_and_counts_there(stack: Stack) -> None:
    spot = place_at("Counted Corner")
    author, private = make_user(), make_user(private=True)
    status, made = publish(author, spot["place_id"])
    assert status == 201, made
    assert made["place"] == spot
    assert made["location"] is None  # the free-text location is apart from the place
    status, _private_post = publish(private, spot["place_id"])
    assert status == 201
    settle(deliveries=2)  # twice: counted once all the same
    assert place_count(spot["place_id"]) == 1  # the private account's post does not count
    status, read = api("posts", "get_post", make_user(), {"post_id": made["post_id"]})
    assert read["place"] == {**spot, "post_count": 1}

    status, _none = api("posts", "delete_post", author, {"post_id": made["post_id"]})
    assert status == 204
    settle()
    assert place_count(spot["place_id"]) == 0


def test_an_unknown_or_malformed_place_is_a_400_and_nothing_is_posted(stack: Stack) -> None:
    author = make_user()
    for place_id in ("01JD0Z8Q5M3S4V6X7Y8Z9A0P1A", "nope", ""):
        status, body = api(
            "posts",
            "create_post",
            author,
            body={"media_ids": [make_media(author)], "place_id": place_id},
        )
        assert status == 400, body
        assert body["error"]["details"][0]["field"].endswith("place_id")
    assert not profile(author).last_post_id


def test_an_edit_moves_a_post_between_places(stack: Stack) -> None:
    here, there = place_at("Edit From"), place_at("Edit To")
    author = make_user()
    _s, made = publish(author, here["place_id"])
    settle()
    post_id = {"post_id": made["post_id"]}
    status, edited = api(
        "posts", "edit_post", author, post_id, body={"place_id": there["place_id"]}
    )
    assert status == 200, edited
    assert edited["place"]["place_id"] == there["place_id"]
    settle()
    assert (place_count(here["place_id"]), place_count(there["place_id"])) == (0, 1)
    status, bad = api(
        "posts", "edit_post", author, post_id, body={"place_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0P1A"}
    )
    assert status == 400, bad
    status, cleared = api("posts", "edit_post", author, post_id, body={"place_id": ""})
    assert (status, cleared["place"]) == (200, None)
    settle()
    assert place_count(there["place_id"]) == 0
    status, _other = api(
        "posts", "edit_post", make_user(), post_id, body={"place_id": here["place_id"]}
    )
    assert status == 403


def test_a_removed_post_leaves_its_place_count_until_restored(stack: Stack) -> None:
    spot = place_at("Moderated Spot")
    author = make_user()
    _s, made = publish(author, spot["place_id"])
    settle()
    assert place_count(spot["place_id"]) == 1
    action = {"target_type": "post", "target_id": made["post_id"]}
    moderator = make_user()
    for kind, expected in (("remove", 0), ("remove", 0), ("restore", 1)):
        status, body = api(
            "moderation",
            "moderation_action",
            moderator,
            body={**action, "action": kind},
            groups="moderators",
        )
        assert status == 204, body
        settle()
        assert place_count(spot["place_id"]) == expected, kind


# ------------------------------------------------------------------ stories and their places
def test_a_story_takes_a_place_and_shows_it(stack: Stack) -> None:
    spot = place_at("Story Steps")
    owner, follower = make_user(), make_user()
    assert api("graph", "follow", follower, {"username": owner.username})[0] == 200
    body = {"media_id": story_media(stack, owner), "place_id": spot["place_id"]}
    status, made = api("stories", "create_story", owner, body=body)
    assert status == 201, made
    assert made["place"] == spot
    for reader in (owner, follower):
        status, read = api("stories", "get_story", reader, {"story_id": made["story_id"]})
        assert (status, read["place"]) == (200, spot)
        status, listed = api("stories", "user_stories", reader, {"username": owner.username})
        assert listed["items"][0]["place"] == spot
    for place_id in ("01JD0Z8Q5M3S4V6X7Y8Z9A0P1A", "not-an-id"):
        media_id = story_media(stack, owner)
        status, bad = api(
            "stories", "create_story", owner, body={"media_id": media_id, "place_id": place_id}
        )
        assert status == 400, bad
        assert bad["error"]["details"][0]["field"].endswith("place_id")
    settle()
    assert place_count(spot["place_id"]) == 0  # stories are not counted at places
