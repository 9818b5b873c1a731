"""Direct messages: conversations, messages, read markers, accepting requests, story replies,
unsending and reactions."""

from glimpse.api.identity import caller
from glimpse.api.params import DEFAULT_LIMIT, Cursor, Limit
from glimpse.api.resolver import NO_CONTENT, create_app
from glimpse.messages import changes, service
from glimpse.messages.schemas import (
    ConversationCreate,
    ConversationOut,
    MessageCreate,
    MessageOut,
    MessageReadUpTo,
    ReactionIn,
    StoryReply,
)
from glimpse.pagination import Page
from glimpse.plumbing import Plumbing
from glimpse.realtime import service as realtime
from glimpse.served import served

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "connections_table",
    "cursor_secret_arn",
    "media_cdn_domain",
    "media_table",
    "media_url_key_id",
    "media_url_signing_key_arn",
    "media_url_ttl_seconds",
    "messages_table",
    "rate_limit_scale",
    "rate_limits_table",
    "sessions_table",
    "stories_table",
    "story_ttl_seconds",
    "users_table",
    "websocket_management_url",
)

plumbing = Plumbing.of("messages")
logger, metrics = plumbing.logger, plumbing.metrics
app = create_app()


@app.post(
    "/conversations",
    status_code=201,
    tags=["messages"],
    summary="Start a conversation (a 1:1 conversation is reused)",
)
def create_conversation(body: ConversationCreate) -> ConversationOut:
    return service.create_conversation(caller(app).user_id, body)


@app.get("/conversations", tags=["messages"], summary="Your conversations, most recent first")
def conversations(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[ConversationOut]:
    return service.conversations(caller(app).user_id, limit, cursor)


@app.get(
    "/conversations/<conversation_id>/messages",
    tags=["messages"],
    summary="A conversation's messages, newest first (members only)",
)
def messages(
    conversation_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[MessageOut]:
    return service.messages(caller(app).user_id, conversation_id, limit, cursor)


@app.post(
    "/conversations/<conversation_id>/messages",
    status_code=201,
    tags=["messages"],
    summary="Send a message (send client_message_id to make retries safe)",
)
def send(conversation_id: str, body: MessageCreate) -> MessageOut:
    sent = service.send(caller(app).user_id, conversation_id, body)
    metrics.add_metric(name="Messages", unit=MetricUnit.Count, value=1)
    return _delivered(sent)


@app.post(
    "/conversations/<conversation_id>/read",
    tags=["messages"],
    summary="Mark messages read up to an id",
    status_code=204,
    responses=NO_CONTENT,
)
def mark_read(conversation_id: str, body: MessageReadUpTo) -> Response[None]:
    service.mark_read(caller(app).user_id, conversation_id, body.up_to)
    return Response(status_code=204)


@app.post(
    "/conversations/<conversation_id>/accept",
    tags=["messages"],
    summary="Accept a message request",
    status_code=204,
    responses=NO_CONTENT,
)
def accept(conversation_id: str) -> Response[None]:
    service.accept(caller(app).user_id, conversation_id)
    return Response(status_code=204)


@app.post(
    "/stories/<story_id>/reply",
    status_code=201,
    tags=["messages"],
    summary="Reply to a story: a message to its owner",
)
def reply_to_story(story_id: str, body: StoryReply) -> MessageOut:
    user_id = caller(app).user_id
    sent = service.reply_to_story(user_id, story_id, body)
    if sent.recipients:  # a retried reply went out (and was counted) the first time
        served(logger, user_id, replied_story=story_id)
    return _delivered(sent)


@app.get(
    "/conversations/<conversation_id>",
    tags=["messages"],
    summary="A conversation (members only)",
)
def conversation(conversation_id: str) -> ConversationOut:
    return service.conversation(caller(app).user_id, conversation_id)


@app.delete(
    "/conversations/<conversation_id>/messages/<message_id>",
    tags=["messages"],
    summary="Unsend a message (its sender only): gone for everyone",
    status_code=204,
    responses=NO_CONTENT,
)
def unsend(conversation_id: str, message_id: str) -> Response[None]:
    changed = changes.unsend(caller(app).user_id, conversation_id, message_id)
    realtime.send_logged(changed.frames, logger)
    return Response(status_code=204)


@app.put(
    "/conversations/<conversation_id>/messages/<message_id>/reaction",
    tags=["messages"],
    summary="React to a message (one reaction per member: a new one replaces yours)",
    status_code=204,
    responses=NO_CONTENT,
)
def react(conversation_id: str, message_id: str, body: ReactionIn) -> Response[None]:
    changed = changes.react(caller(app).user_id, conversation_id, message_id, body.emoji)
    realtime.send_logged(changed.frames, logger)
    return Response(status_code=204)


@app.delete(
    "/conversations/<conversation_id>/messages/<message_id>/reaction",
    tags=["messages"],
    summary="Remove your reaction",
    status_code=204,
    responses=NO_CONTENT,
)
def unreact(conversation_id: str, message_id: str) -> Response[None]:
    changed = changes.react(caller(app).user_id, conversation_id, message_id, None)
    realtime.send_logged(changed.frames, logger)
    return Response(status_code=204)


def _delivered(sent: service.Sent) -> MessageOut:
    """The message, once framed to its recipients' live connections (a failed frame is
    logged, not an error: the message is stored, and the history has it)."""
    realtime.send_logged(sent.frames(), logger)
    return sent.message


lambda_handler = plumbing.http(app)
