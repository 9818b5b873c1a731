"""Places in search against moto and the local search engine: the indexer writes a new place
once (at its version; repeats refused), `type=places` finds places by name and orders them by
distance from `near`, and a place's page lists public posts there as a hashtag's page does
(private accounts' posts, blocked accounts' posts and posts moved elsewhere never show)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from glimpse.places import geo
from glimpse.search import indexer
from infra.local.search import LocalSearch
from tests.integration.social import (
    User,
    api,
    dynamodb_calls,
    follow,
    make_media,
    make_user,
    settle,
)
from tests.integration.test_insights import served_lines
from tests.integration.test_search import run_indexer, stored

LAT, LNG = 52.3731, 4.8926  # Amsterdam, the Dam
METRES_PER_DEGREE = geo.EARTH_RADIUS_M * geo.math.pi / 180
_sequence = iter(range(10**9))


def east(metres: float) -> float:
    return LNG + metres / (METRES_PER_DEGREE * geo.math.cos(geo.math.radians(LAT)))


def make_place(name: str, lng: float) -> dict[str, Any]:
    status, made = api(
        "search", "create_place", make_user(), body={"name": name, "lat": LAT, "lng": lng}
    )
    assert status == 201, made
    return made


def place_record(place_id: str) -> dict[str, Any]:
    keys = {"pk": {"S": f"PLACE#{place_id}"}, "sk": {"S": "PLACE"}}
    return {
        "eventName": "INSERT",
        "dynamodb": {"Keys": keys, "SequenceNumber": str(next(_sequence))},
    }


def post_record(post_id: str) -> dict[str, Any]:
    keys = {"pk": {"S": f"POST#{post_id}"}, "sk": {"S": "POST"}}
    return {
        "eventName": "MODIFY",
        "dynamodb": {"Keys": keys, "SequenceNumber": str(next(_sequence))},
    }


def found(user: User, q: str, near: str | None = None) -> list[str]:
    query = {"q": q, "type": "places", **({"near": near} if near else {})}
    status, body = api("search", "search", user, query=query)
    assert status == 200, body
    return [item["place_id"] for item in body["items"]]


def test_places_are_indexed_once_and_found_by_name_nearest_first(engine: LocalSearch) -> None:
    here, near, far = (make_place("Harbour Lights", east(m)) for m in (0, 1_000, 5_000))
    other = make_place("Harbour Books", east(10))
    records = [place_record(p["place_id"]) for p in (here, near, far, other)]
    assert run_indexer(*records, records[0]) == {"batchItemFailures": []}
    assert indexer.index([indexer.Change("again", "place", here["place_id"])]).stale == 1
    assert stored(engine, "places", here["place_id"]) == {
        "place_id": here["place_id"],
        "name": "Harbour Lights",
        "location": {"lat": LAT, "lon": here["lng"]},
    }
    reader = make_user()
    ids = [p["place_id"] for p in (here, near, far)]
    assert set(found(reader, "harbour lights")) == set(ids)
    with dynamodb_calls() as calls:  # the budget docs/access-patterns.md states
        assert found(reader, "harbour lights", f"{LAT},{LNG}") == ids
    assert len(calls) <= 1, calls
    assert found(reader, "harbour lights", f"{LAT},{east(6_000)}") == ids[::-1]
    assert found(reader, "Lights", f" {LAT} , {east(900)} ") == [ids[1], ids[0], ids[2]]
    assert other["place_id"] in found(reader, "harbour", f"{LAT},{LNG}")[:2]
    _status, body = api("search", "search", reader, query={"q": "harbour lights", "type": "places"})
    item = next(i for i in body["items"] if i["place_id"] == here["place_id"])
    assert item == here  # the place as it is (its post_count from the table)


@pytest.mark.parametrize(
    "near", ["abc", "1,2,3", "91,0", "-90.5,0", "0,181", "0,-180.1", "1;2", ","]
)
def test_a_malformed_near_is_a_400(engine: LocalSearch, near: str) -> None:
    status, body = api(
        "search", "search", make_user(), query={"q": "x", "type": "places", "near": near}
    )
    assert status == 400, body
    assert body["error"]["details"][0]["field"] == "near"


def at(user: User, place_id: str) -> str:
    status, made = api(
        "posts", "create_post", user, body={"media_ids": [make_media(user)], "place_id": place_id}
    )
    assert status == 201, made
    run_indexer(post_record(made["post_id"]))
    return str(made["post_id"])


def page(user: User, place_id: str, **query: str) -> tuple[int, Any]:
    return api("search", "place_posts", user, {"place_id": place_id}, query=query or None)


def test_a_place_page_lists_public_posts_newest_first(engine: LocalSearch) -> None:
    spot = make_place("Page Square", LNG)
    place_id = spot["place_id"]
    public, private, blocker, reader = (
        make_user(),
        make_user(private=True),
        make_user(),
        make_user(),
    )
    follow(reader, private)  # even a follower: a place page is public posts only
    first, second = at(public, place_id), at(public, place_id)
    at(private, place_id)
    blocked_post = at(blocker, place_id)
    assert api("graph", "block", blocker, {"username": reader.username})[0] == 204
    with dynamodb_calls() as calls, served_lines() as lines:  # the budget access-patterns.md states
        status, body = page(reader, place_id)
    assert status == 200, body
    assert len(calls) <= 5, calls
    assert [p["post_id"] for p in body["items"]] == [second, first]
    # an impression of each post shown, for insights (a line, no write)
    assert [json.loads(line)["served"] for line in lines] == [
        {"viewer": reader.id, "posts": [second, first]}
    ]
    assert body["items"][0]["place"]["place_id"] == place_id
    status, body = page(public, place_id)
    assert [p["post_id"] for p in body["items"]] == [blocked_post, second, first]

    status, one = page(reader, place_id, limit="1")
    assert [p["post_id"] for p in one["items"]] == [second]
    status, rest = page(reader, place_id, limit="1", cursor=one["next_cursor"])
    assert [p["post_id"] for p in rest["items"]] == [first]
    status, _bad = page(make_user(), place_id, limit="1", cursor=one["next_cursor"])
    assert status == 400  # another caller's cursor

    edited = api("posts", "edit_post", public, {"post_id": first}, body={"place_id": ""})
    assert edited[0] == 200
    status, body = page(reader, place_id)  # left out at once, before the index follows
    assert [p["post_id"] for p in body["items"]] == [second]
    settle()
    assert api("search", "get_place", reader, {"place_id": place_id})[1]["post_count"] == 2


def test_an_unknown_place_has_no_page(engine: LocalSearch) -> None:
    status, body = page(make_user(), "01JD0Z8Q5M3S4V6X7Y8Z9A0P1A")
    assert status == 404, body
