"""The Feed table: one partition per reader.

Keys (`pk`, `sk`):
- feed entry:                   `FEED#<user_id>` / `<post_id>`  (ULID: newest sorts last)
- followed celebrity accounts:  `FEED#<user_id>` / `~CELEBRITIES` (sorts after every post id,
  so the first page of a newest-first Query returns it with the newest entries)
ByAuthor (local index): `FEED#<user_id>` / `<author_id>#<post_id>`: one author's entries.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import KeysOnlyProjection, LocalSecondaryIndex

from glimpse.models.base import Model, get_or_none, table_meta

CELEBRITIES = "~CELEBRITIES"
FEED_CAP = 500  # entries a feed keeps (the fan-out trims beyond; reads stop there)


def feed_pk(user_id: str) -> str:
    return f"FEED#{user_id}"


def celebrity_set(reader_id: str) -> FeedItem:
    """The reader's set of followed celebrities (update it with ADD / DELETE)."""
    return FeedItem(feed_pk(reader_id), CELEBRITIES)


def followed_celebrities(reader_id: str) -> list[str]:
    """The celebrity accounts the reader follows (one GetItem), whose posts and stories are
    merged in at read time."""
    item = get_or_none(FeedItem, feed_pk(reader_id), CELEBRITIES, consistent=False)
    return sorted(item.celebrity_ids or []) if item is not None else []


def author_sk(author_id: str, post_id: str) -> str:
    return f"{author_id}#{post_id}"


def author_prefix(author_id: str) -> str:
    """What every `author_sk` of one author starts with (a `begins_with` on ByAuthor)."""
    return f"{author_id}#"


class FeedByAuthor(LocalSecondaryIndex["FeedItem"]):
    class Meta:
        index_name = "ByAuthor"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    author_sk = UnicodeAttribute(range_key=True)


class FeedItem(Model):
    """A feed entry, or (sk `~CELEBRITIES`) the set of followed celebrity accounts."""

    Meta = table_meta("feed_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    author_id = UnicodeAttribute(null=True)
    author_sk = UnicodeAttribute(null=True)
    celebrity_ids = UnicodeSetAttribute(null=True)
    by_author = FeedByAuthor()
