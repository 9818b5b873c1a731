"""Posts, likes and comments.

A like writes its own item alone, under a condition on that item (its creation on the Posts
stream is its event: glimpse.posts.like_events); an unlike or a comment writes its item with
its event in one transaction that touches no shared item: the post's `like_count` and
`comment_count` and the author's `posts_count` are added up from the events by the counters
consumer, so a viral post is never rewritten once per like (glimpse.counters).
"""

from __future__ import annotations

from pynamodb.expressions.update import Action

from glimpse.clock import new_id, now
from glimpse.directory import UserSummary, summary, user_id_for
from glimpse.errors import BadRequest, Forbidden, NotFound, field_error
from glimpse.events import (
    CommentAdded,
    CommentDeleted,
    MediaWithdrawn,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostUnliked,
)
from glimpse.graph.access import (
    Relation,
    listed,
    refusal,
    relation,
    relation_from,
    require_content,
    still_allowed,
)
from glimpse.media.service import unused_media
from glimpse.media.service import view as media_view
from glimpse.models.base import Model, conditionally, get_or_none
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.places import Place
from glimpse.models.posts import (
    COMMENT,
    LIKE,
    POST,
    Comment,
    Like,
    Post,
    actor_pk,
    any_comment_sk,
    author_pk,
    comment_sk,
    like_sk,
    post_pk,
    replies_prefix,
)
from glimpse.models.transactions import ConditionFailed, Contention, Transaction, transaction
from glimpse.models.users import PROFILE, UserProfile, user_pk
from glimpse.pagination import Page, partition_page, query_page
from glimpse.places import service as places
from glimpse.posts import tags, text, threads
from glimpse.posts.schemas import (
    AltTexts,
    CommentCreate,
    CommentOut,
    LikeOut,
    PostCreate,
    PostEdit,
    PostOut,
)
from glimpse.posts.views import is_hidden, like_count_for, post_view, sight_keys, view_keys
from glimpse.users import hidden_words
from glimpse.withdrawal import as_read, is_withdrawn


# --------------------------------------------------------------------------- create
def create_post(author_id: str, body: PostCreate) -> PostOut:
    """Two DynamoDB calls: one BatchGetItem (author and media), one transaction; tags add two
    BatchGetItems (glimpse.posts.tags.resolve)."""
    alt_texts = _alt_texts(body.alt_texts, body.media_ids)
    author, items, place = _author_media_and_place(author_id, body.media_ids, body.place_id)
    tagged = tags.resolve(author_id, body)
    post = _new_post(author_id, body)
    post.tags = tagged.places or None
    if place is not None:  # a private account's post is at the place, but not counted there
        post.place_counted = not author.is_private
    _write_post(post, items, alt_texts, tagged)
    for item in items:
        item.alt_text = alt_texts.get(item.media_id, item.alt_text)
    view = _created_view(post, author, items)
    place_view = places.view(place) if place is not None else None
    return view.model_copy(update={"tags": tagged.view(body.media_ids), "place": place_view})


def counted_at(post: Post) -> str | None:
    """The place whose `post_count` counts `post`: its place, if its author was public when it
    got it and it is not removed (every event that moves it in or out says so)."""
    counted = post.place_id and post.place_counted and post.removed_at is None
    return str(post.place_id) if counted else None


def _alt_texts(asked: AltTexts | None, media_ids: list[str]) -> dict[str, str | None]:
    """The alt texts asked for, by media id (None, for an empty or blank one: none); 400 for
    an id that is not one of the post's media."""
    stray = sorted(set(asked or {}) - set(media_ids))
    if stray:
        raise BadRequest(
            "Alt texts describe the post's own media.",
            [field_error(f"alt_texts.{m}", "not one of the post's media") for m in stray],
        )
    return {m: alt if alt and alt.strip() else None for m, alt in (asked or {}).items()}


def _alt_text_action(alt: str | None) -> Action:
    return MediaItem.alt_text.set(alt) if alt is not None else MediaItem.alt_text.remove()


