"""The index templates (infra/opensearch/*.json) are versioned, shipped fresh in the layer, and
map every field the indexer writes (the mappings are strict: an unmapped field is refused)."""

from __future__ import annotations

from datetime import UTC, datetime

from glimpse.models.places import Place
from glimpse.models.posts import Post
from glimpse.models.users import UserProfile
from glimpse.search import documents
from glimpse.search.setup import SHIPPED
from infra import opensearch


def test_the_shipped_copy_is_fresh() -> None:
    """`python -m infra.opensearch --write` (make search-indexes) after changing a template."""
    assert SHIPPED.read_text() == opensearch.rendered()


def test_every_template_has_a_version_and_strict_mappings() -> None:
    templates = opensearch.templates()
    assert set(templates) == {
        documents.USERS,
        documents.POSTS,
        documents.HASHTAGS,
        documents.PLACES,
    }
    for name, template in templates.items():
        assert isinstance(template.get("version"), int), name
        assert template["version"] >= 1, name
        assert template["index_patterns"] == [name]
        assert template["template"]["mappings"]["dynamic"] == "strict", name


def _fields(index: str) -> set[str]:
    return set(opensearch.templates()[index]["template"]["mappings"]["properties"])


def test_documents_hold_only_mapped_fields() -> None:
    moment = datetime(2026, 12, 7, tzinfo=UTC)
    author = UserProfile("USER#u", "PROFILE", user_id="u", username="ann", created_at=moment)
    post = Post("POST#p", "POST", post_id="p", author_id="u", media_ids=[], created_at=moment)
    post.place_id = "pl"
    place = Place(
        "PLACE#pl", "PLACE", place_id="pl", name="Dam", name_key="dam", lat=52.37, lng=4.89
    )
    assert set(documents.post_document(post, author)) == _fields(documents.POSTS)
    assert set(documents.user_document(author)) == _fields(documents.USERS)
    assert set(documents.place_document(place)) == _fields(documents.PLACES)
    assert set(documents.hashtag_document("x", moment)) == _fields(documents.HASHTAGS)
    mapping = opensearch.templates()[documents.PLACES]["template"]["mappings"]["properties"]
    assert mapping["location"] == {"type": "geo_point"}
    assert documents.place_document(place)["location"] == {"lat": 52.37, "lon": 4.89}
