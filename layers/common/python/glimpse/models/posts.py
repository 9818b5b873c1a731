"""The Posts table: posts, and each post's likes and comments in the post's partition.

Keys (`pk`, `sk`):
- post:    `POST#<post_id>` / `POST`               (+ ByAuthor: `AUTHOR#<author_id>` / `<post_id>`)
- like:    `POST#<post_id>` / `LIKE#<user_id>`
- comment: `POST#<post_id>` / `COMMENT#<comment_id>` (ULIDs: oldest first)
- reply:   `POST#<post_id>` / `REPLY#<comment_id>#<reply_id>` (a Comment whose `reply_to` is
  the top-level comment it answers: one level, oldest first under it)
- comment like: `POST#<post_id>` / `CLIKE#<thread_id>#<comment_id>#<user_id>` (`thread_id`:
  the top-level comment, the comment itself or the one a reply answers: a thread's likes
  are one range, removed with it)
- save:    `POST#<post_id>` / `SAVE#<user_id>`      (+ ByList: `SAVED#<user_id>` / save ULID)
- in a collection: `POST#<post_id>` / `SAVE#<user_id>#<collection_id>`
                                                   (+ ByList: `SAVED#<user_id>#<collection_id>`)
- tag:     `POST#<post_id>` / `TAG#<user_id>`       (+ ByList: `TAGGED#<user_id>` / `<post_id>`)
- collection: `COLLECTIONS#<user_id>` / `COLLECTION#<collection_id>`
ByActor (sparse, keys only): `ACTOR#<user_id>`: the likes, comments, replies and comment likes
one account made on anyone's posts, and its saves, collections and tags (what erasing the
account removes).
ByList (sparse, keys only): one account's saved posts (newest saved first), a collection's,
the posts it is tagged in (newest first). Saves and tags live in the post's partition, so a
deleted post's clean-up takes them with it.
ByCommentId (keys only): `comment_id`: a comment found by its id alone (a report's target).
`removed_at` on a post or comment: a moderator removed it (shown to its author only).
A post's author alone writes its text and settings (`PATCH /posts/{id}`: `edited_at`); the
alt texts of its media live on the media items (glimpse.models.media).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from glimpse.models.base import Model, table_meta

POST = "POST"
LIKE = "LIKE#"
COMMENT = "COMMENT#"
REPLY = "REPLY#"
COMMENT_LIKE = "CLIKE#"
SAVE = "SAVE#"
TAG = "TAG#"
COLLECTION = "COLLECTION#"


def post_pk(post_id: str) -> str:
    return f"POST#{post_id}"


def post_id_of(pk: str, sk: str) -> str | None:
    """The post's id if (`pk`, `sk`) is a post item's key (not a like's or a comment's)."""
    return pk.removeprefix("POST#") if sk == POST and pk.startswith("POST#") else None


def like_sk(user_id: str) -> str:
    return f"{LIKE}{user_id}"


def comment_sk(comment_id: str) -> str:
    return f"{COMMENT}{comment_id}"


def replies_prefix(thread_id: str) -> str:
    return f"{REPLY}{thread_id}#"


def reply_sk(thread_id: str, reply_id: str) -> str:
    return f"{replies_prefix(thread_id)}{reply_id}"


def any_comment_sk(comment_id: str, reply_to: str | None) -> str:
    """A top-level comment's or (`reply_to` its thread) a reply's sort key."""
    return reply_sk(reply_to, comment_id) if reply_to else comment_sk(comment_id)


def comment_likes_prefix(thread_id: str, comment_id: str | None = None) -> str:
    """A thread's comment likes (with `comment_id`, one comment's of it)."""
    return f"{COMMENT_LIKE}{thread_id}#" + (f"{comment_id}#" if comment_id else "")


def comment_like_sk(comment_id: str, reply_to: str | None, user_id: str) -> str:
    return f"{comment_likes_prefix(reply_to or comment_id, comment_id)}{user_id}"


def comment_ref(post_id: str, comment_id: str, reply_to: str | None = None) -> str:
    """A comment or reply named in an event's list: `<post_id>/<comment_id>`, or
    `<post_id>/<thread_id>/<reply_id>`."""
    return "/".join([post_id, *([reply_to] if reply_to else []), comment_id])


def comment_key(ref: str) -> tuple[str, str]:
    """The (pk, sk) of the comment or reply `comment_ref` named."""
    post_id, *rest = ref.split("/")
    if len(rest) == 2:
        return post_pk(post_id), reply_sk(rest[0], rest[1])
    return post_pk(post_id), comment_sk(rest[0])


def save_sk(user_id: str, collection_id: str | None = None) -> str:
    """The save (no collection) or its copy in a collection."""
    return f"{SAVE}{user_id}" + (f"#{collection_id}" if collection_id else "")


def saved_pk(user_id: str, collection_id: str | None = None) -> str:
    """ByList: all the posts one account saved, or those of one of its collections."""
    return f"SAVED#{user_id}" + (f"#{collection_id}" if collection_id else "")


def tag_sk(user_id: str) -> str:
    return f"{TAG}{user_id}"


def tagged_pk(user_id: str) -> str:
    return f"TAGGED#{user_id}"


def collections_pk(user_id: str) -> str:
    return f"COLLECTIONS#{user_id}"


def collection_sk(collection_id: str) -> str:
    return f"{COLLECTION}{collection_id}"


def author_pk(author_id: str) -> str:
    return f"AUTHOR#{author_id}"


def post_id_in(pk: str) -> str:
    """The post's id from its partition's key (a post's, a like's, a comment's)."""
    return pk.removeprefix("POST#")


def actor_pk(user_id: str) -> str:
    return f"ACTOR#{user_id}"


class ByActor(GlobalSecondaryIndex["Like"]):
    class Meta:
        index_name = "ByActor"
        projection = KeysOnlyProjection()

    actor_pk = UnicodeAttribute(hash_key=True)


class ByCommentId(GlobalSecondaryIndex["Comment"]):
    """A comment by its id alone (a report names only that): comment items only."""

    class Meta:
        index_name = "ByCommentId"
        projection = KeysOnlyProjection()

    comment_id = UnicodeAttribute(hash_key=True)


class ByList(GlobalSecondaryIndex["Save"]):
    """Saves and tags by the account they belong to (keys only: the post id is in `pk`)."""

    class Meta:
        index_name = "ByList"
        projection = KeysOnlyProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class TaggedList(GlobalSecondaryIndex["Tag"]):
    """ByList as the tags' model reads it."""

    class Meta:
        index_name = "ByList"
        projection = KeysOnlyProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class ByAuthor(GlobalSecondaryIndex["Post"]):
    class Meta:
        index_name = "ByAuthor"
        projection = AllProjection()

    author_pk = UnicodeAttribute(hash_key=True)
    post_sk = UnicodeAttribute(range_key=True)


class Post(Model):
    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=POST)
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    # PynamoDB's stubs type `of` as the element type; the runtime wants the attribute class.
    media_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    caption = UnicodeAttribute(default="")
    hashtags = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    mentions = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    location = UnicodeAttribute(null=True)
    place_id = UnicodeAttribute(null=True)  # a place (glimpse.models.places)
    # It counts in its place's `post_count` (its author was public when it got the place);
    # a removed post is out of the count while removed (glimpse.posts.service.counted_at).
    place_counted = BooleanAttribute(null=True)
    like_count = NumberAttribute(default=0)
    comment_count = NumberAttribute(default=0)
    # +1 with every change the search index shows (counts): orders the index's versions.
    revision = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    author_pk = UnicodeAttribute()
    post_sk = UnicodeAttribute()
    removed_at = UTCDateTimeAttribute(null=True)  # by a moderator
    # The author's settings (absent before post edits: false); others see `like_count: null`.
    hide_like_count = BooleanAttribute(null=True)
    comments_disabled = BooleanAttribute(null=True)
    edited_at = UTCDateTimeAttribute(null=True)  # the last PATCH by its author
    # People tagged in it: user id -> [{media_id, x, y}] (a map, so one tag goes with a REMOVE).
    tags = MapAttribute[str, object](null=True)
    by_author = ByAuthor()