def _author_media_and_place(
    author_id: str, media_ids: list[str], place_id: str | None
) -> tuple[UserProfile, list[MediaItem], Place | None]:
    """The author's profile, the post's media items, each checked usable, and its place (an
    unknown one: 400): one read."""
    fetched = get_many(
        [(UserProfile, (user_pk(author_id), PROFILE))]
        + [(MediaItem, (media_pk(media_id), MEDIA)) for media_id in media_ids]
        + places.keys(place_id),
        consistent=True,
    )
    author = fetched.get(UserProfile, (user_pk(author_id), PROFILE))
    if author is None:
        raise NotFound("No such user.")
    items = [_usable_media(fetched, author_id, i, m) for i, m in enumerate(media_ids)]
    return author, items, places.require(fetched, place_id)


def _new_post(author_id: str, body: PostCreate) -> Post:
    post_id = new_id()
    return Post(
        post_pk(post_id),
        POST,
        post_id=post_id,
        author_id=author_id,
        media_ids=body.media_ids,
        caption=body.caption,
        hashtags=text.hashtags(body.caption),
        mentions=text.mentions(body.caption),
        location=body.location,
        place_id=body.place_id,
        like_count=0,
        comment_count=0,
        hide_like_count=body.hide_like_count or None,
        comments_disabled=body.comments_disabled or None,
        created_at=now(),
        author_pk=author_pk(author_id),
        post_sk=post_id,
    )


def _write_post(
    post: Post,
    items: list[MediaItem],
    alt_texts: dict[str, str | None],
    tagged: tags.Tagged = tags.NONE,
) -> None:
    """The post, its media marked used (if still unused and not rejected) with their alt
    texts, the author's `last_post_id`, its tag items and `PostCreated`, in one transaction."""
    post_id, author_id = post.post_id, post.author_id
    try:
        with transaction() as tx:
            tx.save(post, condition=Post.pk.does_not_exist())
            for item in items:
                tx.update(
                    MediaItem(media_pk(item.media_id), MEDIA),
                    actions=[
                        MediaItem.used_by.set(post_id),
                        MediaItem.expires_at.remove(),
                        _alt_text_action(alt_texts.get(item.media_id)),
                    ],
                    condition=(MediaItem.owner_id == author_id)
                    & MediaItem.used_by.does_not_exist()
                    & (MediaItem.status != "rejected"),
                )
            # The author's own item, written once per post: no hot item (posts_count is counted).
            tx.update(
                UserProfile(user_pk(author_id), PROFILE),
                actions=[UserProfile.last_post_id.set(post_id)],
                condition=UserProfile.pk.exists(),
            )
            tags.tag_in(tx, post, tagged)
            tx.emit(PostCreated(post_id=post_id, author_id=author_id, place_id=counted_at(post)))
    except ConditionFailed as exc:
        if "block" in exc.names:
            raise BadRequest(
                "A tagged account blocked the author, or was blocked, meanwhile.",
                [field_error("tags", "each tagged account must neither block nor be blocked")],
            ) from None
        raise BadRequest(
            "A media item was used or rejected meanwhile.",
            [field_error("media_ids", "each media item must be unused and not rejected")],
        ) from None


def _created_view(post: Post, author: UserProfile, items: list[MediaItem]) -> PostOut:
    """The new post as its author sees it (nothing liked or commented yet)."""
    return PostOut(
        post_id=post.post_id,
        author=summary(author),
        media=[media_view(item) for item in items],
        caption=post.caption,
        hashtags=list(post.hashtags),
        mentions=list(post.mentions),
        location=post.location,
        like_count=0,
        hide_like_count=bool(post.hide_like_count),
        comment_count=0,
        liked_by_me=False,
        comments_disabled=bool(post.comments_disabled),
        created_at=post.created_at,
    )


def _usable_media(fetched: Fetched, author_id: str, index: int, media_id: str) -> MediaItem:
    item = fetched.get(MediaItem, (media_pk(media_id), MEDIA))
    return unused_media(item, author_id, "post", f"media_ids[{index}]")


# --------------------------------------------------------------------------- read
def _get_post(post_id: str) -> Post:
    post = get_or_none(Post, post_pk(post_id), POST)
    if post is None:
        raise NotFound("No such post.")
    return post


