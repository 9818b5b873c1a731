"""Table changes to search documents: one `_bulk` request per batch (per 500 actions).

The indexer never trusts the order or the count of the changes it is given. For each post or
account a change names, it reads the item as it is now (consistent reads, one BatchGetItem
per 100 keys) and writes that, at the version glimpse.search.documents gives it: an older
state arriving late, or a change seen twice, is refused by OpenSearch (409) and counts as
done. A post or account that no longer exists is deleted at a version nothing live reaches.

A new place is written once (places do not change: glimpse.search.documents).

An account whose privacy flipped has all its posts written again (their visibility with
it), a page of its posts at a time; so has an account deleted (its profile moved aside: its
posts' documents are deleted, at versions below what its restore will write) or restored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from glimpse.adapters import search
from glimpse.models.batch import Fetched, get_many
from glimpse.models.moderation import is_removed
from glimpse.models.places import PLACE, Place, place_id_of, place_pk
from glimpse.models.posts import POST, Post, author_pk, post_id_of, post_pk
from glimpse.models.streams import StreamRecord
from glimpse.models.users import DELETED as MOVED_ASIDE
from glimpse.models.users import (
    PROFILE,
    DeletedProfile,
    UserProfile,
    profile_user_id,
    user_pk,
)
from glimpse.search.documents import (
    DELETED,
    HASHTAGS,
    PLACE_VERSION,
    PLACES,
    POSTS,
    USERS,
    aside_post_version,
    deleted_version,
    hashtag_document,
    place_document,
    post_document,
    post_version,
    user_document,
    user_version,
    visibility,
)

BULK_ACTIONS = 500  # per `_bulk` request (a few hundred KB)
AUTHOR_PAGE = 500  # posts of a flipped account read per Query page

DocKey = tuple[str, str]  # (index, document id)


@dataclass(frozen=True)
class Change:
    """One stream record: a post or an account that may have changed."""

    record_id: str  # the record's sequence number (a batch item failure names it)
    kind: Literal["post", "account", "place"]
    id: str  # post id or user id
    # An account whose posts' documents change with it: its privacy flipped, or its profile
    # appeared (a restore; a sign-up has no posts) or went (a deletion moves it aside).
    rewrite_posts: bool = False

    @classmethod
    def of(cls, record: StreamRecord) -> Change | None:
        """What a stream record names: a post, or an account (and whether its posts must be
        written again); None for any other item."""
        if (post_id := post_id_of(record.pk, record.sk)) is not None:
            return cls(record.sequence_number, "post", post_id)
        if (place_id := place_id_of(record.pk, record.sk)) is not None:
            return cls(record.sequence_number, "place", place_id)
        if (user_id := profile_user_id(record.pk, record.sk)) is not None:
            old, new = record.old_image.get("is_private"), record.new_image.get("is_private")
            flipped = record.event_name == "MODIFY" and bool(old) != bool(new)
            rewrite = flipped or record.event_name in ("INSERT", "REMOVE")
            return cls(record.sequence_number, "account", user_id, rewrite_posts=rewrite)
        return None


@dataclass
class Indexed:
    documents: int = 0  # actions sent
    requests: int = 0  # bulk requests
    stale: int = 0  # refused as older than what the index holds (409): done before
    failed: set[str] = field(default_factory=set)  # record ids to retry
    # Documents the index refused for good (400: a mapping it cannot take): retrying the
    # record would fail the same way and hold its stream shard, so they are reported instead.
    rejected: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    actions: list[tuple[DocKey, list[dict[str, Any]]]] = field(default_factory=list)
    sources: dict[DocKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    planned: set[DocKey] = field(default_factory=set)

    def add(self, key: DocKey, record_id: str, lines: list[dict[str, Any]]) -> None:
        self.sources[key].add(record_id)
        if key not in self.planned:
            self.planned.add(key)
            self.actions.append((key, lines))


def index(changes: list[Change]) -> Indexed:
    post_ids = {c.id for c in changes if c.kind == "post"}
    account_ids = {c.id for c in changes if c.kind == "account"}
    place_ids = {c.id for c in changes if c.kind == "place"}
    fetched = get_many(
        [(Post, (post_pk(p), POST)) for p in post_ids]
        + [(Place, (place_pk(p), PLACE)) for p in place_ids]
        + [(UserProfile, (user_pk(u), PROFILE)) for u in account_ids]
        + [(DeletedProfile, (user_pk(u), MOVED_ASIDE)) for u in account_ids],
        consistent=True,
    )
    posts = {p: fetched.get(Post, (post_pk(p), POST)) for p in post_ids}
    authors = {p.author_id for p in posts.values() if p is not None} - account_ids
    fetched.merge(
        get_many([(UserProfile, (user_pk(a), PROFILE)) for a in authors], consistent=True)
    )
    gone = [a for a in authors if fetched.get(UserProfile, (user_pk(a), PROFILE)) is None]
    if gone:  # deleted accounts' posts: are they aside (restorable) or erased?
        fetched.merge(
            get_many([(DeletedProfile, (user_pk(a), MOVED_ASIDE)) for a in gone], consistent=True)
        )

    plan = _Plan()
    for change in changes:
        if change.kind == "post":
            _plan_post(plan, change.record_id, change.id, posts[change.id], fetched)
        elif change.kind == "place":
            _plan_place(plan, change.record_id, fetched.get(Place, (place_pk(change.id), PLACE)))
        else:
            profile = fetched.get(UserProfile, (user_pk(change.id), PROFILE))
            aside = fetched.get(DeletedProfile, (user_pk(change.id), MOVED_ASIDE))
            _plan_account(plan, change.record_id, change.id, profile, aside)
            if change.rewrite_posts and (profile is not None or aside is not None):
                for post in _posts_of(change.id):
                    _plan_post(plan, change.record_id, post.post_id, post, fetched)
    return _send(plan)


def _plan_post(
    plan: _Plan, record_id: str, post_id: str, post: Post | None, fetched: Fetched
) -> None:
    key = (POSTS, post_id)
    if post is None:
        plan.add(key, record_id, [_versioned("delete", key, DELETED)])
        return
    author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
    if author is None:  # its account is deleted: gone until a restore, or for good
        aside = fetched.get(DeletedProfile, (user_pk(post.author_id), MOVED_ASIDE))
        version = aside_post_version(post, aside) if aside is not None else DELETED
        plan.add(key, record_id, [_versioned("delete", key, version)])
        return
    if is_removed(post):  # a moderator's removal: out of search and explore
        plan.add(key, record_id, [_versioned("delete", key, post_version(post, author))])
        return
    plan.add(
        key,
        record_id,
        [_versioned("index", key, post_version(post, author)), post_document(post, author)],
    )
    if visibility(author) == "public":
        for tag in post.hashtags or []:
            tag_key = (HASHTAGS, tag)
            plan.add(
                tag_key,
                record_id,
                [
                    {"create": {"_index": HASHTAGS, "_id": tag}},
                    hashtag_document(tag, post.created_at),
                ],
            )


def _plan_place(plan: _Plan, record_id: str, place: Place | None) -> None:
    if place is not None:  # never deleted: None only for a record of an item not yet read
        key = (PLACES, place.place_id)
        plan.add(key, record_id, [_versioned("index", key, PLACE_VERSION), place_document(place)])


def _plan_account(
    plan: _Plan,
    record_id: str,
    user_id: str,
    profile: UserProfile | None,
    aside: DeletedProfile | None = None,
) -> None:
    """The account's document as its profile is now: gone for good (no profile), gone until
    a restore (its profile moved aside: versioned below what the restored one will be), or
    written."""
    key = (USERS, user_id)
    if profile is None:
        version = deleted_version(aside) if aside is not None else DELETED
        plan.add(key, record_id, [_versioned("delete", key, version)])
    else:
        plan.add(
            key,
            record_id,
            [_versioned("index", key, user_version(profile)), user_document(profile)],
        )


def _versioned(action: str, key: DocKey, version: int) -> dict[str, Any]:
    index_name, doc_id = key
    return {
        action: {
            "_index": index_name,
            "_id": doc_id,
            "version": version,
            "version_type": "external",
        }
    }


def _posts_of(user_id: str) -> Iterator[Post]:
    """Every post of the account as it is now: ids from the ByAuthor index (a page at a time;
    it is eventually consistent), each page read again from the table (consistent), so a
    post's version is never taken from a stale copy."""
    page: list[str] = []
    for listed in Post.by_author.query(
        author_pk(user_id), page_size=AUTHOR_PAGE, attributes_to_get=["pk", "sk", "post_id"]
    ):
        page.append(listed.post_id)
        if len(page) == AUTHOR_PAGE:
            yield from _fresh(page)
            page = []
    yield from _fresh(page)


def _fresh(post_ids: list[str]) -> Iterator[Post]:
    fetched = get_many([(Post, (post_pk(p), POST)) for p in post_ids], consistent=True)
    for post_id in post_ids:
        if (post := fetched.get(Post, (post_pk(post_id), POST))) is not None:
            yield post


def _send(plan: _Plan) -> Indexed:
    indexed = Indexed()
    for start in range(0, len(plan.actions), BULK_ACTIONS):
        chunk = plan.actions[start : start + BULK_ACTIONS]
        indexed.requests += 1
        indexed.documents += len(chunk)
        try:
            results = search.bulk(line for _key, lines in chunk for line in lines)
        except search.SearchUnavailable:
            for key, _lines in chunk:
                indexed.failed |= plan.sources[key]
            continue
        for (key, _lines), result in zip(chunk, results, strict=True):
            ((action, outcome),) = result.items()
            status = int(outcome.get("status", 500))
            if status == 409:
                indexed.stale += 1 if action != "create" else 0
            elif status == 400:
                indexed.rejected.append(f"{key[0]}/{key[1]}: {outcome.get('error')}")
            elif not (200 <= status < 300 or (action == "delete" and status == 404)):
                indexed.failed |= plan.sources[key]
    return indexed
