"""What each event adds to which counter: the counters consumer's table (event type → deltas).

A row's function answers the (item, attribute, delta) changes one event stands for; the
consumer sums them per item over a batch (glimpse.counters.service). The counters queue's SNS
filter policy is the table's event types (a test holds template.yaml to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glimpse import events
from glimpse.models.base import Model
from glimpse.models.graph import AFFINITY, Edge, edge_key
from glimpse.models.insights import InsightItem, account_day_key, story_key
from glimpse.models.moderation import CASE, Case, reason_attribute, target_pk
from glimpse.models.places import PLACE, Place, place_pk
from glimpse.models.posts import POST, Comment, Post, comment_key, comment_ref, post_pk
from glimpse.models.stories import STORY, StickerTally, Story, story_pk, tally_sk
from glimpse.models.users import PROFILE, UserProfile, user_pk

type Key = tuple[type[Model], str, str]  # model, pk, sk
type Delta = tuple[Key, str, int]  # item, attribute, change


def profile(user_id: str) -> Key:
    return (UserProfile, user_pk(user_id), PROFILE)


def post(post_id: str) -> Key:
    return (Post, post_pk(post_id), POST)


def comment(ref: str) -> Key:
    """A comment's or a reply's item (`comment_ref`)."""
    return (Comment, *comment_key(ref))


def affinity(reader_id: str, author_id: str) -> Key:
    return (Edge, *edge_key(reader_id, AFFINITY, author_id))


def place(place_id: str) -> Key:
    return (Place, place_pk(place_id), PLACE)


def insight_day(user_id: str, event: events.Event) -> Key:
    """An account's insights of the UTC day the event happened (glimpse.models.insights)."""
    return (InsightItem, *account_day_key(user_id, event.occurred_at.date()))


def posted(event: events.PostCreated | events.PostDeleted) -> list[Delta]:
    sign = _sign(event, events.PostCreated)
    changes = [(profile(event.author_id), "posts_count", sign)]
    if event.place_id:
        changes.append((place(event.place_id), "post_count", sign))
    return changes


def moved(event: events.PostEdited) -> list[Delta]:
    """An edit that took the post to another place (or none): out of one count, into the
    other."""
    return [
        *([(place(event.place_left), "post_count", -1)] if event.place_left else []),
        *([(place(event.place_joined), "post_count", 1)] if event.place_joined else []),
    ]


def moderated(event: events.ContentRemoved | events.ContentRestored) -> list[Delta]:
    """A removed post leaves its place's count until it is restored."""
    if not event.place_id:
        return []
    return [(place(event.place_id), "post_count", _sign(event, events.ContentRestored))]


def liked(event: events.PostLiked | events.PostUnliked) -> list[Delta]:
    sign = _sign(event, events.PostLiked)
    # a like withdrawn with its deleted account left the count then (counts_withdrawn)
    counted = not (isinstance(event, events.PostUnliked) and event.withdrawn)
    changes = [(post(event.post_id), "like_count", sign)] if counted else []
    if event.user_id != event.author_id:
        changes.append((affinity(event.user_id, event.author_id), "interactions", sign))
    return changes


def commented(event: events.CommentAdded) -> list[Delta]:
    """A comment counts in its post's `comment_count`, a reply in its thread's `reply_count`."""
    changes = [_comment_count(event.post_id, event.reply_to, 1)]
    if event.commenter_id != event.author_id:
        changes.append((affinity(event.commenter_id, event.author_id), "interactions", 1))
    return changes


def uncommented(event: events.CommentDeleted) -> list[Delta]:
    return [] if event.withdrawn else [_comment_count(event.post_id, event.reply_to, -1)]


def _comment_count(post_id: str, reply_to: str | None, delta: int) -> Delta:
    if reply_to:
        return (comment(comment_ref(post_id, reply_to)), "reply_count", delta)
    return (post(post_id), "comment_count", delta)


def comment_liked(event: events.CommentLiked | events.CommentUnliked) -> list[Delta]:
    """A comment's or reply's `like_count`, as a post's (one ADD per item per batch)."""
    if isinstance(event, events.CommentUnliked) and event.withdrawn:
        return []
    ref = comment_ref(event.post_id, event.comment_id, event.reply_to)
    return [(comment(ref), "like_count", _sign(event, events.CommentLiked))]


def followed(event: events.FollowCreated | events.RequestApproved) -> list[Delta]:
    """An earlier release's follow (this release's are counted from the follow edge's stream
    by glimpse.counters.followers, with `follow_counts`)."""
    if event.edges_counted or (isinstance(event, events.FollowCreated) and not event.is_follow):
        return []
    return follow_counts(event)


def unfollowed(event: events.FollowRemoved) -> list[Delta]:
    return [] if event.edges_counted or not event.was_follow else unfollow_counts(event)