def _visible(
    viewer_id: str, post: Post, also: list[tuple[type[Model], Key]] | None = None
) -> tuple[Relation, Fetched]:
    """Who may see `post`, and what its view needs (and the items `also` names): one
    BatchGetItem."""
    fetched = get_many(
        [*sight_keys(viewer_id, post), (UserProfile, (user_pk(viewer_id), PROFILE)), *(also or [])],
        consistent=True,
    )
    author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
    if author is None:
        raise NotFound("No such post.")
    found = relation_from(fetched, viewer_id, author)
    require_content(found, "posts", missing="No such post.")
    if is_hidden(viewer_id, post, fetched):
        raise NotFound("No such post.")
    return found, fetched


def get_visible_post(
    viewer_id: str, post_id: str, also: list[tuple[type[Model], Key]]
) -> tuple[Relation, Fetched]:
    """Whether `viewer` may see the post (403/404 as reading it), with the items `also`
    names: GetItem, then one BatchGetItem."""
    return _visible(viewer_id, _get_post(post_id), also)


def get_post(viewer_id: str, post_id: str) -> PostOut:
    """GetItem, then one BatchGetItem: two calls."""
    post = _get_post(post_id)
    _found, fetched = _visible(viewer_id, post)
    view = post_view(viewer_id, post, fetched)
    if view is None:
        raise NotFound("No such post.")
    return view


def user_posts(viewer_id: str, username: str, limit: int, cursor: str | None) -> Page[PostOut]:
    """Claim GetItem, relation BatchGetItem, ByAuthor Query, view BatchGetItem."""
    found = relation(viewer_id, user_id_for(username))
    require_content(found, "posts")
    author_id = found.owner.user_id
    posts, next_cursor = query_page(
        Post,
        Post.by_author.query,
        author_pk(author_id),
        Post.post_sk,
        lambda post: str(post.post_id),
        newest_first=True,
        list_id=f"posts:{author_id}",
        cursor=cursor,
        limit=limit,
    )
    fetched = get_many(view_keys(viewer_id, posts))
    items = [v for post in posts if (v := post_view(viewer_id, post, fetched)) is not None]
    return Page[PostOut](items=items, next_cursor=next_cursor)


# --------------------------------------------------------------------------- edit
EDIT_ATTEMPTS = 3  # a concurrent edit of the caption makes the edit read the post again
# What decides the place a post counts at (counted_at): as read, for an event that names it.
PLACE_MARKS = ("place_id", "place_counted", "removed_at")


def edit_post(caller_id: str, post_id: str, patch: PostEdit) -> PostOut:
    """The author changes the post's text, settings and alt texts: GetItem, one transaction
    (the post; each media item whose alt text changes; `post_edited`), then the view's
    BatchGetItem. Anyone else gets what reading the post would give (403 private, 404 across
    a block), else 403.

    The edit is conditioned on the caption it read, so the mentions it reports as added are
    exactly those the caption gained; its `revision` moves, so the search index (captions,
    hashtag pages and their counts) follows from the Posts stream."""
    for _attempt in range(EDIT_ATTEMPTS):
        post = _get_post(post_id)
        if post.author_id != caller_id:
            _visible(caller_id, post)  # 404 when the caller may not even see it
            raise Forbidden("Only the author may edit a post.")
        alt_texts = _alt_texts(patch.alt_texts, list(post.media_ids))
        counted = _counted_at_new_place(post, patch)
        if _write_edit(post, patch, alt_texts, counted):
            fetched = get_many(view_keys(caller_id, [post]), consistent=True)
            view = post_view(caller_id, post, fetched)
            if view is None:  # its author's account went meanwhile
                raise NotFound("No such post.")
            return view
    raise Contention()


def _counted_at_new_place(post: Post, patch: PostEdit) -> bool | None:
    """For an edit that gives the post another place: whether it counts there (its author is
    public now), reading the author and the place (an unknown one: 400) in one BatchGetItem.
    None when the place does not change."""
    if patch.place_id is None or patch.place_id == (post.place_id or ""):
        return None
    fetched = get_many(
        [(UserProfile, (user_pk(post.author_id), PROFILE)), *places.keys(patch.place_id)]
    )
    places.require(fetched, patch.place_id)
    author = fetched.get(UserProfile, (user_pk(post.author_id), PROFILE))
    return bool(patch.place_id) and author is not None and not author.is_private


