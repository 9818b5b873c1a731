"""Story stickers: what a new story's stickers become, and how a reader sees them.

Stickers are overlay data kept on the story item (`stickers`, in the order sent, each with its
`sticker_id`); the media is never re-rendered. A poll or a slider also gets a tally item, made
with the story, that only the counters consumer adds to (`story_sticker_voted` events: one
`ADD` per batch, no hot item written per vote); a vote is an item of its own
(glimpse.stories.votes). A poll's counts (a slider's average and count) are shown to the
story's owner and to whoever voted on that sticker; anyone else gets them as null.

A mention names an existing account that neither blocks the owner nor is blocked by them
(else 400, as a tag: they are not there); it stores the account's id next to its username, and
a marker in the account's tray partition (`MENTION#<story_id>`) lets its erasure find the
stickers that name it. Accounts mentioned that may see the story (glimpse.graph.access, and
the story's audience) get a `story_mention` notification (`story_created`'s `mentioned`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from glimpse.clock import new_id
from glimpse.errors import BadRequest, field_error
from glimpse.graph.access import block_keys, blocked_either_way, relation_from, relation_keys
from glimpse.models.base import Model, conditionally, get_or_none
from glimpse.models.batch import Fetched, get_many, write_many
from glimpse.models.graph import CLOSE, Edge, edge_key
from glimpse.models.stories import (
    ANSWER,
    MENTION,
    STORY,
    VOTE,
    MentionMarker,
    StickerAnswer,
    StickerTally,
    StickerVote,
    Story,
    mention_sk,
    story_pk,
    tally_sk,
    tray_pk,
    vote_sk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.models.users import CLAIM, PROFILE, UniqueClaim, UserProfile, user_pk, username_pk
from glimpse.places import service as places
from glimpse.stories.access import audience_allows
from glimpse.stories.schemas import MentionSticker, PlaceSticker, StickerIn, StickerOut

VOTED = ("poll", "slider")  # the stickers that take votes (and have a tally)
MICRO = 1_000_000  # a slider's values are summed in millionths (counters add integers)

type Key = tuple[type[Model], tuple[str, str]]


@dataclass
class Placed:
    """A new story's stickers: as stored, their tallies, and the accounts to tell."""

    stored: list[dict[str, Any]] = field(default_factory=list)
    tallies: list[StickerTally] = field(default_factory=list)
    markers: list[MentionMarker] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)


def place(owner: UserProfile, story: Story, stickers: list[StickerIn]) -> Placed:
    """The stickers of `story` (not saved yet), each with its id, or 400 naming the first
    mention of nobody (no such account, or blocked either way) or the first place sticker of
    no place (glimpse.places). Without mentions or places no read; with mentions two
    BatchGetItems (the username claims; profiles, edges and close-friend entries), a GetItem
    per place sticker."""
    placed = Placed()
    mentions = _mentions(owner, story.audience, stickers)
    for i, sticker in enumerate(stickers):
        if isinstance(sticker, PlaceSticker):  # an unknown place is a 400 on the sticker
            places.existing(sticker.place_id, f"stickers[{i}].place_id")
    for sticker in stickers:
        stored = {"sticker_id": new_id(), **sticker.model_dump(mode="json")}
        if isinstance(sticker, MentionSticker):
            stored["user_id"] = mentions.ids[sticker.username]
        if sticker.type in VOTED:
            placed.tallies.append(
                StickerTally(
                    story_pk(story.story_id),
                    tally_sk(stored["sticker_id"]),
                    expires_at=story.expires_at,
                )
            )
        placed.stored.append(stored)
    placed.markers = [
        MentionMarker(tray_pk(uid), mention_sk(story.story_id), expires_at=story.expires_at)
        for uid in dict.fromkeys(mentions.ids.values())
        if uid != owner.user_id
    ]
    placed.mentioned = mentions.told
    return placed


@dataclass
class _Mentions:
    ids: dict[str, str] = field(default_factory=dict)  # username -> user id
    told: list[str] = field(default_factory=list)  # who may see the story


