"""People tagged in a post's photos: who may be tagged, the tag items, the tagged list, and
removing oneself.

A tag is stored twice: in the post item's `tags` (user id -> places, what its view shows,
read with the post) and as a tag item in the post's partition (ByList `TAGGED#<user_id>`:
the account's tagged list, newest post first), so a deleted post's clean-up takes its tags
with it. Tags are written once, with the post; only removing oneself (or an erasure)
changes them afterwards.

Who may be tagged: any existing account that neither blocks the author nor is blocked by
them (a blocked account is not there for the author, so the tag is refused with 400, named),
the author included. A private author may tag someone who does not follow them: the tag is
the author's to make, but its `tag` notification, as a mention's, reaches only someone who
may see the post (glimpse.notifications), and the tagged list shows a post only to who may
see it, the tagged account too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glimpse.directory import UserSummary, summary, user_id_for
from glimpse.errors import BadRequest, field_error
from glimpse.graph.access import (
    block_keys,
    blocked_either_way,
    no_block_checks,
    relation,
    require_content,
)
from glimpse.models.base import get_or_none
from glimpse.models.batch import get_many
from glimpse.models.posts import POST, Post, Tag, actor_pk, post_pk, tag_sk, tagged_pk
from glimpse.models.transactions import ConditionFailed, Transaction, transaction
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from glimpse.pagination import Page, query_page
from glimpse.posts.schemas import PostCreate, PostOut, TagOut
from glimpse.posts.views import shown_posts

TAGS: Any = Post.tags  # its paths by user id (`tags.<id>`)


@dataclass(frozen=True)
class Tagged:
    """The accounts a new post tags: user id -> its places ({media_id, x, y})."""

    places: dict[str, list[dict[str, Any]]]
    users: dict[str, UserSummary]

    @property
    def user_ids(self) -> list[str]:
        return list(self.places)

    def view(self, media_ids: list[str]) -> list[TagOut]:
        """The tags as the new post's author sees them, in the order of its media."""
        order = {media_id: i for i, media_id in enumerate(media_ids)}
        shown = [
            TagOut(user=self.users[uid], media_id=str(p["media_id"]), x=p["x"], y=p["y"])
            for uid, places in self.places.items()
            for p in places
        ]
        return sorted(shown, key=lambda t: (order[t.media_id], t.user.username))


NONE = Tagged({}, {})


def resolve(author_id: str, body: PostCreate) -> Tagged:
    """The accounts `body.tags` names, each checked taggable by the author, or 400 naming the
    first tag that is not: its media item not in the post, twice in one media item, no such
    account, blocked either way. Two BatchGetItems (the username claims; the profiles and the
    block edges), none without tags."""
    if not body.tags:
        return NONE
    seen: set[tuple[str, str]] = set()
    for i, tag in enumerate(body.tags):
        if tag.media_id not in body.media_ids:
            raise _refused(i, "media_id", "must be one of the post's media_ids")
        if (tag.username.lower(), tag.media_id) in seen:
            raise _refused(i, "username", "is tagged in this media item already")
        seen.add((tag.username.lower(), tag.media_id))
    names = list(dict.fromkeys(tag.username.lower() for tag in body.tags))
    claims = get_many([(UniqueClaim, (username_pk(n), CLAIM)) for n in names], consistent=True)
    ids: dict[str, str] = {}
    for name in names:
        claim = claims.get(UniqueClaim, (username_pk(name), CLAIM))
        if claim is not None and claim.state == "active" and claim.user_id:
            ids[name] = str(claim.user_id)
    others = [uid for uid in dict.fromkeys(ids.values()) if uid != author_id]
    found = get_many(
        [(UserProfile, (user_pk(uid), PROFILE)) for uid in ids.values()]
        + [key for uid in others for key in block_keys(author_id, uid)],
        consistent=True,
    )
    places: dict[str, list[dict[str, Any]]] = {}
    users: dict[str, UserSummary] = {}
    for i, tag in enumerate(body.tags):
        uid = ids.get(tag.username.lower())
        profile = found.get(UserProfile, (user_pk(uid), PROFILE)) if uid else None
        if uid is None or profile is None:
            raise _refused(i, "username", "no such user")
        if uid != author_id and blocked_either_way(found, author_id, uid):
            raise _refused(i, "username", "no such user")  # a block: they are not there
        places.setdefault(uid, []).append({"media_id": tag.media_id, "x": tag.x, "y": tag.y})
        users[uid] = summary(profile)
    return Tagged(places, users)


def _refused(index: int, field: str, message: str) -> BadRequest:
    return BadRequest(
        f"Tag {index} cannot be made.", [field_error(f"tags[{index}].{field}", message)]
    )


def tag_in(tx: Transaction, post: Post, tagged: Tagged) -> None:
    """The tag items of a new post, each with the checks that no block came between its
    account and the author since `resolve` (named `block`)."""
    for user_id in tagged.user_ids:
        tx.save(
            Tag(
                post_pk(post.post_id),
                tag_sk(user_id),
                user_id=user_id,
                post_id=post.post_id,
                created_at=post.created_at,
                list_pk=tagged_pk(user_id),
                list_sk=post.post_id,
                actor_pk=actor_pk(user_id),
            )
        )
        if user_id != post.author_id:
            no_block_checks(tx, post.author_id, user_id)


def tagged_posts(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[PostOut]:
    """The posts `username` is tagged in, newest first: 404 across a block and 403 for a
    private account's non-follower, as their own posts; then each post only if the viewer may
    see it (its author's privacy and blocks), so a page may come out shorter. Claim GetItem,
    relation BatchGetItem, ByList Query, the posts' BatchGetItem, their views' BatchGetItem."""
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "tagged posts")
    user_id = found.owner.user_id
    tags, next_cursor = query_page(
        Tag,
        Tag.by_list.query,
        tagged_pk(user_id),
        Tag.list_sk,
        lambda tag: str(tag.list_sk),
        newest_first=True,
        list_id=f"tagged:{user_id}",
        cursor=cursor,
        limit=limit,
    )
    post_ids = [str(tag.pk).removeprefix("POST#") for tag in tags]
    return Page[PostOut](items=shown_posts(viewer_id, post_ids), next_cursor=next_cursor)


def untag(user_id: str, post_id: str) -> bool:
    """The account's tag leaves the post (its item and its place in the post's `tags`), whoever
    may see the post now: one's own name is always one's own to take back. False when it was
    not tagged. GetItem of the tag; one transaction (or, the post gone, a conditional delete)."""
    tag = get_or_none(Tag, post_pk(post_id), tag_sk(user_id))
    if tag is None:
        return False
    try:
        with transaction() as tx:
            tx.delete(tag, condition=Tag.pk.exists(), name="tag")
            tx.update(
                Post(post_pk(post_id), POST),
                actions=[TAGS[user_id].remove()],
                condition=Post.pk.exists(),
                name="post",
            )
    except ConditionFailed as exc:
        if "tag" in exc.names:
            return False  # removed meanwhile
        if "post" not in exc.names:
            raise
        tag.delete()  # the post is gone (its clean-up is under way): the tag alone
    return True