def _write_edit(
    post: Post, patch: PostEdit, alt_texts: dict[str, str | None], counted: bool | None = None
) -> bool:
    """One transaction, then `post` as it wrote it; False (nothing written) when the caption
    (or, when the place changes, the place or the removal mark) changed since it was read, or
    the post went."""
    edited = _edited(post, patch, counted)
    actions: list[Action] = [
        Post.edited_at.set(edited.edited_at),
        Post.revision.add(1),
        Post.caption.set(edited.caption),
        Post.hashtags.set(list(edited.hashtags or [])),
        Post.mentions.set(list(edited.mentions or [])),
        Post.location.set(edited.location) if edited.location else Post.location.remove(),
        Post.hide_like_count.set(bool(edited.hide_like_count)),
        Post.comments_disabled.set(bool(edited.comments_disabled)),
    ]
    condition = Post.pk.exists() & (Post.caption == post.caption)
    if counted is not None:  # the place changes: the events name the places as read
        actions += _place_actions(edited.place_id, counted)
        condition &= as_read(Post, post, PLACE_MARKS)
    try:
        with transaction() as tx:
            tx.update(
                Post(post_pk(post.post_id), POST),
                actions=actions,
                condition=condition,
                name="post",
            )
            for media_id, alt_text in alt_texts.items():
                tx.update(
                    MediaItem(media_pk(media_id), MEDIA),
                    actions=[_alt_text_action(alt_text)],
                    condition=MediaItem.used_by == post.post_id,
                    name=media_id,
                )
            tx.emit(_edit_event(post, edited))
    except ConditionFailed as exc:
        if "post" in exc.names:
            return False
        raise NotFound("No such post.") from None  # its media were released: it is going
    for name in Post.get_attributes():
        setattr(post, name, getattr(edited, name))
    return True


def _edit_event(post: Post, edited: Post) -> PostEdited:
    """Who the edit newly mentions, and the places whose counts it leaves and joins."""
    added = [name for name in edited.mentions or [] if name not in (post.mentions or [])]
    left, joined = counted_at(post), counted_at(edited)
    return PostEdited(
        post_id=post.post_id,
        author_id=post.author_id,
        mentions_added=added,
        place_left=left if left != joined else None,
        place_joined=joined if left != joined else None,
    )


def _place_actions(place_id: str | None, counted: bool) -> list[Action]:
    return [
        Post.place_id.set(place_id) if place_id else Post.place_id.remove(),
        Post.place_counted.set(True) if counted else Post.place_counted.remove(),
    ]


def _edited(post: Post, patch: PostEdit, counted: bool | None = None) -> Post:
    """A copy of `post` with `patch` applied (the fields it sends; a caption's hashtags and
    mentions parsed again; with `counted`, its new place), edited now."""
    edited = Post.from_raw_data(post.serialize())
    if counted is not None:
        edited.place_id = patch.place_id or None
        edited.place_counted = counted or None
    if patch.caption is not None:
        edited.caption = patch.caption
        edited.hashtags = text.hashtags(patch.caption)
        edited.mentions = text.mentions(patch.caption)
    if patch.location is not None:
        edited.location = patch.location or None
    if patch.hide_like_count is not None:
        edited.hide_like_count = patch.hide_like_count
    if patch.comments_disabled is not None:
        edited.comments_disabled = patch.comments_disabled
    edited.edited_at = now()
    return edited


# --------------------------------------------------------------------------- delete
def delete_post(caller_id: str, post_id: str) -> None:
    post = _get_post(post_id)
    if post.author_id != caller_id:
        _visible(caller_id, post)  # 404 when the caller may not even see it
        raise Forbidden("Only the author may delete a post.")
    if not remove_post(post):
        raise NotFound("No such post.")


def remove_post(post: Post) -> bool:
    """The post goes, with `post_deleted` (its likes, comments and feed entries follow), and
    its media (those still its own: an erasure may have removed them first) are released and
    withdrawn: `media_withdrawn` deletes them with their files; False if it was gone
    already."""
    media_ids = list(post.media_ids)
    while True:
        try:
            with transaction() as tx:
                tx.delete(
                    Post(post_pk(post.post_id), POST),
                    condition=Post.pk.exists() & as_read(Post, post, PLACE_MARKS),
                    name="post",
                )
                event = PostDeleted(
                    post_id=post.post_id, author_id=post.author_id, place_id=counted_at(post)
                )
                tx.emit(event)
                if media_ids:
                    tx.emit(MediaWithdrawn(owner_id=post.author_id, media_ids=media_ids))
                for media_id in media_ids:
                    tx.update(
                        MediaItem(media_pk(media_id), MEDIA),
                        actions=[MediaItem.used_by.remove()],
                        condition=MediaItem.used_by == post.post_id,
                        name=media_id,
                    )
        except ConditionFailed as exc:
            if "post" in exc.names:
                fresh = get_or_none(Post, post_pk(post.post_id), POST)
                if fresh is None:
                    return False
                post = fresh  # its place or removal changed meanwhile: as it is now
                continue
            lost = exc.names & set(media_ids)
            if not lost:
                raise
            media_ids = [m for m in media_ids if m not in lost]
            continue
        return True


