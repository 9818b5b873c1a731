"""Saved posts and collections.

A save is an item in the saved post's partition (`SAVE#<user_id>`), so a post's view finds
`saved_by_me` with its like in the same BatchGetItem and a deleted post's clean-up takes its
saves with it; ByList (`SAVED#<user_id>`, a ULID of the save) lists one account's saves,
newest saved first. Saving into a collection adds a copy (`SAVE#<user_id>#<collection_id>`,
ByList `SAVED#<user_id>#<collection_id>`); the collection itself is an item of the account's
`COLLECTIONS#<user_id>` partition. Deleting a collection deletes it and its copies: the posts
stay saved. Nothing here writes a shared item: each write is the account's own.

A saved list shows each post only while the caller may see it (the rule of `GET /posts/{id}`:
blocks, a private author no longer followed, a moderator's removal, a withdrawn author):
what they may no longer see drops out, and comes back if they may see it again. A page may
come out shorter; its cursor still goes on.
"""

from __future__ import annotations

from itertools import batched

from glimpse.clock import new_id, now
from glimpse.errors import NotFound
from glimpse.graph.access import refusal, still_allowed
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.batch import write_many
from glimpse.models.posts import (
    COLLECTION,
    Collection,
    Save,
    actor_pk,
    collection_sk,
    collections_pk,
    post_id_in,
    post_pk,
    save_sk,
    saved_pk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.pagination import Page, partition_page, query_page
from glimpse.posts.schemas import CollectionCreate, CollectionOut, PostOut
from glimpse.posts.service import get_visible_post
from glimpse.posts.views import shown_posts

DELETE_PAGE = 100  # a deleted collection's copies read per Query


def save(user_id: str, post_id: str, collection_id: str | None) -> None:
    """Save a post the caller may see (into one of their collections too, if named); saving
    again changes nothing (a post already saved keeps its place). GetItem post; BatchGetItem
    of who may see it, with the save, the collection and its copy; one transaction (the save
    and the copy, the collection checked still there, the block and follow checks)."""
    key = (post_pk(post_id), save_sk(user_id))
    copy_key = (post_pk(post_id), save_sk(user_id, collection_id)) if collection_id else None
    shelf = (collections_pk(user_id), collection_sk(collection_id)) if collection_id else None
    also = [(Save, key)] + ([(Save, copy_key), (Collection, shelf)] if copy_key and shelf else [])
    found, fetched = get_visible_post(user_id, post_id, also)
    if shelf is not None and fetched.get(Collection, shelf) is None:
        raise NotFound("No such collection.")
    wanted = [(k, c) for k, c in ((key, None), (copy_key, collection_id)) if k is not None]
    new = [(k, c) for k, c in wanted if fetched.get(Save, k) is None]
    if not new:
        return
    at = now()
    try:
        with transaction() as tx:
            for (pk, sk), in_collection in new:
                tx.save(
                    Save(
                        pk,
                        sk,
                        user_id=user_id,
                        post_id=post_id,
                        collection_id=in_collection,
                        created_at=at,
                        list_pk=saved_pk(user_id, in_collection),
                        list_sk=new_id(),
                        actor_pk=actor_pk(user_id),
                    ),
                    condition=Save.pk.does_not_exist(),
                    name="save",
                )
            if shelf is not None:
                tx.condition_check(
                    Collection, *shelf, condition=Collection.pk.exists(), name="collection"
                )
            still_allowed(tx, found)
    except ConditionFailed as exc:
        if exc.names & {"block", "follows"}:
            raise refusal(exc.names, "posts", missing="No such post.") from None
        if "collection" in exc.names:
            raise NotFound("No such collection.") from None
        if "save" not in exc.names:
            raise
        # saved meanwhile by another request of theirs: as saving again


def unsave(user_id: str, post_id: str) -> None:
    """The caller's save of the post and its copies in their collections go, whoever may see
    the post now (a save is the caller's own item; nothing about the post is told). Query of
    the post's partition (`begins_with(sk, SAVE#<user_id>)`); BatchWriteItem."""
    keys = [
        (str(item.pk), str(item.sk))
        for item in Save.query(
            post_pk(post_id),
            Save.sk.startswith(save_sk(user_id)),
            attributes_to_get=["pk", "sk"],
        )
    ]
    if keys:
        write_many(Save, deletes=keys)


def saved(user_id: str, collection_id: str | None, limit: int, cursor: str | None) -> Page[PostOut]:
    """The caller's saved posts (or one collection's), newest saved first, those they may no
    longer see left out. (GetItem collection;) ByList Query; the posts' BatchGetItem; their
    views' BatchGetItem."""
    if collection_id is not None:
        _collection(user_id, collection_id)
    saves, next_cursor = query_page(
        Save,
        Save.by_list.query,
        saved_pk(user_id, collection_id),
        Save.list_sk,
        lambda s: str(s.list_sk),
        newest_first=True,
        list_id=f"saved:{user_id}:{collection_id or ''}",
        cursor=cursor,
        limit=limit,
    )
    post_ids = [post_id_in(str(s.pk)) for s in saves]
    return Page[PostOut](items=shown_posts(user_id, post_ids), next_cursor=next_cursor)


def _collection(user_id: str, collection_id: str) -> Collection:
    found = get_or_none(Collection, collections_pk(user_id), collection_sk(collection_id))
    if found is None:
        raise NotFound("No such collection.")
    return found


# --------------------------------------------------------------------------- collections
def create_collection(user_id: str, body: CollectionCreate) -> CollectionOut:
    """One PutItem (`attribute_not_exists`)."""
    collection_id = new_id()
    Collection(
        collections_pk(user_id),
        collection_sk(collection_id),
        collection_id=collection_id,
        user_id=user_id,
        name=body.name,
        created_at=now(),
        actor_pk=actor_pk(user_id),
    ).save(condition=Collection.pk.does_not_exist())
    return CollectionOut(collection_id=collection_id, name=body.name)


def collections(user_id: str, limit: int, cursor: str | None) -> Page[CollectionOut]:
    """The caller's collections, oldest first: one Query."""
    found, next_cursor = partition_page(
        Collection,
        collections_pk(user_id),
        prefix=COLLECTION,
        list_id=f"collections:{user_id}",
        cursor=cursor,
        limit=limit,
    )
    items = [CollectionOut(collection_id=c.collection_id, name=c.name) for c in found]
    return Page[CollectionOut](items=items, next_cursor=next_cursor)


def delete_collection(user_id: str, collection_id: str) -> None:
    """The collection goes (404 if it is not the caller's), then its copies of saves, a page
    at a time; the posts stay saved. DeleteItem; per 100 copies a ByList Query and
    BatchWriteItems. A copy left behind by a failure is shown nowhere (its collection is gone)
    and is erased with the account or the post."""
    shelf = _collection(user_id, collection_id)
    if not conditionally(lambda: shelf.delete(condition=Collection.pk.exists())):
        raise NotFound("No such collection.")  # deleted meanwhile
    remove_copies(user_id, collection_id)


def remove_copies(user_id: str, collection_id: str) -> int:
    """Delete the saves' copies in one collection; returns how many went."""
    found = Save.by_list.query(saved_pk(user_id, collection_id), page_size=DELETE_PAGE)
    removed = 0
    for page in batched(((str(s.pk), str(s.sk)) for s in found), DELETE_PAGE, strict=False):
        write_many(Save, deletes=page)
        removed += len(page)
    return removed