def _mentions(owner: UserProfile, audience: str, stickers: list[StickerIn]) -> _Mentions:
    named = {i: s.username for i, s in enumerate(stickers) if isinstance(s, MentionSticker)}
    if not named:
        return _Mentions()
    names = list(dict.fromkeys(named.values()))
    claims = get_many([(UniqueClaim, (username_pk(n), CLAIM)) for n in names], consistent=True)
    ids = {}
    for name in names:
        claim = claims.get(UniqueClaim, (username_pk(name), CLAIM))
        if claim is not None and claim.state == "active" and claim.user_id:
            ids[name] = str(claim.user_id)
    others = [uid for uid in dict.fromkeys(ids.values()) if uid != owner.user_id]
    found = get_many(
        [(UserProfile, (user_pk(uid), PROFILE)) for uid in ids.values()]
        + [key for uid in others for key in relation_keys(uid, owner.user_id)]
        + [key for uid in others for key in block_keys(owner.user_id, uid)]
        + [(Edge, edge_key(owner.user_id, CLOSE, uid)) for uid in others],
        consistent=True,
    )
    for i, name in named.items():
        uid = ids.get(name)
        if uid is None or found.get(UserProfile, (user_pk(uid), PROFILE)) is None:
            raise _refused(i, "no such user")
        if uid != owner.user_id and blocked_either_way(found, owner.user_id, uid):
            raise _refused(i, "no such user")  # a block: they are not there for the owner
    told = [
        uid
        for uid in others
        if relation_from(found, uid, owner).can_see_content
        and audience_allows(
            audience, False, found.get(Edge, edge_key(owner.user_id, CLOSE, uid)) is not None
        )
    ]
    return _Mentions(ids, told)


def _refused(index: int, message: str) -> BadRequest:
    return BadRequest(
        f"Sticker {index} cannot be made.",
        [field_error(f"stickers[{index}].username", message)],
    )


# --------------------------------------------------------------------------- reading
def sticker_of(story: Story, sticker_id: str) -> dict[str, Any] | None:
    return next((s for s in story.stickers or [] if s.get("sticker_id") == sticker_id), None)


def tally_key(story_id: str, sticker_id: str) -> tuple[type[StickerTally], tuple[str, str]]:
    return StickerTally, (story_pk(story_id), tally_sk(sticker_id))


def vote_key(
    story_id: str, sticker_id: str, voter_id: str
) -> tuple[type[StickerVote], tuple[str, str]]:
    return StickerVote, (story_pk(story_id), vote_sk(sticker_id, voter_id))


def sticker_keys(story: Story, viewer_id: str) -> list[Key]:
    """What showing the story's stickers to `viewer` reads: each poll's and slider's tally,
    and the viewer's vote on it (read with the story's other items)."""
    keys: list[Key] = []
    for sticker in story.stickers or []:
        if sticker.get("type") in VOTED:
            keys.append(tally_key(story.story_id, sticker["sticker_id"]))
            if viewer_id != story.owner_id:
                keys.append(vote_key(story.story_id, sticker["sticker_id"], viewer_id))
    return keys


@cache
def _out() -> TypeAdapter[StickerOut]:
    """Built on first use: the union's schema is not every cold start's cost."""
    return TypeAdapter(StickerOut)


def views(story: Story, viewer_id: str, fetched: Fetched) -> list[StickerOut]:
    """The stickers as `viewer` sees them, from what `sticker_keys` read."""
    shown = []
    for stored in story.stickers or []:
        sticker = {k: v for k, v in stored.items() if k != "user_id"}
        if stored.get("type") in VOTED:
            sticker |= results(story, stored, viewer_id, fetched)
        shown.append(_out().validate_python(sticker))
    return shown


def results(
    story: Story, sticker: dict[str, Any], viewer_id: str, fetched: Fetched
) -> dict[str, Any]:
    """A poll's `results` and `my_vote` (a slider's `average`, `count` and `my_vote`): the
    counts for the owner and for whoever voted, nulls for anyone else."""
    sticker_id = sticker["sticker_id"]
    vote = fetched.get(*vote_key(story.story_id, sticker_id, viewer_id))
    if viewer_id != story.owner_id and vote is None:
        return {}
    tally = fetched.get(*tally_key(story.story_id, sticker_id))
    if sticker["type"] == "poll":
        return {
            "results": poll_counts(tally, len(sticker["options"])),
            "my_vote": None if vote is None or vote.option is None else int(vote.option),
        }
    average, count = slider_average(tally)
    return {
        "average": average,
        "count": count,
        "my_vote": None if vote is None or vote.value is None else float(vote.value),
    }