# --------------------------------------------------------------------------- likes
def like(viewer_id: str, post_id: str) -> LikeOut:
    """GetItem, the visibility BatchGetItem, one conditional PutItem of the like (1 write
    unit, docs/access-patterns.md): its `post_liked` is the item's own change on the Posts
    stream (glimpse.posts.like_events). No condition re-checks who may see the post: a block or
    a lost follow removes no like, so a like that commits just after one is the same state as
    one made just before it (docs/design.md, 2026-12-07).

    `like_count` is the stored count (kept by the counters consumer) plus this like if new;
    null for anyone but the author when the author hides it.
    """
    post = _get_post(post_id)
    _visible(viewer_id, post)
    like = Like(
        post_pk(post_id),
        like_sk(viewer_id),
        user_id=viewer_id,
        author_id=post.author_id,
        created_at=now(),
        actor_pk=actor_pk(viewer_id),
        streamed=True,
    )
    if not conditionally(lambda: like.save(condition=Like.pk.does_not_exist())):
        # Liked before: the stored count, which may not have counted that like yet.
        count = max(1, int(post.like_count))
        return LikeOut(like_count=like_count_for(viewer_id, post, count), liked_by_me=True)
    count = int(post.like_count) + 1
    return LikeOut(like_count=like_count_for(viewer_id, post, count), liked_by_me=True)


def unlike(viewer_id: str, post_id: str) -> LikeOut:
    """Like `like`: the visibility rules of reading the post, one transaction."""
    post = _get_post(post_id)
    found, fetched = _visible(viewer_id, post)
    stored = like_count_for(viewer_id, post, int(post.like_count))
    existing = fetched.get(Like, (post_pk(post_id), like_sk(viewer_id)))
    if existing is None:
        return LikeOut(like_count=stored, liked_by_me=False)  # not liked: nothing changes
    try:
        with transaction() as tx:
            unlike_in(tx, post, existing)
            still_allowed(tx, found)
    except ConditionFailed as exc:
        _raise_for(exc)
        return LikeOut(like_count=stored, liked_by_me=False)  # not liked: nothing changes
    return LikeOut(like_count=None if stored is None else max(0, stored - 1), liked_by_me=False)


def _raise_for(exc: ConditionFailed) -> None:
    """The error for a failed visibility check; returns when only the item's own one failed."""
    if exc.names & {"block", "follows"}:
        raise refusal(exc.names, "posts", missing="No such post.") from None
    if not exc.names & {"like", "comment"}:
        raise exc


def likers(viewer_id: str, post_id: str, limit: int, cursor: str | None) -> Page[UserSummary]:
    post = _get_post(post_id)
    _visible(viewer_id, post)
    likes, next_cursor = partition_page(
        Like, post_pk(post_id), prefix=LIKE, list_id=f"likes:{post_id}", cursor=cursor, limit=limit
    )
    ids = [item.user_id for item in likes]
    found = listed(viewer_id, ids)
    return Page[UserSummary](items=[found[i] for i in ids if i in found], next_cursor=next_cursor)


