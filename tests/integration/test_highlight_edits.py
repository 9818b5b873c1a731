"""`PATCH /highlights/{highlight_id}` and `DELETE /highlights/{highlight_id}` through the
handlers, against moto: titles and stories change, and the kept copies a highlight alone kept
go with it."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from glimpse.models.stories import Highlight, highlights_pk
from glimpse.stories import highlights as highlights_service
from tests.integration.conftest import Stack
from tests.integration.iam import unattributed
from tests.integration.social import User, api
from tests.integration.test_stories import EDGES, SIZES, create, expire, objects, reap, story_media


def highlight(user: User, title: str, stories: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"title": title, "story_ids": [s["story_id"] for s in stories]}
    status, created = api("stories", "create_highlight", user, body=body)
    assert status == 201, created
    return dict(created)


def edit(user: User, highlight_id: str, body: Any) -> tuple[int, Any]:
    return api("stories", "update_highlight", user, {"highlight_id": highlight_id}, body=body)


def remove(user: User, highlight_id: str) -> tuple[int, Any]:
    return api("stories", "delete_highlight", user, {"highlight_id": highlight_id})


def listed(viewer: User, owner: User) -> list[dict[str, Any]]:
    status, page = api("stories", "user_highlights", viewer, {"username": owner.username})
    assert status == 200, page
    return list(page["items"])


def kept(stack: Stack, story: dict[str, Any]) -> list[str]:
    """The kept copies of a story's files, in the bucket."""
    return sorted(objects(stack, f"renditions/kept/{story['media']['media_id']}/"))


def story_ids(shown: dict[str, Any]) -> list[str]:
    return [s["story_id"] for s in shown["stories"]]


def test_an_edit_renames_reorders_adds_and_drops_stories(
    stack: Stack, alice: User, bob: User
) -> None:
    first, second, third = create(stack, alice), create(stack, alice), create(stack, alice)
    made = highlight(alice, "Summer", [first, second])
    assert kept(stack, third) == []

    status, renamed = edit(alice, made["highlight_id"], {"title": "Summer '26"})
    assert status == 200, renamed
    assert (renamed["title"], story_ids(renamed)) == ("Summer '26", story_ids(made))
    assert renamed["stories"] == made["stories"]  # nothing copied again

    status, edited = edit(
        alice, made["highlight_id"], {"story_ids": [third["story_id"], first["story_id"]]}
    )
    assert status == 200, edited
    assert edited["highlight_id"] == made["highlight_id"]
    assert edited["title"] == "Summer '26"
    assert story_ids(edited) == [third["story_id"], first["story_id"]]
    assert all("/kept/" in url for url in edited["stories"][0]["media"]["renditions"].values())
    assert len(kept(stack, third)) == len(SIZES)  # copied as on create
    assert len(kept(stack, first)) == len(SIZES)
    assert kept(stack, second) == []  # dropped, and no other highlight keeps it
    (shown,) = listed(bob, alice)
    assert (shown["title"], story_ids(shown)) == ("Summer '26", story_ids(edited))

    status, same = edit(alice, made["highlight_id"], {})
    assert (status, same) == (200, edited)


def test_an_edit_keeps_stories_that_ended_and_adds_only_live_ones(
    stack: Stack, alice: User
) -> None:
    ended, live, deleted = create(stack, alice), create(stack, alice), create(stack, alice)
    made = highlight(alice, "Trip", [ended])
    expire(ended["story_id"])
    assert api("stories", "delete_story", alice, {"story_id": deleted["story_id"]})[0] == 204
    reap(deleted, alice)

    both = [ended["story_id"], live["story_id"]]
    status, edited = edit(alice, made["highlight_id"], {"story_ids": both})
    assert (status, story_ids(edited)) == (200, both)
    assert edited["stories"][0] == made["stories"][0]  # the copy it had, though ended
    assert len(kept(stack, ended)) == len(SIZES)

    status, edited = edit(alice, made["highlight_id"], {"story_ids": [live["story_id"]]})
    assert (status, story_ids(edited)) == (200, [live["story_id"]])
    assert kept(stack, ended) == []  # dropped: its copies go
    for gone in (ended, deleted):  # neither kept nor live: cannot be added
        status, body = edit(alice, made["highlight_id"], {"story_ids": [gone["story_id"]]})
        assert (status, body["error"]["details"][0]["field"]) == (400, "story_ids"), body
    assert story_ids(listed(alice, alice)[0]) == [live["story_id"]]


