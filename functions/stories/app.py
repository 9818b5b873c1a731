"""Stories: create, the tray, a user's live stories, views, likes, viewers, stickers' votes
and answers, delete; highlights; close friends."""

from typing import Any

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, IdempotencyKey, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.directory import UserSummary
from glimpse.idempotency import created_once
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.served import served
from glimpse.stories import close_friends as close_friends_service
from glimpse.stories import highlights as highlights_service
from glimpse.stories import service
from glimpse.stories import tray as tray_service
from glimpse.stories import viewers as viewers_service
from glimpse.stories import votes as votes_service
from glimpse.stories.schemas import (
    AnswerIn,
    AnswerOut,
    CloseFriends,
    HighlightCreate,
    HighlightOut,
    HighlightPatch,
    PollResults,
    SliderResults,
    StoryCreate,
    StoryList,
    StoryOut,
    Tray,
    Viewer,
    VoteIn,
)

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "cursor_secret_arn",
    "events_table",
    "feed_table",
    "idempotency_table",
    "media_bucket",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "posts_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "stories_table",
    "story_ttl_seconds",
    "users_table",
)

plumbing = Plumbing.of("stories")
metrics = plumbing.metrics
app = create_app()


def _create_story(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    created = service.create_story(user_id, StoryCreate.model_validate(body))
    metrics.add_metric(name="Stories", unit=MetricUnit.Count, value=1)
    return created.model_dump(mode="json")


def _create_highlight(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    created = highlights_service.create_highlight(user_id, HighlightCreate.model_validate(body))
    return created.model_dump(mode="json")


def _answer(user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    story_id, sticker_id = body.pop("story_id"), body.pop("sticker_id")
    votes_service.answer(user_id, story_id, sticker_id, AnswerIn.model_validate(body))
    return {}


create_story_once = created_once("create_story", _create_story)
answer_once = created_once("answer_sticker", _answer)
create_highlight_once = created_once("create_highlight", _create_highlight)


def _no_content() -> Response[None]:
    return Response(status_code=204)


@app.post(
    "/stories",
    status_code=201,
    tags=["stories"],
    summary="Post a story (send Idempotency-Key to make retries safe)",
)
def create_story(body: StoryCreate, idempotency_key: IdempotencyKey = None) -> StoryOut:
    created = create_story_once(caller(app).user_id, idempotency_key, body.model_dump(mode="json"))
    return StoryOut.model_validate(created)


@app.get("/stories/tray", tags=["stories"], summary="Followed accounts with live stories")
def tray() -> Tray:
    return tray_service.tray(caller(app).user_id)


@app.get("/stories/<story_id>", tags=["stories"], summary="A live story (whom the tray shows it)")
def get_story(story_id: str) -> StoryOut:
    user_id = caller(app).user_id
    story = service.get_story(user_id, story_id)
    served(plumbing.logger, user_id, stories=[story.story_id])
    return story


@app.get(
    "/users/<username>/stories", tags=["stories"], summary="A user's live stories, oldest first"
)
def user_stories(username: str) -> StoryList:
    user_id = caller(app).user_id
    stories = service.user_stories(user_id, username)
    served(plumbing.logger, user_id, stories=(story.story_id for story in stories.items))
    return stories


@app.post(
    "/stories/<story_id>/view",
    tags=["stories"],
    summary="Mark a story seen (idempotent)",
    status_code=204,
    responses=NO_CONTENT,
)
def view_story(story_id: str) -> Response[None]:
    viewers_service.view_story(caller(app).user_id, story_id)
    return _no_content()


@app.post(
    "/stories/<story_id>/like",
    tags=["stories"],
    summary="Like a story (idempotent)",
    status_code=204,
    responses=NO_CONTENT,
)
def like_story(story_id: str) -> Response[None]:
    viewers_service.like_story(caller(app).user_id, story_id)
    return _no_content()


@app.delete(
    "/stories/<story_id>/like",
    tags=["stories"],
    summary="Remove your like (idempotent)",
    status_code=204,
    responses=NO_CONTENT,
)
def unlike_story(story_id: str) -> Response[None]:
    viewers_service.unlike_story(caller(app).user_id, story_id)
    return _no_content()


@app.get("/stories/<story_id>/viewers", tags=["stories"], summary="Who viewed your story")
def viewers(story_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[Viewer]:
    return viewers_service.viewers(caller(app).user_id, story_id, limit, cursor)


@app.post(
    "/stories/<story_id>/stickers/<sticker_id>/vote",
    tags=["stories"],
    summary="Vote on a poll ({option}) or a slider ({value}) sticker, once",
)
def vote(story_id: str, sticker_id: str, body: VoteIn) -> PollResults | SliderResults:
    return votes_service.vote(caller(app).user_id, story_id, sticker_id, body)


@app.post(
    "/stories/<story_id>/stickers/<sticker_id>/answer",
    tags=["stories"],
    summary="Answer a question sticker (send Idempotency-Key to make retries safe)",
    status_code=204,
    responses=NO_CONTENT,
)
def answer(
    story_id: str, sticker_id: str, body: AnswerIn, idempotency_key: IdempotencyKey = None
) -> Response[None]:
    request = {"story_id": story_id, "sticker_id": sticker_id, **body.model_dump(mode="json")}
    answer_once(caller(app).user_id, idempotency_key, request)
    return _no_content()


@app.get(
    "/stories/<story_id>/stickers/<sticker_id>/answers",
    tags=["stories"],
    summary="The answers to your question sticker",
)
def answers(
    story_id: str, sticker_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[AnswerOut]:
    return votes_service.answers(caller(app).user_id, story_id, sticker_id, limit, cursor)


@app.delete(
    "/stories/<story_id>",
    tags=["stories"],
    summary="Delete your story",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_story(story_id: str) -> Response[None]:
    service.delete_story(caller(app).user_id, story_id)
    return _no_content()


@app.post(
    "/highlights",
    status_code=201,
    tags=["highlights"],
    summary="Keep live stories of yours in a highlight (send Idempotency-Key)",
)
def create_highlight(body: HighlightCreate, idempotency_key: IdempotencyKey = None) -> HighlightOut:
    created = create_highlight_once(
        caller(app).user_id, idempotency_key, body.model_dump(mode="json")
    )
    return HighlightOut.model_validate(created)


@app.patch(
    "/highlights/<highlight_id>",
    tags=["highlights"],
    summary="Change your highlight's title or stories",
)
def update_highlight(highlight_id: str, body: HighlightPatch) -> HighlightOut:
    return highlights_service.update_highlight(caller(app).user_id, highlight_id, body)


@app.delete(
    "/highlights/<highlight_id>",
    tags=["highlights"],
    summary="Delete your highlight, and the copies only it kept",
    status_code=204,
    responses=NO_CONTENT,
)
def delete_highlight(highlight_id: str) -> Response[None]:
    highlights_service.delete_highlight(caller(app).user_id, highlight_id)
    return _no_content()


@app.get("/users/<username>/highlights", tags=["highlights"], summary="A user's highlights")
def highlights(
    username: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[HighlightOut]:
    return highlights_service.highlights(caller(app).user_id, username, limit, cursor)


@app.put(
    "/me/close-friends",
    tags=["stories"],
    summary="Replace your close friends list",
    status_code=204,
    responses=NO_CONTENT,
)
def set_close_friends(body: CloseFriends) -> Response[None]:
    close_friends_service.set_close_friends(caller(app).user_id, body)
    return _no_content()


@app.get("/me/close-friends", tags=["stories"], summary="Your close friends")
def close_friends(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[UserSummary]:
    return close_friends_service.close_friends(caller(app).user_id, limit, cursor)


lambda_handler = plumbing.http(app)