# --------------------------------------------------------------------------- comments
def add_comment(viewer_id: str, post_id: str, body: CommentCreate) -> CommentOut:
    """Whoever may see the post, while its comments are on (403 once the author turns them
    off, the author included); with `reply_to`, a reply in the thread of the comment it
    answers, which the caller must see (glimpse.posts.threads). Its count is the counters'
    (`comment_count`, or the thread's `reply_count`)."""
    post = _get_post(post_id)
    also = threads.top_keys(post_id, body.reply_to, viewer_id) if body.reply_to else []
    found, fetched = _visible(viewer_id, post, also=also)
    me = fetched.get(UserProfile, (user_pk(viewer_id), PROFILE))
    if me is None:
        raise NotFound("No such user.")
    if post.comments_disabled:  # as read: the post is not made a hot item by a check
        raise Forbidden("Comments are turned off for this post.")
    answered = (
        threads.shown(viewer_id, post, threads.find(post, body.reply_to, fetched))
        if body.reply_to
        else None
    )
    thread = answered.thread_id if answered is not None else None
    comment_id = new_id()
    comment = Comment(
        post_pk(post_id),
        any_comment_sk(comment_id, thread),
        comment_id=comment_id,
        post_id=post_id,
        author_id=viewer_id,
        text=body.text,
        created_at=now(),
        actor_pk=actor_pk(viewer_id),
        reply_to=thread,
    )
    try:
        with transaction() as tx:
            tx.save(comment, condition=Comment.pk.does_not_exist(), name="comment")
            still_allowed(tx, found)
            tx.emit(
                CommentAdded(
                    post_id=post_id,
                    author_id=post.author_id,
                    comment_id=comment_id,
                    commenter_id=viewer_id,
                    reply_to=thread,
                    replied_to_id=answered.author_id if answered is not None else None,
                )
            )
    except ConditionFailed as exc:
        _raise_for(exc)
    return threads.out(comment, summary(me), liked_by_me=False)


def comments(viewer_id: str, post_id: str, limit: int, cursor: str | None) -> Page[CommentOut]:
    """Top-level comments, oldest first. The post's author does not see others' comments that
    hold one of their hidden words (glimpse.users.hidden_words, read with the visibility
    batch): a page may come out shorter, its cursor unchanged."""
    post = _get_post(post_id)
    hides = _hides(viewer_id, post)
    found, next_cursor = partition_page(
        Comment,
        post_pk(post_id),
        prefix=COMMENT,
        list_id=f"comments:{post_id}",
        cursor=cursor,
        limit=limit,
    )
    items = threads.views(viewer_id, post, found, hides)
    return Page[CommentOut](items=items, next_cursor=next_cursor)


def replies(
    viewer_id: str, post_id: str, comment_id: str, limit: int, cursor: str | None
) -> Page[CommentOut]:
    """A top-level comment's replies, oldest first, as its post's comments are shown (a
    comment the caller may not see, a moderator's removal among them, shows no replies: 404)."""
    post = _get_post(post_id)
    own = viewer_id == post.author_id
    key = (post_pk(post_id), comment_sk(comment_id))
    also: list[tuple[type[Model], Key]] = [(Comment, key)]
    _found, fetched = _visible(viewer_id, post, also=also + _hidden_keys(viewer_id, post))
    thread = threads.shown(viewer_id, post, fetched.get(Comment, key), authors=False)
    hides = hidden_words.matcher_in(fetched, viewer_id) if own else hidden_words.NOTHING
    found, next_cursor = partition_page(
        Comment,
        post_pk(post_id),
        prefix=replies_prefix(comment_id),
        list_id=f"replies:{post_id}:{comment_id}",
        cursor=cursor,
        limit=limit,
    )
    items = threads.views(viewer_id, post, found, hides, thread=thread)
    return Page[CommentOut](items=items, next_cursor=next_cursor)


def _hidden_keys(viewer_id: str, post: Post) -> list[tuple[type[Model], Key]]:
    """The post's author's hidden words (read with the post's visibility)."""
    return [hidden_words.key(viewer_id)] if viewer_id == post.author_id else []


def _hides(viewer_id: str, post: Post) -> hidden_words.Matcher:
    """The post's visibility (404 / 403), and the words its author does not see comments with."""
    _found, fetched = _visible(viewer_id, post, also=_hidden_keys(viewer_id, post))
    if viewer_id != post.author_id:
        return hidden_words.NOTHING
    return hidden_words.matcher_in(fetched, viewer_id)


def like_comment(viewer_id: str, post_id: str, comment_id: str) -> LikeOut:
    """As liking a post: the like alone, one conditional PutItem (its `comment_liked` is its
    change on the Posts stream; no visibility re-check, as `like`; the counters add
    `like_count`)."""
    post, _found, _fetched, comment = _liked_comment(viewer_id, post_id, comment_id)
    stored = int(comment.like_count or 0)
    if not threads.like(viewer_id, post, comment):
        return LikeOut(like_count=max(1, stored), liked_by_me=True)  # liked before
    return LikeOut(like_count=stored + 1, liked_by_me=True)


