"""Domain events: one type per fact, as published on the social-events topic.

A service records an event in the same DynamoDB transaction as the change it describes
(`Transaction.emit`, the outbox); the publisher forwards it from the outbox table's stream to
SNS with a `type` message attribute, and each consumer's queue subscribes with a filter policy
on `type`. Consumers are idempotent on `event_id` and must not assume any order between
events: they read the current state when order matters (see docs/events.md).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter

from glimpse.clock import new_id, now
from glimpse.schema import Schema, Timestamp

FollowState = Literal["following", "requested"]


def _now_ms() -> datetime:
    """Now, to the millisecond: what the JSON carries, so an event survives a round trip."""
    moment = now()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Event(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(default_factory=new_id)
    occurred_at: Timestamp = Field(default_factory=_now_ms)


# --------------------------------------------------------------------------- posts
class PostCreated(Event):
    type: Literal["post_created"] = "post_created"
    post_id: str
    author_id: str
    place_id: str | None = None  # the place whose `post_count` it joins (a public author's)


class PostDeleted(Event):
    type: Literal["post_deleted"] = "post_deleted"
    post_id: str
    author_id: str
    place_id: str | None = None  # the place whose `post_count` it leaves


class PostEdited(Event):
    """Its author changed the post (`PATCH /posts/{id}`): the search index follows from the
    Posts stream; this tells who is newly mentioned (in the caption as it was before, not)."""

    type: Literal["post_edited"] = "post_edited"
    post_id: str
    author_id: str
    mentions_added: list[str] = Field(default_factory=list)
    # The places whose `post_count` it left and joined (a change of `place_id`).
    place_left: str | None = None
    place_joined: str | None = None


class PostLiked(Event):
    type: Literal["post_liked"] = "post_liked"
    post_id: str
    author_id: str  # the post's author
    user_id: str  # who liked it


class PostUnliked(Event):
    type: Literal["post_unliked"] = "post_unliked"
    post_id: str
    author_id: str
    user_id: str
    # When the removed like was made (notifications find it by that); None from older releases.
    liked_at: Timestamp | None = None
    # Its account was deleted and the like taken out of the count already (counts_withdrawn).
    withdrawn: bool = False


class CommentAdded(Event):
    type: Literal["comment_added"] = "comment_added"
    post_id: str
    author_id: str  # the post's author
    comment_id: str
    commenter_id: str
    # A reply: the top-level comment whose `reply_count` it is in, and the author of the
    # comment it answered (that comment, or a reply in its thread): told `comment_reply`.
    reply_to: str | None = None
    replied_to_id: str | None = None


class CommentDeleted(Event):
    type: Literal["comment_deleted"] = "comment_deleted"
    post_id: str
    author_id: str
    comment_id: str
    commenter_id: str
    # Its account was deleted and the comment taken out of the count already.
    withdrawn: bool = False
    reply_to: str | None = None  # a reply's thread (a top-level comment takes its replies along)


class CommentLiked(Event):
    type: Literal["comment_liked"] = "comment_liked"
    post_id: str
    comment_id: str
    reply_to: str | None = None  # the liked comment's thread, when it is a reply
    author_id: str  # the comment's author
    user_id: str  # who liked it


class CommentUnliked(Event):
    type: Literal["comment_unliked"] = "comment_unliked"
    post_id: str
    comment_id: str
    reply_to: str | None = None
    author_id: str
    user_id: str
    liked_at: Timestamp  # which notification entry the like made
    withdrawn: bool = False  # as on post_unliked


# --------------------------------------------------------------------------- graph
class FollowCreated(Event):
    """A follow edge (`following`) or a pending request (`requested`, private accounts)."""

    type: Literal["follow_created"] = "follow_created"
    follower_id: str
    followee_id: str
    status: FollowState
    # Counted by the followers consumer from the follow edge's stream (glimpse.counters.followers):
    # the counters leave it. False on an earlier release's events, which the counters count.
    edges_counted: bool = False

    @property
    def is_follow(self) -> bool:
        """A follow edge now exists (not a pending request): what feeds, trays and counts
        react to."""
        return self.status == "following"


class FollowRemoved(Event):
    """An unfollow, a withdrawn request, or either removed by a block (`by_block`)."""

    type: Literal["follow_removed"] = "follow_removed"
    follower_id: str
    followee_id: str
    status: FollowState  # what was removed
    by_block: bool = False
    # When the removed follow or request was made (notifications find it by that).
    since: Timestamp | None = None
    # The follower was deleted and the follow taken out of the followee's followers_count
    # already; the followee was, and out of the follower's following_count.
    followers_withdrawn: bool = False
    following_withdrawn: bool = False
    # Counted by the followers consumer from the follow edge's stream (glimpse.counters.followers):
    # the counters leave it. False on an earlier release's events, which the counters count.
    edges_counted: bool = False

    @property
    def was_follow(self) -> bool:
        """A follow edge went (not a pending request)."""
        return self.status == "following"


class RequestApproved(Event):
    """The request became a follow (counts and feeds treat it as `follow_created`)."""

    type: Literal["request_approved"] = "request_approved"
    follower_id: str
    followee_id: str
    # Counted by the followers consumer from the follow edge's stream (glimpse.counters.followers):
    # the counters leave it. False on an earlier release's events, which the counters count.
    edges_counted: bool = False


class RequestDenied(Event):
    type: Literal["request_denied"] = "request_denied"
    follower_id: str
    followee_id: str


class UserBlocked(Event):
    type: Literal["user_blocked"] = "user_blocked"
    blocker_id: str
    blocked_id: str


class UserUnblocked(Event):
    type: Literal["user_unblocked"] = "user_unblocked"
    blocker_id: str
    blocked_id: str


# --------------------------------------------------------------------------- profiles
class AccountMadePrivate(Event):
    type: Literal["account_made_private"] = "account_made_private"
    user_id: str


class AccountMadePublic(Event):
    type: Literal["account_made_public"] = "account_made_public"
    user_id: str


class ProfileChanged(Event):
    type: Literal["profile_changed"] = "profile_changed"
    user_id: str
    fields: list[str]  # display_name, bio, avatar


class CelebrityReached(Event):
    """The account passed CelebrityFollowerThreshold: its posts are now pulled, not pushed."""

    type: Literal["celebrity_reached"] = "celebrity_reached"
    user_id: str


# --------------------------------------------------------------------------- leaving
class AccountDeleted(Event):
    """The account asked to leave: it is gone for everyone at once (its profile is moved aside:
    glimpse.users.deletion) and erased at `erase_after` unless it is restored before."""

    type: Literal["account_deleted"] = "account_deleted"
    user_id: str


class AccountRestored(Event):
    """The account came back within its grace period: everything it held is shown again."""

    type: Literal["account_restored"] = "account_restored"
    user_id: str


class NewDeviceLogin(Event):
    """A sign-in from a device the account has not used for 90 days (its user agent named
    as `device`): its owner is told (`login` notification)."""

    type: Literal["new_device_login"] = "new_device_login"
    user_id: str
    device: str


class MediaWithdrawn(Event):
    """Media items nothing shows any more (a deleted post's, a replaced avatar): they go with
    their files, unless their owner uses them again meanwhile (glimpse.media.reactions)."""

    type: Literal["media_withdrawn"] = "media_withdrawn"
    owner_id: str
    media_ids: list[str]


class AutoLabel(Schema):
    """A label automatic moderation gave an upload (glimpse.media.labels' vocabulary), and its
    score, 0..1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    score: float


class MediaFlagged(Event):
    """An upload was published but waits for moderators: its `labels` scored above
    `ModerationReviewScore` (`reason: labels`), or the model could not score it
    (`moderation_failed`, no labels). Written with the item's `ready` status."""

    type: Literal["media_flagged"] = "media_flagged"
    media_id: str
    owner_id: str
    labels: list[AutoLabel] = Field(default_factory=list)
    reason: Literal["labels", "moderation_failed"]


class CountsWithdrawn(Event):
    """A deleted account's likes, comments and follows (a page of them) leave others' counts
    while it waits to be erased; each item is marked `withdrawn` in the same transaction."""

    type: Literal["counts_withdrawn"] = "counts_withdrawn"
    user_id: str
    liked: list[str] = Field(default_factory=list)  # post ids
    commented: list[str] = Field(default_factory=list)  # post ids, one per comment
    following: list[str] = Field(default_factory=list)  # accounts it followed
    followers: list[str] = Field(default_factory=list)  # accounts that followed it
    # `<post_id>/<thread_id>` per reply; `<post_id>/<comment_id>[/<reply_id>]` per comment like
    replied: list[str] = Field(default_factory=list)
    comment_liked: list[str] = Field(default_factory=list)


class CountsReturned(Event):
    """The restored account's withdrawn likes, comments and follows (a page of them) count
    again; their `withdrawn` marks go in the same transaction."""

    type: Literal["counts_returned"] = "counts_returned"
    user_id: str
    liked: list[str] = Field(default_factory=list)
    commented: list[str] = Field(default_factory=list)
    following: list[str] = Field(default_factory=list)
    followers: list[str] = Field(default_factory=list)
    replied: list[str] = Field(default_factory=list)
    comment_liked: list[str] = Field(default_factory=list)


class AccountErased(Event):
    """The grace period ended: every aggregate erases what it holds of the account (published
    when the delayed outbox item written at deletion expires: glimpse.models.outbox)."""

    type: Literal["account_erased"] = "account_erased"
    user_id: str


# --------------------------------------------------------------------------- stories
class StoryCreated(Event):
    type: Literal["story_created"] = "story_created"
    story_id: str
    owner_id: str
    audience: Literal["followers", "close_friends"]
    # Accounts its mention stickers name that may see it (a `story_mention` each)
    mentioned: list[str] = Field(default_factory=list)


class StoryRemoved(Event):
    """The story item is gone: deleted by its owner, or expired (DynamoDB's TTL)."""

    type: Literal["story_removed"] = "story_removed"
    story_id: str
    owner_id: str


class StoryViewed(Event):
    """A viewer's first view of a story (views are idempotent: one event per viewer)."""

    type: Literal["story_viewed"] = "story_viewed"
    story_id: str
    owner_id: str
    viewer_id: str


class StoryLiked(Event):
    type: Literal["story_liked"] = "story_liked"
    story_id: str
    owner_id: str
    user_id: str


class StoryStickerVoted(Event):
    """A viewer's one vote on a poll (`option`) or a slider (`value`, 0..1) sticker; the
    counters consumer adds it to the sticker's tally."""

    type: Literal["story_sticker_voted"] = "story_sticker_voted"
    story_id: str
    owner_id: str
    sticker_id: str
    voter_id: str
    option: int | None = None
    value: float | None = None


class StoryQuestionAnswered(Event):
    """An answer to a question sticker (for the story's owner)."""

    type: Literal["story_question_answered"] = "story_question_answered"
    story_id: str
    owner_id: str
    sticker_id: str
    answer_id: str
    user_id: str


# --------------------------------------------------------------------------- exports
class ExportRequested(Event):
    """`POST /me/exports` accepted a request: the exporter builds the archive."""

    type: Literal["export_requested"] = "export_requested"
    user_id: str
    export_id: str


class ExportReady(Event):
    """The exporter wrote the archive: its owner is told."""

    type: Literal["export_ready"] = "export_ready"
    user_id: str
    export_id: str


# --------------------------------------------------------------------------- moderation
class ContentReported(Event):
    """A report that counts: the first of its reporter on its target (glimpse.moderation).
    The counters consumer adds it to the target's case and opens the case for review."""

    type: Literal["content_reported"] = "content_reported"
    target_type: Literal["post", "comment", "story", "message", "user"]
    target_id: str
    reporter_id: str
    reason: str


class ContentRemoved(Event):
    """A moderator removed a post, comment, story or message: shown to its author only
    (`removed: true`) until `content_restored`. `parent_id` is a comment's post or a
    message's conversation."""

    type: Literal["content_removed"] = "content_removed"
    target_type: Literal["post", "comment", "story", "message"]
    target_id: str
    owner_id: str
    parent_id: str | None = None
    reply_to: str | None = None  # a reply's thread (its key names it)
    place_id: str | None = None  # a post's place, whose `post_count` it leaves (joins)


class ContentRestored(Event):
    """A moderator took a removal back: the content is shown again as before."""

    type: Literal["content_restored"] = "content_restored"
    target_type: Literal["post", "comment", "story", "message"]
    target_id: str
    owner_id: str
    parent_id: str | None = None
    reply_to: str | None = None
    place_id: str | None = None  # a post's place, whose `post_count` it leaves (joins)


class AccountSuspended(Event):
    """A moderator suspended the account: hidden as a deleted account is (its profile moved
    aside, its contributions out of others' counts), its sign-in disabled, until
    `account_unsuspended`."""

    type: Literal["account_suspended"] = "account_suspended"
    user_id: str


class AccountUnsuspended(Event):
    type: Literal["account_unsuspended"] = "account_unsuspended"
    user_id: str


type DomainEvent = Annotated[
    PostCreated
    | PostDeleted
    | PostEdited
    | PostLiked
    | PostUnliked
    | CommentAdded
    | CommentDeleted
    | CommentLiked
    | CommentUnliked
    | FollowCreated
    | FollowRemoved
    | RequestApproved
    | RequestDenied
    | UserBlocked
    | UserUnblocked
    | AccountMadePrivate
    | AccountMadePublic
    | ProfileChanged
    | CelebrityReached
    | AccountDeleted
    | AccountRestored
    | AccountErased
    | MediaWithdrawn
    | MediaFlagged
    | CountsWithdrawn
    | CountsReturned
    | NewDeviceLogin
    | StoryCreated
    | StoryRemoved
    | StoryViewed
    | StoryLiked
    | StoryStickerVoted
    | StoryQuestionAnswered
    | ExportRequested
    | ExportReady
    | ContentReported
    | ContentRemoved
    | ContentRestored
    | AccountSuspended
    | AccountUnsuspended,
    Field(discriminator="type"),
]


def type_of(cls: type[Event]) -> str:
    """An event class's `type` (what its JSON and the SNS filter policies name)."""
    return str(cls.model_fields["type"].default)


def as_published(event: Event) -> tuple[str, str]:
    """(type, JSON body): what the publisher sends to the topic for `event`."""
    return type_of(type(event)), event.model_dump_json()


EVENT_TYPES: tuple[str, ...] = tuple(
    type_of(cls)
    for cls in Event.__subclasses__()  # every concrete event, in definition order
)


@cache
def _adapter() -> TypeAdapter[DomainEvent]:
    """Built on first use: only consumers parse events, and it is the costliest schema."""
    return TypeAdapter(DomainEvent)


def parse(raw: str | bytes) -> DomainEvent:
    """An event from its JSON; raises `pydantic.ValidationError` for anything else."""
    return _adapter().validate_json(raw)


def parse_obj(raw: object) -> DomainEvent:
    """An event from decoded JSON; raises `pydantic.ValidationError` for anything else."""
    return _adapter().validate_python(raw)
