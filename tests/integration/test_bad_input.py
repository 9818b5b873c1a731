"""Bad input gets a clear 4xx with API.md's error body, on every route that reads a body, and
changes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from functions.auth import app as auth
from functions.media import app as media
from functions.posts import app as posts
from functions.users import app as users
from tests.conftest import FakeContext, load_event
from tests.integration.conftest import as_user
from tests.integration.social import User, api, make_user, post, profile

DEEP = "[" * 100_000
HUGE_INT = '{"size_bytes": ' + "9" * 5000 + "}"
NOT_UTF8 = b'\xff\xfe{"bio": "x"}'

# (handler module, sample event, path parameters) for each route that reads a body.
ROUTES: dict[str, tuple[Any, str, dict[str, str] | None]] = {
    "PATCH /me": (users, "users/patch_me", None),
    "POST /posts": (posts, "posts/create_post", None),
    "POST comment": (posts, "posts/create_comment", {"post_id": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"}),
    "POST /media": (media, "media/create_media", None),
    "POST /auth/signup": (auth, "auth/signup", None),
    "POST /auth/login": (auth, "auth/login", None),
}


def send(
    route: str,
    user: User,
    body: bytes | str,
    content_type: str | None,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    module, sample, default_params = ROUTES[route]
    params = params or default_params
    signed_in = "authorizer" in load_event(sample)["requestContext"]
    event = as_user(sample, user.id, user.username) if signed_in else load_event(sample)
    if params:
        event["pathParameters"] = params
        event["path"] = event["resource"].replace("{post_id}", params["post_id"])
    if isinstance(body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body, False
    for headers in (event["headers"], event["multiValueHeaders"]):
        for name in [k for k in headers if k.lower() == "content-type"]:
            del headers[name]
        if content_type:
            headers["Content-Type"] = (
                content_type if headers is event["headers"] else [content_type]
            )
    response = module.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (NOT_UTF8, "application/json", 400, "bad_request"),
        (DEEP, "application/json", 400, "bad_request"),
        (HUGE_INT, "application/json", 400, "bad_request"),
        ("{not json", "application/json", 400, "bad_request"),
        ('{"bio": "x"}', "text/plain", 415, "unsupported_media_type"),
        ("<bio>x</bio>", "application/xml", 415, "unsupported_media_type"),
    ],
    ids=["not-utf8", "deep", "huge-int", "not-json", "text-plain", "xml"],
)
def test_unreadable_bodies_are_a_4xx_everywhere(
    alice: User, route: str, body: bytes | str, content_type: str, status: int, code: str
) -> None:
    got, error = send(route, alice, body, content_type)
    assert (got, error["error"]["code"]) == (status, code), error
    assert error["error"]["message"]


def test_json_without_a_content_type_is_read_as_json(alice: User) -> None:
    assert send("PATCH /me", alice, '{"bio": "hello"}', None)[0] == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"is_private": "yes"}, "is_private"),
        ({"is_private": 1}, "is_private"),
        ({"display_name": "two\nlines"}, "display_name"),
        ({"display_name": "a\x7fb"}, "display_name"),
    ],
)
def test_profile_values_are_taken_strictly(alice: User, body: dict[str, Any], field: str) -> None:
    before = profile(alice)
    status, error = send("PATCH /me", alice, json.dumps(body), "application/json")
    assert status == 400
    assert error["error"]["details"][0]["field"] == field
    after = profile(alice)
    assert (after.is_private, after.display_name) == (before.is_private, before.display_name)


def test_sizes_are_integers_not_strings(alice: User) -> None:
    body = {"kind": "post", "content_type": "image/jpeg", "size_bytes": "1000"}
    status, error = send("POST /media", alice, json.dumps(body), "application/json")
    assert (status, error["error"]["details"][0]["field"]) == (400, "size_bytes")


@pytest.mark.parametrize("text", ["   ", "\n\t ", "\u3000"])
def test_blank_comments_are_refused(alice: User, text: str) -> None:
    post_id = post(alice)
    body = json.dumps({"text": text})
    status, error = send(
        "POST comment", make_user(), body, "application/json", {"post_id": post_id}
    )
    assert (status, error["error"]["details"][0]["field"]) == (400, "text")


# --------------------------------------------------------------------------- Idempotency-Key
def test_an_idempotency_key_makes_one_comment_and_one_upload_slot(alice: User) -> None:
    from glimpse.models.posts import COMMENT, Comment, post_pk

    post_id = post(alice)
    bob = make_user()
    headers = {"Idempotency-Key": "same-key"}
    first = api(
        "posts", "create_comment", bob, {"post_id": post_id}, {"text": "hi"}, headers=headers
    )
    again = api(
        "posts", "create_comment", bob, {"post_id": post_id}, {"text": "hi"}, headers=headers
    )
    assert first == again
    assert first[0] == 201
    comments = list(Comment.query(post_pk(post_id), Comment.sk.startswith(COMMENT)))
    assert len(comments) == 1
    other = api(
        "posts", "create_comment", bob, {"post_id": post_id}, {"text": "yo"}, headers=headers
    )
    assert (other[0], other[1]["error"]["code"]) == (409, "conflict")

    slot = {"kind": "post", "content_type": "image/jpeg", "size_bytes": 1000}
    first = api("media", "create_media", bob, body=slot, headers=headers)  # same key, other route
    again = api("media", "create_media", bob, body=slot, headers=headers)
    assert first[0] == again[0] == 201
    assert first[1]["media_id"] == again[1]["media_id"]
    long_key = {"Idempotency-Key": "k" * 256}
    status, error = api("media", "create_media", bob, body=slot, headers=long_key)
    assert (status, error["error"]["code"]) == (400, "bad_request")


def test_content_types_are_compared_as_media_types(alice: User) -> None:
    assert send("PATCH /me", alice, '{"bio": "cased"}', "Application/JSON; charset=UTF-8")[0] == 200
    status, error = send("PATCH /me", alice, '{"bio": "x"}', "application/merge-patch+json")
    assert (status, error["error"]["code"]) == (415, "unsupported_media_type")


def test_a_body_on_a_read_is_ignored(alice: User) -> None:
    from tests.integration.conftest import as_user

    event = as_user("users/get_me", alice.id, alice.username)
    event["body"] = "<not>json</not>"
    event["headers"]["Content-Type"] = "text/plain"
    response = users.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 200


def test_a_cursor_from_an_older_release_is_a_400(alice: User) -> None:
    from glimpse.pagination import encode_cursor

    old = encode_cursor(f"posts:{alice.id}", {"before": "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"})
    status, error = api(
        "posts", "user_posts", alice, {"username": alice.username}, query={"cursor": old}
    )
    assert (status, error["error"]["details"][0]["field"]) == (400, "cursor")


# --------------------------------------------------------------------------- paths
def escaped(text: str) -> str:
    """Every byte of `text` percent-encoded, as a client may send a path parameter."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