def _liked_comment(
    viewer_id: str, post_id: str, comment_id: str
) -> tuple[Post, Relation, Fetched, Comment]:
    """The post (as reading it decides: 404 / 403), and the comment the caller may see: a
    GetItem, a BatchGetItem (with the comment, were it top-level, and the caller's like of
    it), a reply's Query and GetItem, the author's `listed` BatchGetItem."""
    post = _get_post(post_id)
    also = threads.top_keys(post_id, comment_id, viewer_id)
    found, fetched = _visible(viewer_id, post, also=also)
    return (
        post,
        found,
        fetched,
        threads.shown(viewer_id, post, threads.find(post, comment_id, fetched)),
    )


def unlike_comment(viewer_id: str, post_id: str, comment_id: str) -> LikeOut:
    post, found, fetched, comment = _liked_comment(viewer_id, post_id, comment_id)
    stored = int(comment.like_count or 0)
    existing = threads.like_of(viewer_id, post, comment, fetched)
    if existing is None:
        return LikeOut(like_count=stored, liked_by_me=False)  # not liked: nothing changes
    try:
        with transaction() as tx:
            threads.unlike_in(tx, post_id, existing)
            still_allowed(tx, found)
    except ConditionFailed as exc:
        _raise_for(exc)
        return LikeOut(like_count=stored, liked_by_me=False)
    return LikeOut(like_count=max(0, stored - 1), liked_by_me=False)


def delete_comment(caller_id: str, post_id: str, comment_id: str) -> None:
    """The post's author, or the comment's author while they may see the post. Anyone but the
    post's author first gets the answer reading the post would give (404 across a block, 403
    for a private author they no longer follow), whatever the comment id, so ids cannot be
    probed; then a 403 unless the comment is theirs. The post's author deletes any comment on
    it, a blocked commenter's too."""
    post = _get_post(post_id)
    key = (post_pk(post_id), comment_sk(comment_id))
    found: Relation | None = None
    if caller_id == post.author_id:
        comment = threads.find(post, comment_id, get_many([(Comment, key)], consistent=True))
        if comment is None:
            raise NotFound("No such comment.")
    else:
        found, fetched = _visible(caller_id, post, also=[(Comment, key)])
        comment = threads.find(post, comment_id, fetched)
        if comment is None or comment.author_id != caller_id:
            raise Forbidden("Only the comment's author or the post's author may delete it.")
    try:
        with transaction() as tx:
            uncomment_in(tx, post, comment)
            if found is not None:
                still_allowed(tx, found)  # a block since the read is a 404, as reading it
    except ConditionFailed as exc:
        _raise_for(exc)
        raise NotFound("No such comment.") from None  # deleted meanwhile: as deleting it twice


def unlike_in(tx: Transaction, post: Post, like: Like) -> None:
    """The like as read goes (`like` fails if it changed, its withdrawal mark included), with
    `post_unliked` (its time says which notification entry it made; `withdrawn` when it left
    the count already). Unlikes keep the outbox: a removal on the stream could as well be a
    clean-up's or a restore's (glimpse.posts.like_events)."""
    tx.delete(
        Like(post_pk(post.post_id), like_sk(like.user_id)),
        condition=(Like.created_at == like.created_at) & as_read(Like, like),
        name="like",
    )
    tx.emit(
        PostUnliked(
            post_id=post.post_id,
            author_id=post.author_id,
            user_id=like.user_id,
            liked_at=like.created_at,
            withdrawn=is_withdrawn(like),
        )
    )


def uncomment_in(tx: Transaction, post: Post, comment: Comment) -> None:
    """The comment as read goes (`comment` fails if it went already or its withdrawal mark
    changed), with `comment_deleted` (`withdrawn` when it left the count already)."""
    tx.delete(comment, condition=Comment.pk.exists() & as_read(Comment, comment), name="comment")
    tx.emit(
        CommentDeleted(
            post_id=post.post_id,
            author_id=post.author_id,
            comment_id=comment.comment_id,
            commenter_id=comment.author_id,
            withdrawn=is_withdrawn(comment),
            reply_to=comment.reply_to,
        )
    )