def follow_counts(event: events.FollowCreated | events.RequestApproved) -> list[Delta]:
    """What a follow adds: both accounts' counts and the followee's day."""
    return [
        (profile(event.followee_id), "followers_count", 1),
        (profile(event.follower_id), "following_count", 1),
        (insight_day(event.followee_id, event), "followers_gained", 1),
    ]


def unfollow_counts(event: events.FollowRemoved) -> list[Delta]:
    """What a follow's removal takes away (not what a deleted account's withdrawal took)."""
    changes: list[Delta] = []
    if not event.followers_withdrawn:
        changes.append((profile(event.followee_id), "followers_count", -1))
    if not (event.followers_withdrawn or event.following_withdrawn):
        # a deleted account's follows are not lost followers; a deleted followee has no days
        changes.append((insight_day(event.followee_id, event), "followers_lost", 1))
    if not event.following_withdrawn:
        changes.append((profile(event.follower_id), "following_count", -1))
    return changes


def withdrawn_or_returned(event: events.CountsWithdrawn | events.CountsReturned) -> list[Delta]:
    """A deleted account's contributions out of others' counts, or back in on restore."""
    sign = _sign(event, events.CountsReturned)
    return [
        *((post(p), "like_count", sign) for p in event.liked),
        *((post(p), "comment_count", sign) for p in event.commented),
        *((profile(u), "followers_count", sign) for u in event.following),
        *((profile(u), "following_count", sign) for u in event.followers),
        *((comment(ref), "reply_count", sign) for ref in event.replied),
        *((comment(ref), "like_count", sign) for ref in event.comment_liked),
    ]


def reported(event: events.ContentReported) -> list[Delta]:
    """A report counts in its target's case (made, or opened again, by the same write:
    `Case.made_by_count`)."""
    case = (Case, target_pk(event.target_type, event.target_id), CASE)
    return [(case, "report_count", 1), (case, reason_attribute(event.reason), 1)]


def story_viewed(event: events.StoryViewed) -> list[Delta]:
    return [((Story, story_pk(event.story_id), STORY), "view_count", 1)]


def sticker_voted(event: events.StoryStickerVoted) -> list[Delta]:
    """A poll's vote counts for its option, a slider's value (in millionths) in its sum; both
    in the sticker's `votes` (one ADD on the tally per batch, never per vote)."""
    tally = (StickerTally, story_pk(event.story_id), tally_sk(event.sticker_id))
    changes: list[Delta] = [(tally, "votes", 1), sticker_tap(event)]
    if event.option is not None:
        changes.append((tally, f"option_{event.option}", 1))
    if event.value is not None:
        changes.append((tally, "value_sum", round(event.value * 1_000_000)))
    return changes


def sticker_tap(event: events.StoryStickerVoted | events.StoryQuestionAnswered) -> Delta:
    """A vote or an answer is one of the story's `sticker_taps` in its insights."""
    return ((InsightItem, *story_key(event.story_id)), "sticker_taps", 1)


def question_answered(event: events.StoryQuestionAnswered) -> list[Delta]:
    return [sticker_tap(event)]


def story_liked(event: events.StoryLiked) -> list[Delta]:
    """A story's likes in its insights (a like is taken back by no event: it stays counted)."""
    return [((InsightItem, *story_key(event.story_id)), "likes", 1)]


def _sign(event: events.Event, positive: type[events.Event]) -> int:
    return 1 if isinstance(event, positive) else -1


DELTAS: dict[type[events.Event], Callable[[Any], list[Delta]]] = {
    events.PostCreated: posted,
    events.PostDeleted: posted,
    events.PostEdited: moved,  # a change of place
    events.ContentRemoved: moderated,  # a post counted at a place
    events.ContentRestored: moderated,
    events.PostLiked: liked,
    events.PostUnliked: liked,
    events.CommentAdded: commented,
    events.CommentDeleted: uncommented,
    events.CommentLiked: comment_liked,
    events.CommentUnliked: comment_liked,
    events.FollowCreated: followed,  # an earlier release's follow, not a request
    events.RequestApproved: followed,  # an earlier release's
    events.FollowRemoved: unfollowed,  # an earlier release's follow, not a request
    events.StoryViewed: story_viewed,
    events.StoryStickerVoted: sticker_voted,
    events.StoryQuestionAnswered: question_answered,
    events.StoryLiked: story_liked,
    events.ContentReported: reported,
    events.CountsWithdrawn: withdrawn_or_returned,
    events.CountsReturned: withdrawn_or_returned,
}


def deltas(event: events.Event) -> list[Delta]:
    """The counter changes one event stands for (none for an event the table lacks)."""
    row = DELTAS.get(type(event))
    return row(event) if row is not None else []


def event_types() -> set[str]:
    return {events.type_of(cls) for cls in DELTAS}