class Like(Model):
    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    # The post's author: its `post_liked` event, read from the stream, names them
    # (glimpse.posts.like_events; absent on likes from older releases).
    author_id = UnicodeAttribute(null=True)
    # Its creation on the Posts stream is its event (absent on likes of earlier releases, whose
    # event was in the outbox: glimpse.posts.like_events)
    streamed = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    actor_pk = UnicodeAttribute(null=True)  # ByActor (absent on likes from older releases)
    by_actor = ByActor()
    # Epoch seconds: its account was deleted and it left the post's count (glimpse.withdrawal).
    withdrawn_at = NumberAttribute(null=True)


class Comment(Model):
    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    comment_id = UnicodeAttribute()
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    actor_pk = UnicodeAttribute(null=True)  # ByActor (absent on comments from older releases)
    withdrawn_at = NumberAttribute(null=True)  # as on likes
    removed_at = UTCDateTimeAttribute(null=True)  # by a moderator
    reply_to = UnicodeAttribute(null=True)  # a reply: the top-level comment it answers
    reply_count = NumberAttribute(default=0)  # a top-level comment's (the counters')
    like_count = NumberAttribute(default=0)  # the counters'
    by_comment_id = ByCommentId()

    @property
    def thread_id(self) -> str:
        return str(self.reply_to or self.comment_id)


class CommentLike(Model):
    """One account's like of one comment or reply (in its post's partition)."""

    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    # not `comment_id`: that attribute is ByCommentId's key, which names comments alone
    liked_id = UnicodeAttribute()
    reply_to = UnicodeAttribute(null=True)  # the liked comment's thread, when it is a reply
    comment_author_id = UnicodeAttribute()  # whose notification its like is in
    created_at = UTCDateTimeAttribute()
    streamed = BooleanAttribute(null=True)  # as on likes
    actor_pk = UnicodeAttribute(null=True)  # ByActor
    withdrawn_at = NumberAttribute(null=True)  # as on likes


class Save(Model):
    """A post one account saved (`collection_id` None), or its copy in one of its collections."""

    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    post_id = UnicodeAttribute()
    collection_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    list_pk = UnicodeAttribute()  # ByList: `saved_pk(user_id, collection_id)`
    list_sk = UnicodeAttribute()  # a ULID of when it was saved: newest first
    actor_pk = UnicodeAttribute()  # ByActor
    by_list = ByList()


class Tag(Model):
    """One account tagged in a post (where: the post's `tags`), for its tagged list."""

    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    post_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    list_pk = UnicodeAttribute()  # ByList: `tagged_pk(user_id)`
    list_sk = UnicodeAttribute()  # the post id: newest first
    actor_pk = UnicodeAttribute()  # ByActor
    by_list = TaggedList()


class Collection(Model):
    """A named collection of one account's saved posts."""

    Meta = table_meta("posts_table")

    pk = UnicodeAttribute(hash_key=True)  # `collections_pk(user_id)`
    sk = UnicodeAttribute(range_key=True)  # `collection_sk(collection_id)`
    collection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    actor_pk = UnicodeAttribute()  # ByActor