def test_refused_edits_change_nothing(stack: Stack, alice: User, bob: User) -> None:
    ended, live, theirs = create(stack, alice), create(stack, alice), create(stack, bob)
    made = highlight(alice, "Trip", [ended, live])
    expire(ended["story_id"])
    before = listed(alice, alice)
    files = kept(stack, ended) + kept(stack, live)
    unknown = "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C"
    bodies: list[tuple[dict[str, Any], str]] = [
        ({"story_ids": [ended["story_id"], theirs["story_id"]]}, "story_ids"),
        ({"story_ids": [unknown]}, "story_ids"),
        ({"story_ids": []}, "story_ids"),
        ({"story_ids": [live["story_id"], live["story_id"]]}, "story_ids"),
        ({"title": "   "}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"title": "x" * 65}, "title"),
        ({"title": "ok", "cover": "x"}, "cover"),
    ]
    for body, field in bodies:
        status, answer = edit(alice, made["highlight_id"], body)
        assert status == 400, (body, answer)
        assert answer["error"]["details"][0]["field"] == field, answer
    # A story that ended since it was kept is kept: only new ones must be live.
    status, _ = edit(alice, made["highlight_id"], {"story_ids": [live["story_id"], unknown]})
    assert status == 400
    assert listed(alice, alice) == before
    assert kept(stack, ended) + kept(stack, live) == files


def test_a_delete_takes_only_the_copies_no_other_highlight_keeps(
    stack: Stack, alice: User, bob: User
) -> None:
    alone = create(stack, alice)
    media_id = story_media(stack, alice, video=True)
    status, shared = api("stories", "create_story", alice, body={"media_id": media_id})
    assert status == 201, shared
    first = highlight(alice, "Both", [alone, shared])
    second = highlight(alice, "Shared", [shared])
    assert len(kept(stack, shared)) == len(SIZES) + len(EDGES)

    assert remove(alice, first["highlight_id"]) == (204, None)
    assert kept(stack, alone) == []
    assert len(kept(stack, shared)) == len(SIZES) + len(EDGES)  # the other keeps them
    assert [h["highlight_id"] for h in listed(bob, alice)] == [second["highlight_id"]]
    status, again = remove(alice, first["highlight_id"])
    assert (status, again["error"]["code"]) == (404, "not_found")

    assert remove(alice, second["highlight_id"]) == (204, None)
    assert kept(stack, shared) == []  # posters and MP4s
    assert listed(alice, alice) == []
    assert len(objects(stack, f"renditions/stories/{media_id}/")) == len(SIZES) + len(EDGES)


def test_someone_elses_highlight_is_a_404_to_edit_or_delete(
    stack: Stack, alice: User, bob: User
) -> None:
    story = create(stack, alice)
    made = highlight(alice, "Mine", [story])
    for status, body in (
        edit(bob, made["highlight_id"], {"title": "Yours now"}),
        remove(bob, made["highlight_id"]),
        edit(alice, "01JD0Z8Q5M3S4V6X7Y8Z9A0B1C", {"title": "x"}),
    ):
        assert (status, body["error"]["code"]) == (404, "not_found"), body
    (shown,) = listed(alice, alice)
    assert shown["title"] == "Mine"
    assert len(kept(stack, story)) == len(SIZES)


def test_an_edit_that_loses_to_another_reads_again(stack: Stack, alice: User) -> None:
    first, second = create(stack, alice), create(stack, alice)
    made = highlight(alice, "Start", [first])
    real = highlights_service._edited
    raced: list[tuple[int, Any]] = []

    def other_edit_first(*args: Any) -> bool:
        if not raced:
            raced.append((0, None))  # the other edit's own write is not raced
            raced[0] = edit(alice, made["highlight_id"], {"story_ids": [second["story_id"]]})
        return bool(real(*args))

    with mock.patch.object(highlights_service, "_edited", other_edit_first):
        status, edited = edit(alice, made["highlight_id"], {"title": "Mine"})
    assert raced[0][0] == 200
    assert status == 200, edited
    # Both edits hold: the title from this one, the stories from the other.
    assert (edited["title"], story_ids(edited)) == ("Mine", [second["story_id"]])
    with unattributed():
        item = Highlight.get(highlights_pk(alice.id), made["highlight_id"], consistent_read=True)
    assert item.revision == 2
    assert kept(stack, first) == []


def test_an_edit_of_a_highlight_deleted_meanwhile_is_a_404_and_leaves_no_copy(
    stack: Stack, alice: User
) -> None:
    first, added = create(stack, alice), create(stack, alice)
    made = highlight(alice, "Gone", [first])
    real = highlights_service._edited

    def deleted_first(*args: Any) -> bool:
        assert remove(alice, made["highlight_id"]) == (204, None)
        return bool(real(*args))

    with mock.patch.object(highlights_service, "_edited", deleted_first):
        status, body = edit(alice, made["highlight_id"], {"story_ids": [added["story_id"]]})
    assert (status, body["error"]["code"]) == (404, "not_found"), body
    assert kept(stack, added) == []  # copied by the edit, then let go
    assert kept(stack, first) == []
    assert listed(alice, alice) == []


@pytest.mark.parametrize(("title", "stored"), [("Cafe\u0301", "Caf\u00e9"), ("\u202eevil", "evil")])
def test_a_title_is_normalised_as_on_create(
    stack: Stack, alice: User, title: str, stored: str
) -> None:
    made = highlight(alice, "Plain", [create(stack, alice)])
    status, edited = edit(alice, made["highlight_id"], {"title": title})
    assert (status, edited["title"]) == (200, stored), edited
    assert listed(alice, alice)[0]["title"] == stored
