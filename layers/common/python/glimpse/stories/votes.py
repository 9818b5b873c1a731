"""Votes on polls and sliders, answers to question stickers.

Who may vote or answer: whoever may see the story (glimpse.stories.access: 404 across a block
or outside a close-friends audience, 403 for a private account's non-follower), but its owner
(403). One vote per viewer and sticker: the vote item's put is conditioned on its absence, so
a second vote is a 409 and changes nothing. The vote, the checks that keep the viewer allowed
and `story_sticker_voted` are one transaction; the tally is the counters consumer's (no hot
item written per vote), so the results a vote answers are the stored tally plus this vote.
Voting or answering also views the story (its view and seen marker, as a like does).

Answers are the owner's alone: `GET .../answers` is a 403 for anyone else who may see the
story; an answer holding one of the owner's hidden words is left out of the owner's list (as a
comment on their post is).
"""

from __future__ import annotations

from typing import Any

from glimpse.clock import new_id, now
from glimpse.errors import BadRequest, Conflict, Forbidden, NotFound, field_error
from glimpse.events import StoryQuestionAnswered, StoryStickerVoted
from glimpse.graph.access import Relation, listed, refusal, still_allowed
from glimpse.models.batch import Fetched, get_many
from glimpse.models.media import MEDIA, MediaItem, media_pk
from glimpse.models.stories import (
    StickerAnswer,
    StickerVote,
    Story,
    answer_sk,
    answers_prefix,
    story_pk,
    vote_sk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.pagination import Page, partition_page
from glimpse.stories import stickers
from glimpse.stories.access import MISSING, live_story, visible
from glimpse.stories.schemas import AnswerIn, AnswerOut, PollResults, SliderResults, VoteIn
from glimpse.stories.viewers import seen
from glimpse.users import hidden_words

NO_STICKER = "No such sticker."


def _sticker(story: Story, sticker_id: str, kinds: tuple[str, ...], what: str) -> dict[str, Any]:
    """The story's sticker, 404 if it has none of that id, 400 if it is not of `kinds`."""
    sticker = stickers.sticker_of(story, sticker_id)
    if sticker is None:
        raise NotFound(NO_STICKER)
    if sticker["type"] not in kinds:
        raise BadRequest(
            f"A {sticker['type']} sticker takes no {what}.",
            [field_error("sticker_id", f"must be a {' or '.join(kinds)} sticker")],
        )
    return sticker


def _participant(
    user_id: str, story_id: str, sticker_id: str, kinds: tuple[str, ...], what: str
) -> tuple[Story, dict[str, Any], Relation, Fetched]:
    """The live story, its sticker, and how `user` may see it (with the sticker's tally and
    the user's vote, read with the rest), or the error: 404/403 as viewing, 403 for the owner."""
    story = live_story(story_id)
    if user_id == story.owner_id:
        _sticker(story, sticker_id, kinds, what)
        raise Forbidden(f"The story's owner sends no {what} to its stickers.")
    also = [
        stickers.tally_key(story_id, sticker_id),
        stickers.vote_key(story_id, sticker_id, user_id),
    ]
    found, fetched = visible(user_id, story, also)
    media = fetched.get(MediaItem, (media_pk(story.media_id), MEDIA))
    if media is None or media.status != "ready":
        raise NotFound(MISSING)  # others see a story once its media is ready
    return story, _sticker(story, sticker_id, kinds, what), found, fetched


def vote(
    voter_id: str, story_id: str, sticker_id: str, body: VoteIn
) -> PollResults | SliderResults:
    """GetItem of the story, one BatchGetItem, one transaction (vote, checks, event); as a
    view the first time (glimpse.stories.viewers)."""
    story, sticker, found, fetched = _participant(
        voter_id, story_id, sticker_id, stickers.VOTED, "votes"
    )
    option, value = _ballot(sticker, body)
    if fetched.get(*stickers.vote_key(story_id, sticker_id, voter_id)) is not None:
        raise Conflict("You voted on this sticker already.")
    try:
        with transaction() as tx:
            tx.save(
                StickerVote(
                    story_pk(story_id),
                    vote_sk(sticker_id, voter_id),
                    voter_id=voter_id,
                    option=option,
                    value=value,
                    created_at=now(),
                    expires_at=story.expires_at,
                ),
                condition=StickerVote.pk.does_not_exist(),
                name="vote",
            )
            still_allowed(tx, found)
            tx.emit(
                StoryStickerVoted(
                    story_id=story_id,
                    owner_id=story.owner_id,
                    sticker_id=sticker_id,
                    voter_id=voter_id,
                    option=option,
                    value=value,
                )
            )
    except ConditionFailed as exc:
        if exc.names - {"vote"}:
            raise refusal(exc.names - {"vote"}, "stories", MISSING) from None
        raise Conflict("You voted on this sticker already.") from None
    seen(found, fetched, story, voter_id)
    tally = fetched.get(*stickers.tally_key(story_id, sticker_id))
    if option is not None:
        counts = stickers.poll_counts(tally, len(sticker["options"]))
        counts[option] += 1  # the stored tally may not hold this vote yet
        return PollResults(results=counts, my_vote=option)
    average, count = stickers.slider_average(tally, plus=value)
    return SliderResults(average=average, count=count)


def _ballot(sticker: dict[str, Any], body: VoteIn) -> tuple[int | None, float | None]:
    """The vote a sticker takes from `body`: a poll's option (one of its own), or a slider's
    value; 400 for the other."""
    if sticker["type"] == "poll":
        if body.option is None:
            raise BadRequest("A poll takes an option.", [field_error("option", "required")])
        if body.option >= len(sticker["options"]):
            message = f"must be 0..{len(sticker['options']) - 1}"
            raise BadRequest("No such option.", [field_error("option", message)])
        return body.option, None
    if body.value is None:
        raise BadRequest("A slider takes a value.", [field_error("value", "required (0..1)")])
    return None, float(body.value)


def answer(user_id: str, story_id: str, sticker_id: str, body: AnswerIn) -> None:
    """GetItem, one BatchGetItem, one transaction (answer, checks, event); as a view."""
    story, _, found, fetched = _participant(user_id, story_id, sticker_id, ("question",), "answers")
    answer_id = new_id()
    try:
        with transaction() as tx:
            tx.save(
                StickerAnswer(
                    story_pk(story_id),
                    answer_sk(sticker_id, answer_id),
                    answer_id=answer_id,
                    user_id=user_id,
                    text=body.text,
                    created_at=now(),
                    expires_at=story.expires_at,
                ),
                condition=StickerAnswer.pk.does_not_exist(),
            )
            still_allowed(tx, found)
            tx.emit(
                StoryQuestionAnswered(
                    story_id=story_id,
                    owner_id=story.owner_id,
                    sticker_id=sticker_id,
                    answer_id=answer_id,
                    user_id=user_id,
                )
            )
    except ConditionFailed as exc:
        raise refusal(exc.names, "stories", MISSING) from None
    seen(found, fetched, story, user_id)


def answers(
    owner_id: str, story_id: str, sticker_id: str, limit: int, cursor: str | None
) -> Page[AnswerOut]:
    """The owner's alone (403 for anyone else who may see the story), oldest first: a Query of
    the sticker's answers, the owner's hidden words and the answerers' profiles and blocks
    (two BatchGetItems). Answers by accounts gone or blocked either way, and those holding a
    hidden word, are left out (a page may come out shorter)."""
    story = live_story(story_id)
    if owner_id != story.owner_id:
        visible(owner_id, story)
        raise Forbidden("Only the story's owner reads the answers to its questions.")
    _sticker(story, sticker_id, ("question",), "answers")
    found, next_cursor = partition_page(
        StickerAnswer,
        story_pk(story_id),
        prefix=answers_prefix(sticker_id),
        list_id=f"answers:{story_id}:{sticker_id}",
        cursor=cursor,
        limit=limit,
    )
    hides = hidden_words.matcher_in(get_many([hidden_words.key(owner_id)]), owner_id)
    shown = listed(owner_id, [a.user_id for a in found])
    return Page[AnswerOut](
        items=[
            AnswerOut(
                answer_id=a.answer_id, user=shown[a.user_id], text=a.text, created_at=a.created_at
            )
            for a in found
            if a.user_id in shown and not hides.hides(a.text)
        ],
        next_cursor=next_cursor,
    )
