"""Places over HTTP on the local cloud: a place created twice nearby (the same name whatever
its case, accents and spaces, within 100 m) is one place, far away two; `near=` orders places
by distance; a post at a place is on the place's page and moves its `post_count`, a private
account's post neither; `type=places` finds the place; each route for the five actors (the
poster, a follower, a stranger, a private account's non-follower, blocked either way)."""

from __future__ import annotations

import math
import uuid
from typing import Any

from infra.local.cloud import LocalCloud
from tests import images
from tests.e2e.conftest import Client, sign_up_and_log_in, upload_image
from tests.e2e.waiting import until

LAT, LNG = 41.9009, 12.4833  # Rome, the Trevi fountain
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180


def north(metres: float) -> float:
    return LAT + metres / METRES_PER_DEGREE


def create(client: Client, name: str, lat: float, lng: float = LNG) -> tuple[int, Any]:
    response = client.post("/places", json={"name": name, "lat": lat, "lng": lng})
    return response.status_code, response.json()


def at(client: Client, place_id: str) -> str:
    media = upload_image(client, images.jpeg(320, 240), "image/jpeg")
    response = client.post("/posts", json={"media_ids": [media["media_id"]], "place_id": place_id})
    assert response.status_code == 201, response.text
    assert response.json()["place"]["place_id"] == place_id
    return str(response.json()["post_id"])


def page(client: Client, place_id: str) -> list[str]:
    response = client.get(f"/places/{place_id}/posts", params={"limit": 100})
    assert response.status_code == 200, response.text
    return [item["post_id"] for item in response.json()["items"]]


def searched(client: Client, q: str, **params: Any) -> list[str]:
    response = client.get("/search", params={"q": q, "type": "places", **params})
    assert response.status_code == 200, response.text
    return [item["place_id"] for item in response.json()["items"]]


def count(client: Client, place_id: str) -> int:
    response = client.get(f"/places/{place_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["post_count"])


def test_a_place_created_twice_nearby_is_one_place(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    word = uuid.uuid4().hex[:8]
    status, first = create(ann, f"Caffè {word} Centrale", LAT)
    assert status == 201, first
    status, again = create(ben, f"  caffe {word.upper()}  CENTRALE ", north(60))
    assert (status, again) == (200, first)
    status, far = create(ben, f"Caffè {word} Centrale", north(400))
    assert status == 201
    assert far["place_id"] != first["place_id"]
    status, third = create(ann, f"Caffè {word} Centrale", north(3_000))
    assert status == 201

    ids = [first["place_id"], far["place_id"], third["place_id"]]
    until(lambda: searched(ben, word), lambda found: set(ids) <= set(found), what="indexed")
    assert searched(ben, word, near=f"{LAT},{LNG}") == ids
    assert searched(ben, word, near=f"{north(5_000)},{LNG}") == ids[::-1]
    assert searched(ben, word, near=f"{north(500)},{LNG}")[0] == far["place_id"]
    for near in ("north", "91,0", "0,200", "1,2,3"):
        response = ben.get("/search", params={"q": word, "type": "places", "near": near})
        assert response.status_code == 400, near
    for body in ({"name": "x", "lat": 95, "lng": 0}, {"name": " ", "lat": 0, "lng": 0}):
        assert ann.post("/places", json=body).status_code == 400


def test_a_post_at_a_place_is_on_its_page_and_counts(cloud: LocalCloud) -> None:
    ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
    pia = sign_up_and_log_in(cloud, "pia")
    assert pia.patch("/me", json={"is_private": True}).status_code == 200
    word = uuid.uuid4().hex[:8]
    _s, place = create(ann, f"Fontana {word}", LAT)
    public = at(ann, place["place_id"])
    hidden = at(pia, place["place_id"])
    until(lambda: page(ben, place["place_id"]), lambda ids: public in ids, what="on the page")
    until(lambda: count(ben, place["place_id"]), lambda n: n == 1, what="counted")
    assert hidden not in page(ben, place["place_id"])
    assert hidden not in page(pia, place["place_id"])  # not even to its author
    assert ben.get(f"/posts/{public}").json()["place"]["name"] == f"Fontana {word}"
    assert searched(ben, f"fontana {word}") == [place["place_id"]]
    assert searched(ben, public) == []  # type=places lists places, not posts

    assert ann.delete(f"/posts/{public}").status_code == 204
    assert public not in page(ben, place["place_id"])
    until(lambda: count(ben, place["place_id"]), lambda n: n == 0, what="uncounted")


def test_each_place_route_for_the_five_actors(cloud: LocalCloud, anonymous: Client) -> None:
    """Places are shared: any signed-in account creates and reads them (no token: 401). A
    place's page shows each actor the public posts it may see there: the poster's to its
    follower and to a stranger; a private account's to nobody, its follower included; a
    blocker's post to neither side of the block."""
    owner, follower, stranger = (sign_up_and_log_in(cloud, n) for n in ("own", "fol", "str"))
    private, outsider = sign_up_and_log_in(cloud, "pri"), sign_up_and_log_in(cloud, "out")
    blocker, blocked = sign_up_and_log_in(cloud, "bkr"), sign_up_and_log_in(cloud, "bkd")
    assert follower.post(f"/users/{owner.username}/follow").status_code == 200
    assert private.patch("/me", json={"is_private": True}).status_code == 200
    _s, place = create(owner, f"Five {uuid.uuid4().hex[:8]}", LAT)
    place_id = place["place_id"]
    mine, secret = at(owner, place_id), at(private, place_id)
    theirs = at(blocker, place_id)
    assert blocker.post(f"/users/{blocked.username}/block").status_code == 204

    until(lambda: page(stranger, place_id), lambda ids: {mine, theirs} <= set(ids), what="page")
    for client in (owner, follower, stranger, outsider, private, blocker, blocked):
        assert client.get(f"/places/{place_id}").json()["place_id"] == place_id
        status, same = create(client, place["name"], LAT)
        assert (status, same["place_id"]) == (200, place_id), client.username
        shown = set(page(client, place_id))
        assert mine in shown, client.username
        assert secret not in shown, client.username
        assert (theirs in shown) == (client is not blocked), client.username
    assert owner.post(f"/users/{blocker.username}/block").status_code == 204
    assert theirs not in page(owner, place_id)  # blocked by the viewer: left out too
    assert theirs in page(blocker, place_id)  # its own post
    assert mine not in page(blocker, place_id)  # the owner now blocks the blocker
    for path in ("/places", f"/places/{place_id}", f"/places/{place_id}/posts"):
        method = anonymous.post if path == "/places" else anonymous.get
        assert method(path).status_code == 401, path
    assert stranger.get("/places/01JD0Z8Q5M3S4V6X7Y8Z9A0P1A").status_code == 404
    assert stranger.get("/places/01JD0Z8Q5M3S4V6X7Y8Z9A0P1A/posts").status_code == 404