def poll_counts(tally: StickerTally | None, options: int) -> list[int]:
    return [int(getattr(tally, f"option_{n}", 0) or 0) for n in range(options)]


def slider_average(tally: StickerTally | None, plus: float | None = None) -> tuple[float, int]:
    """The average and the count of a slider's votes (with `plus`, one more vote)."""
    count = int(tally.votes or 0) if tally is not None else 0
    total = (int(tally.value_sum or 0) if tally is not None else 0) / MICRO
    if plus is not None:
        count, total = count + 1, total + plus
    return (round(total / count, 6) if count else 0.0), count


# --------------------------------------------------------------------------- erasure
def erase_interactions(user_id: str, stories: list[Story]) -> int:
    """An erased account's votes on `stories`' polls and sliders, each out of its tally in
    the transaction that deletes it (a retry finds it gone and subtracts nothing), and its
    answers to their questions; returns how many items went."""
    keys = [
        vote_key(story.story_id, sticker["sticker_id"], user_id)
        for story in stories
        for sticker in story.stickers or []
        if sticker.get("type") in VOTED
    ]
    votes = get_many(keys, consistent=True) if keys else Fetched()
    removed = 0
    for model, key in keys:
        vote = votes.get(model, key)
        if vote is not None and _withdraw(vote):
            removed += 1
    answers = [
        (str(a.pk), str(a.sk))
        for story in stories
        if any(s.get("type") == "question" for s in story.stickers or [])
        for a in StickerAnswer.query(
            story_pk(story.story_id),
            StickerAnswer.sk.startswith(ANSWER),
            filter_condition=StickerAnswer.user_id == user_id,
        )
    ]
    write_many(StickerAnswer, deletes=answers)
    return removed + len(answers)


def _withdraw(vote: StickerVote) -> bool:
    sticker_id = str(vote.sk).removeprefix(VOTE).rsplit("#", 1)[0]
    tally = StickerTally(str(vote.pk), tally_sk(sticker_id))
    actions = [StickerTally.votes.add(-1)]
    if vote.option is not None:
        actions.append(getattr(StickerTally, f"option_{int(vote.option)}").add(-1))
    if vote.value is not None:
        actions.append(StickerTally.value_sum.add(-round(float(vote.value) * MICRO)))
    try:
        with transaction() as tx:
            tx.delete(vote, condition=StickerVote.pk.exists(), name="vote")
            tx.update(tally, actions=actions, condition=StickerTally.pk.exists(), name="tally")
    except ConditionFailed as exc:
        if not exc.names:
            raise
        if "vote" in exc.names:
            return False  # gone already
        conditionally(lambda: vote.delete(condition=StickerVote.pk.exists()))  # no tally left
    return True


def unmention(user_id: str, story_ids: list[str]) -> int:
    """Take an erased account's mention stickers off the stories that name it (their markers
    in its tray partition say which); returns how many stickers went."""
    removed = 0
    for story_id in story_ids:
        story = get_or_none(Story, story_pk(story_id), STORY, consistent=True)
        if story is None or not story.stickers:
            continue
        kept = [s for s in story.stickers if s.get("user_id") != user_id]
        if len(kept) == len(story.stickers):
            continue
        gone = len(story.stickers) - len(kept)
        update = story.update  # only an erasure changes stickers: no other write to race
        if conditionally(
            lambda: update(actions=[Story.stickers.set(kept)], condition=Story.pk.exists())  # noqa: B023
        ):
            removed += gone
    return removed


def mentioned_stories(keys: list[tuple[str, str]]) -> list[str]:
    """The story ids of the mention markers among a tray partition's keys."""
    return [sk.removeprefix(MENTION) for _pk, sk in keys if sk.startswith(MENTION)]