# A path parameter of several functions' routes: all go through the shared resolver.
PATH_ROUTES = [
    ("users", "get_user", "username"),
    ("graph", "followers", "username"),
    ("posts", "get_post", "post_id"),
    ("stories", "user_highlights", "username"),
]


def test_path_parameters_arrive_percent_decoded_on_every_function(alice: User) -> None:
    values = {"username": alice.username.upper(), "post_id": post(alice)}
    for function, event, name in PATH_ROUTES:
        status, body = api(function, event, alice, {name: escaped(values[name])})
        assert status == 200, (function, event, body)
    shown = api("users", "get_user", alice, {"username": escaped(alice.username)})[1]
    assert shown["username"] == alice.username
    # `%2F` is a slash inside one segment, decoded after routing: no such post, not its likes
    status, body = api("posts", "get_post", alice, {"post_id": f"{values['post_id']}%2Flikes"})
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_a_path_that_cannot_be_decoded_is_a_400(alice: User) -> None:
    for function, event, name in PATH_ROUTES:
        for bad in ("caf%E9", "%C3", "100%", "%G1", "%ED%A0%80"):  # not UTF-8, or not an escape
            status, body = api(function, event, alice, {name: bad})
            assert (status, body["error"]["code"]) == (400, "bad_request"), (event, bad, body)
            assert body["error"]["message"]
            assert body["error"]["details"] == [
                {"field": "path", "message": body["error"]["message"], "in": "path"}
            ]
