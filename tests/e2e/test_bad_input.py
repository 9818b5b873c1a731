"""Over HTTP: bodies the API cannot read are a 4xx with API.md's error body, never a 500."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Client

BODIES = [
    (b'\xff\xfe{"bio": "x"}', "application/json", 400),
    (b"[" * 100_000, "application/json", 400),
    (b'{"bio": ' + b"9" * 5000 + b"}", "application/json", 400),
    (b'{"bio": "x"}', "text/plain", 415),
    (b"<bio>x</bio>", "application/xml", 415),
]
IDS = ["not-utf8", "deep", "huge-int", "text-plain", "xml"]


@pytest.mark.parametrize(("body", "content_type", "status"), BODIES, ids=IDS)
@pytest.mark.parametrize("path", ["/me", "/auth/login", "/auth/signup", "/posts", "/media"])
def test_unreadable_bodies_answer_4xx(
    alice: Client, path: str, body: bytes, content_type: str, status: int
) -> None:
    method = "PATCH" if path == "/me" else "POST"
    response = alice.request(method, path, data=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] in {"bad_request", "unsupported_media_type"}
    assert alice.get("/me").json()["bio"] == ""  # nothing changed


def test_strict_values_over_http(alice: Client) -> None:
    response = alice.patch("/me", json={"is_private": "yes"})
    assert (response.status_code, response.json()["error"]["details"][0]["field"]) == (
        400,
        "is_private",
    )
    response = alice.patch("/me", json={"display_name": "two\nlines"})
    assert (response.status_code, response.json()["error"]["details"][0]["field"]) == (
        400,
        "display_name",
    )
    assert alice.get("/me").json()["is_private"] is False


def test_text_is_stored_in_one_form_over_http(alice: Client) -> None:
    """Overrides removed, NFC, line breaks as "\\n" (glimpse.inputs.normal_text)."""
    sent = {"display_name": "evil\u202egnp.exe Cafe\u0301", "bio": "one\r\ntwo"}
    response = alice.patch("/me", json=sent)
    assert response.status_code == 200, response.text
    me = alice.get("/me").json()
    assert (me["display_name"], me["bio"]) == ("evilgnp.exe Café", "one\ntwo")
