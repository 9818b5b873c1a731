"""Conversations and messages.

Members only: anyone else gets 404 for a conversation, reading or sending. Two people share
one 1:1 conversation (a pair item claims it); a group has up to 32 members. Each member has
an inbox entry whose `activity` is the newest message's id, so the conversation list is one
Query of their inbox, most recent first.

A message is its own item: two members sending at once write two items and never meet. The
sender's transaction writes the message and the client id claim (a retried send finds it and
gets the first message back); the members' inbox entries, the sender's included, are then
moved forward one by one, each a conditional update that only moves forward, so a
retried send or a slower writer never moves them back.

Blocks: a 1:1 conversation across a block refuses sending (404, as the blocker is nowhere
else to be found); in a group, what a blocked (or blocking) member sends is not shown to the
other, and does not move their inbox or count as unread. A conversation started by someone a
member does not follow is a request (`is_request`) for that member until they accept it.

Hidden words (glimpse.users.hidden_words): while a conversation is a request for a member, what
the others send that holds one of that member's hidden words is hidden from them: it is left
out of their messages, is never their `last_message` and does not count as unread; when it is
sent, it neither moves their inbox entry (the request keeps its place and its newest message)
nor reaches them in real time. A request with nothing but hidden messages stays in their list
as a request with no message yet does, where it was started. Accepting it ends the hiding: the
hidden messages show in the conversation, and the next message moves it in the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from glimpse.clock import new_id, now, time_of
from glimpse.concurrency import each
from glimpse.directory import UserSummary, user_id_for
from glimpse.errors import BadRequest, NotFound, field_error
from glimpse.graph.access import (
    block_keys,
    blocked_either_way,
    following,
    listed,
    listed_and_gone,
    no_block_checks,
    removed_for,
)
from glimpse.media.service import ready_media_of
from glimpse.media.service import view as media_view
from glimpse.messages import reacting
from glimpse.messages.reacting import ByMember
from glimpse.messages.schemas import (
    ConversationCreate,
    ConversationOut,
    MessageCreate,
    MessageOut,
    StoryReply,
)
from glimpse.models.base import Model, conditionally, get_or_none
from glimpse.models.batch import Fetched, Key, get_many
from glimpse.models.media import DELETING, MEDIA, MediaItem, media_pk
from glimpse.models.messages import (
    META,
    PAIR,
    Conversation,
    InboxEntry,
    Message,
    Pointer,
    client_sk,
    conversation_pk,
    inbox_pk,
    messages_pk,
    pair_pk,
)
from glimpse.models.transactions import ConditionFailed, transaction
from glimpse.pagination import Page, partition_page, query_page
from glimpse.realtime.frames import MessageFrame
from glimpse.realtime.frames import message as message_frame
from glimpse.stories.access import story_seen_by
from glimpse.users import hidden_words
from glimpse.users.hidden_words import NOTHING, Matcher

MISSING = "No such conversation."


@dataclass(frozen=True)
class Sent:
    """A message, and who gets it in real time (the members it reached, the sender too: their
    other devices); empty for a retried send, whose message went out the first time."""

    message: MessageOut
    recipients: tuple[str, ...]

    def frames(self) -> list[tuple[str, MessageFrame]]:
        body = message_frame(self.message.model_dump(mode="json"))
        return [(user_id, body) for user_id in self.recipients]


UNREAD_CAP = 100  # unread counts stop counting here (a client shows "99+")


# --------------------------------------------------------------------------- conversations
def create_conversation(caller_id: str, body: ConversationCreate) -> ConversationOut:
    """A 1:1 conversation is the pair's one conversation, made on first use; a group is new.
    A username that does not exist, or is blocked either way, is a 404."""
    names = list(dict.fromkeys(name.lower() for name in body.usernames))
    others = [_user(caller_id, name) for name in names]
    if caller_id in others:
        raise BadRequest("You are in the conversation already.", [field_error("usernames", "self")])
    conversation = _pair(caller_id, others[0]) if len(others) == 1 else None
    if conversation is None:
        conversation = _start(caller_id, others)
    return _conversations(caller_id, [_entry(caller_id, conversation.conversation_id)])[0]


def _user(caller_id: str, username: str) -> str:
    user_id = user_id_for(username)
    if user_id != caller_id:
        fetched = get_many(block_keys(caller_id, user_id), consistent=True)
        if blocked_either_way(fetched, caller_id, user_id):
            raise NotFound(f"No user named {username}.")
    return user_id


def _pair(a: str, b: str) -> Conversation | None:
    pointer = get_or_none(Pointer, pair_pk(a, b), PAIR)
    if pointer is None:
        return None
    return get_or_none(Conversation, conversation_pk(pointer.target_id), META)


def _start(caller_id: str, others: list[str]) -> Conversation:
    """The conversation, its members' inbox entries and (1:1) the pair item, in one
    transaction; a pair made meanwhile by the other side wins and is returned."""
    conversation = _new_conversation(caller_id, others)
    requested = _not_following(caller_id, others)
    try:
        _write_conversation(conversation, others, requested)
    except ConditionFailed as exc:
        if "block" in exc.names:
            raise NotFound("No such user.") from exc
        if "pair" not in exc.names:
            raise
        existing = _pair(caller_id, others[0])
        if existing is None:
            raise
        return existing
    return conversation


def _new_conversation(caller_id: str, others: list[str]) -> Conversation:
    conversation_id = new_id()
    return Conversation(
        conversation_pk(conversation_id),
        META,
        conversation_id=conversation_id,
        member_ids=[caller_id, *others],
        is_group=len(others) > 1,
        created_by=caller_id,
        created_at=now(),
    )


def _not_following(caller_id: str, others: list[str]) -> set[str]:
    """The members who do not follow the caller: for them, the conversation is a request."""
    return set(others) - set(following(others, caller_id, consistent=True))


def _write_conversation(conversation: Conversation, others: list[str], requested: set[str]) -> None:
    """One transaction: (1:1) the pair item, unless blocked either way; the conversation; an
    inbox entry for each member. `ConditionFailed` names `pair` or `block` if they failed."""
    caller_id, conversation_id = conversation.created_by, conversation.conversation_id
    with transaction() as tx:
        if len(others) == 1:
            tx.save(
                Pointer(pair_pk(caller_id, others[0]), PAIR, target_id=conversation_id),
                condition=Pointer.pk.does_not_exist(),
                name="pair",
            )
            no_block_checks(tx, caller_id, others[0])
        tx.save(conversation, condition=Conversation.pk.does_not_exist())
        for member in conversation.member_ids:
            tx.save(
                InboxEntry(
                    inbox_pk(member),
                    conversation_id,
                    conversation_id=conversation_id,
                    inbox_pk=inbox_pk(member),
                    activity=conversation_id,
                    is_request=member != caller_id and member in requested,
                    joined_at=conversation.created_at,
                )
            )


def _entry(user_id: str, conversation_id: str) -> InboxEntry:
    entry = get_or_none(InboxEntry, inbox_pk(user_id), conversation_id)
    if entry is None:
        raise NotFound(MISSING)
    return entry


def conversation(caller_id: str, conversation_id: str) -> ConversationOut:
    """One conversation as the list shows it (members only, else 404)."""
    found = _conversations(caller_id, [_entry(caller_id, conversation_id)])
    if not found:
        raise NotFound(MISSING)
    return found[0]


def conversations(caller_id: str, limit: int, cursor: str | None) -> Page[ConversationOut]:
    """Most recent first: one Query of the caller's inbox, then the page's conversations,
    last messages, members and blocks (BatchGetItem), and an unread count per conversation."""
    entries, next_cursor = query_page(
        InboxEntry,
        InboxEntry.by_activity.query,
        inbox_pk(caller_id),
        InboxEntry.activity,
        lambda entry: str(entry.activity),
        list_id=f"conversations:{caller_id}",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    return Page[ConversationOut](items=_conversations(caller_id, entries), next_cursor=next_cursor)


def _conversations(caller_id: str, entries: Sequence[InboxEntry]) -> list[ConversationOut]:
    if not entries:
        return []
    requests = any(e.is_request for e in entries)
    fetched = get_many(
        [(Conversation, (conversation_pk(e.conversation_id), META)) for e in entries]
        + [
            (Message, (messages_pk(e.conversation_id), str(e.activity)))
            for e in entries
            if e.activity != e.conversation_id
        ]
        + ([hidden_words.key(caller_id)] if requests else [])
    )
    hides = hidden_words.matcher_in(fetched, caller_id) if requests else NOTHING
    convs = {
        e.conversation_id: c
        for e in entries
        if (c := fetched.get(Conversation, (conversation_pk(e.conversation_id), META)))
    }
    members = [m for c in convs.values() for m in c.member_ids]
    shown, gone = listed_and_gone(caller_id, members, deleted=True)
    lasts = _shown_lasts(caller_id, entries, fetched, (shown, gone), hides)
    media = _media([m for m in lasts.values() if m.media_id])

    def counted(e: InboxEntry) -> tuple[int, ByMember]:
        last = lasts.get(e.conversation_id)
        reacted = reacting.message_reactions(e.conversation_id, last.message_id) if last else {}
        return _unread(caller_id, e, shown, hides), reacted

    unread = each(counted, list(entries))
    out = []
    for entry, (count, reacted) in zip(entries, unread, strict=True):
        conversation = convs.get(entry.conversation_id)
        if conversation is None:
            continue
        last = lasts.get(entry.conversation_id)
        out.append(
            ConversationOut(
                conversation_id=entry.conversation_id,
                members=[
                    shown[m] for m in conversation.member_ids if m != caller_id and m in shown
                ],
                is_group=bool(conversation.is_group),
                last_message=_view(last, shown, caller_id, media, reacted) if last else None,
                unread_count=count,
                is_request=bool(entry.is_request),
                updated_at=time_of(str(entry.activity)),
            )
        )
    return out


def _shown_lasts(
    caller_id: str,
    entries: Sequence[InboxEntry],
    fetched: Fetched,
    listed: tuple[dict[str, UserSummary], set[str]],
    hides: Matcher,
) -> dict[str, Message]:
    """Each conversation's last message, if the caller sees it (`listed`: the members shown,
    and those gone)."""
    shown, gone = listed
    newest = _last_messages(entries, fetched)
    return {
        e.conversation_id: m
        for e in entries
        if (m := newest.get(e.conversation_id))
        and _shown(m, caller_id, shown, gone)
        and not _hidden(caller_id, e, m.sender_id, m.text, hides)
    }


def _last_messages(entries: Sequence[InboxEntry], fetched: Fetched) -> dict[str, Message]:
    """Each conversation's newest message: the one its inbox entry's `activity` names, or, when
    that one was unsent (the entry only moves forward), the newest left (a Query each, only
    for those)."""
    found: dict[str, Message] = {}
    unsent: list[str] = []
    for e in entries:
        if e.activity == e.conversation_id:
            continue  # no message yet
        m = fetched.get(Message, (messages_pk(e.conversation_id), str(e.activity)))
        if m is not None:
            found[e.conversation_id] = m
        else:
            unsent.append(e.conversation_id)
    for conversation_id, m in zip(unsent, each(_newest, unsent), strict=True):
        if m is not None:
            found[conversation_id] = m
    return found


def _hidden(
    viewer_id: str, entry: InboxEntry, sender_id: str, text: str | None, hides: Matcher
) -> bool:
    """Whether what `sender_id` sent (`text`) is hidden from the viewer (`entry` is theirs,
    `hides` their hidden words): the conversation is a request for them, someone else sent it,
    and it holds one of their hidden words."""
    return bool(entry.is_request) and sender_id != viewer_id and hides.hides(text)


def _unread(
    caller_id: str, entry: InboxEntry, shown: dict[str, UserSummary], hides: Matcher
) -> int:
    """Messages after the read marker from members the caller may see, but hidden ones (up to
    UNREAD_CAP)."""
    after = str(entry.read_up_to or entry.conversation_id)
    matching = bool(entry.is_request and hides)
    count = 0
    for message in Message.query(
        messages_pk(entry.conversation_id),
        Message.sk > after,
        attributes_to_get=["pk", "sk", "sender_id", "removed_at", *(["text"] if matching else [])],
        limit=UNREAD_CAP * 2,
    ):
        visible = not matching or not _hidden(
            caller_id, entry, message.sender_id, message.text, hides
        )
        visible = visible and not removed_for(caller_id, message.sender_id, message.removed_at)
        if message.sender_id != caller_id and message.sender_id in shown and visible:
            count += 1
            if count >= UNREAD_CAP:
                break
    return count


def accept(caller_id: str, conversation_id: str) -> None:
    """The request ends, and with it the hiding of messages by hidden words: they show in
    the conversation from now on (its place in the list moves with the next message)."""
    entry = _entry(caller_id, conversation_id)
    if entry.is_request:
        entry.update(actions=[InboxEntry.is_request.set(False)], condition=InboxEntry.pk.exists())


def _newest(conversation_id: str) -> Message | None:
    return next(
        iter(Message.query(messages_pk(conversation_id), scan_index_forward=False, limit=1)), None
    )


def mark_read(caller_id: str, conversation_id: str, up_to: str) -> None:
    """The marker only moves forward (a stale `up_to` changes nothing), and never past the
    newest message (a made-up id cannot mark messages to come read)."""
    entry = _entry(caller_id, conversation_id)
    newest = _newest(conversation_id)
    if newest is None:
        return
    up_to = min(up_to, str(newest.message_id))
    conditionally(
        lambda: entry.update(
            actions=[InboxEntry.read_up_to.set(up_to)],
            condition=InboxEntry.pk.exists()
            & (InboxEntry.read_up_to.does_not_exist() | (InboxEntry.read_up_to < up_to)),
        )
    )


# --------------------------------------------------------------------------- messages
def messages(
    caller_id: str, conversation_id: str, limit: int, cursor: str | None
) -> Page[MessageOut]:
    """Newest first; messages of members blocked either way are left out, and in a request
    those hidden from the caller; a deleted account's show without a sender."""
    _conversation, entry, hides = _membership(caller_id, conversation_id, matching=True)
    items, next_cursor = partition_page(
        Message,
        messages_pk(conversation_id),
        list_id=f"messages:{conversation_id}",
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    reacted = reacting.page_reactions(conversation_id, [m.message_id for m in items])
    reactors = {member for by_member in reacted.values() for member in by_member}
    senders = list({m.sender_id for m in items} | reactors | {caller_id})
    shown, gone = listed_and_gone(caller_id, senders, deleted=True)
    media = _media([m for m in items if m.media_id])
    return Page[MessageOut](
        items=[
            _view(m, shown, caller_id, media, reacted.get(m.message_id))
            for m in items
            if _shown(m, caller_id, shown, gone)
            and not _hidden(caller_id, entry, m.sender_id, m.text, hides)
        ],
        next_cursor=next_cursor,
    )


def send(caller_id: str, conversation_id: str, body: MessageCreate) -> Sent:
    conversation, _entry, _hides = _membership(caller_id, conversation_id)
    draft = _Draft(body.text, body.media_id, None, body.client_message_id)
    return _send(caller_id, conversation, draft)


def reply_to_story(caller_id: str, story_id: str, body: StoryReply) -> Sent:
    """A message in the caller's 1:1 conversation with the story's owner (made if need be),
    carrying `story_id`; only for a story the caller may see."""
    story = story_seen_by(caller_id, story_id)
    if story.owner_id == caller_id:
        raise BadRequest("You cannot reply to your own story.", [field_error("story_id", "own")])
    conversation = _pair(caller_id, story.owner_id) or _start(caller_id, [story.owner_id])
    draft = _Draft(body.text, None, story_id, body.client_message_id)
    return _send(caller_id, conversation, draft)


def _membership(
    caller_id: str, conversation_id: str, *, matching: bool = False
) -> tuple[Conversation, InboxEntry, Matcher]:
    """The conversation and the caller's inbox entry (a 404 unless they are a member), and,
    `matching`, what the caller hides from others (read in the same batch)."""
    fetched = _membership_reads(caller_id, conversation_id, matching)
    return _member_in(fetched, caller_id, conversation_id, matching)


def _membership_reads(
    caller_id: str,
    conversation_id: str,
    matching: bool,
    also: Sequence[tuple[type[Model], Key]] = (),
) -> Fetched:
    """One consistent BatchGetItem: the conversation, the caller's inbox entry, (`matching`)
    the caller's hidden words, and `also`."""
    return get_many(
        [
            (Conversation, (conversation_pk(conversation_id), META)),
            (InboxEntry, (inbox_pk(caller_id), conversation_id)),
            *([hidden_words.key(caller_id)] if matching else []),
            *also,
        ],
        consistent=True,
    )


def _member_in(
    fetched: Fetched, caller_id: str, conversation_id: str, matching: bool
) -> tuple[Conversation, InboxEntry, Matcher]:
    """The membership from what `_membership_reads` read (404 unless a member)."""
    conversation = fetched.get(Conversation, (conversation_pk(conversation_id), META))
    entry = fetched.get(InboxEntry, (inbox_pk(caller_id), conversation_id))
    if conversation is None or entry is None:
        raise NotFound(MISSING)
    hides = hidden_words.matcher_in(fetched, caller_id) if matching else NOTHING
    return conversation, entry, hides


@dataclass(frozen=True)
class _Draft:
    """What the sender wrote: text, a media item or a story it replies to, and the client's
    id for the message (a retried send with the same id gets the first message back)."""

    text: str | None
    media_id: str | None
    story_id: str | None
    client_message_id: str | None


def _send(caller_id: str, conversation: Conversation, draft: _Draft) -> Sent:
    reach = _reached(caller_id, conversation, draft.text)
    if draft.media_id is not None:
        ready_media_of(caller_id, draft.media_id, "post", "media_id")
    message = _new_message(caller_id, conversation.conversation_id, draft)
    message, recipients = _store(caller_id, conversation, message, draft, reach)
    shown = listed(caller_id, [caller_id])
    out = _view(message, shown, caller_id, _media([message] if message.media_id else []))
    return Sent(out, recipients)


@dataclass(frozen=True)
class _Reach:
    """Whom a message reaches: the other members but those blocked either way (`reached`),
    and of them those it is delivered to (`told`: their inbox moves, they get it in real
    time), not those from whom it is hidden."""

    reached: list[str]
    told: list[str]


def _reached(caller_id: str, conversation: Conversation, text: str | None) -> _Reach:
    """One BatchGetItem: the blocks, and with text, the others' inbox entries and hidden
    words. A 1:1 across a block is a 404."""
    conversation_id = conversation.conversation_id
    others = [m for m in conversation.member_ids if m != caller_id]
    keys: list[tuple[type[Model], Key]] = [k for m in others for k in block_keys(caller_id, m)]
    if text:
        keys += [(InboxEntry, (inbox_pk(m), conversation_id)) for m in others]
        keys += [hidden_words.key(m) for m in others]
    fetched = get_many(keys, consistent=True)
    reached = [m for m in others if not blocked_either_way(fetched, caller_id, m)]
    if not conversation.is_group and not reached:
        raise NotFound(MISSING)  # a 1:1 across a block
    told = [
        m
        for m in reached
        if not (
            (entry := fetched.get(InboxEntry, (inbox_pk(m), conversation_id)))
            and entry.is_request  # only then is their list compiled
            and _hidden(m, entry, caller_id, text, hidden_words.matcher_in(fetched, m))
        )
    ]
    return _Reach(reached, told)


def _new_message(caller_id: str, conversation_id: str, draft: _Draft) -> Message:
    moment = now()
    message_id = new_id(moment)  # the inbox shows the id's time as the conversation's
    return Message(
        messages_pk(conversation_id),
        message_id,
        message_id=message_id,
        conversation_id=conversation_id,
        sender_id=caller_id,
        text=draft.text,
        media_id=draft.media_id,
        story_id=draft.story_id,
        client_message_id=draft.client_message_id,
        created_at=moment,
    )


def _store(
    caller_id: str, conversation: Conversation, message: Message, draft: _Draft, reach: _Reach
) -> tuple[Message, tuple[str, ...]]:
    """The message written and delivered, and who gets it in real time; a retried send (its
    client id taken) gets the first message back, delivered again, and no one."""
    conversation_id = conversation.conversation_id
    try:
        _write_message(caller_id, conversation, message, draft.client_message_id, reach.reached)
    except ConditionFailed as exc:
        if "block" in exc.names:
            raise NotFound(MISSING) from exc
        if "media" in exc.names:
            raise BadRequest(
                "No such media item of yours.", [field_error("media_id", "no such media item")]
            ) from exc
        if "client" not in exc.names or not draft.client_message_id:
            raise
        first = _first(caller_id, conversation_id, draft.client_message_id)
        _deliver(caller_id, conversation_id, first.message_id, reach.told)  # if it failed then
        return first, ()
    _deliver(caller_id, conversation_id, message.message_id, reach.told)
    return message, (caller_id, *reach.told)


def _write_message(
    caller_id: str,
    conversation: Conversation,
    message: Message,
    client_message_id: str | None,
    reached: list[str],
) -> None:
    """One transaction: the message, (1:1) no block either way, the client id's claim, and
    a media item's mark that a message shows it (deleting the item, or a post that shows it
    too, then leaves it). `ConditionFailed` names `block`, `client` or `media` if they failed."""
    with transaction() as tx:
        tx.save(message, condition=Message.pk.does_not_exist())
        if message.media_id:
            tx.update(
                MediaItem(media_pk(message.media_id), MEDIA),
                actions=[MediaItem.in_messages.set(True)],
                condition=(MediaItem.owner_id == caller_id)
                & (MediaItem.used_by.does_not_exist() | (MediaItem.used_by != DELETING)),
                name="media",
            )
        if not conversation.is_group:  # a block that commits meanwhile wins
            no_block_checks(tx, caller_id, reached[0])
        if client_message_id:
            tx.save(
                Pointer(
                    conversation_pk(conversation.conversation_id),
                    client_sk(caller_id, client_message_id),
                    target_id=message.message_id,
                ),
                condition=Pointer.pk.does_not_exist(),
                name="client",
            )


def _first(caller_id: str, conversation_id: str, client_message_id: str) -> Message:
    """The message a client id was first sent as (a retried send)."""
    pointer = get_or_none(
        Pointer, conversation_pk(conversation_id), client_sk(caller_id, client_message_id)
    )
    found = (
        get_or_none(Message, messages_pk(conversation_id), pointer.target_id) if pointer else None
    )
    if found is None:
        raise NotFound(MISSING)
    return found


def _deliver(caller_id: str, conversation_id: str, message_id: str, told: list[str]) -> None:
    """Inbox entries (the sender's and those of the members `told`) moved to a stored message.
    Forward-only, so running it again (a retried send whose first attempt stored the message
    and then failed here) is safe."""
    each(lambda member: _move(member, conversation_id, message_id), [caller_id, *told])
    _move_read(caller_id, conversation_id, message_id)


def _move(member_id: str, conversation_id: str, message_id: str) -> None:
    """A member's inbox entry to this message, only forward (concurrent sends in any order)."""
    entry = InboxEntry(inbox_pk(member_id), conversation_id)
    conditionally(
        lambda: entry.update(
            actions=[InboxEntry.activity.set(message_id)],
            condition=InboxEntry.pk.exists() & (InboxEntry.activity < message_id),
        )
    )


def _move_read(member_id: str, conversation_id: str, message_id: str) -> None:
    """What one sends, one has read."""
    entry = InboxEntry(inbox_pk(member_id), conversation_id)
    conditionally(
        lambda: entry.update(
            actions=[InboxEntry.read_up_to.set(message_id)],
            condition=InboxEntry.pk.exists()
            & (InboxEntry.read_up_to.does_not_exist() | (InboxEntry.read_up_to < message_id)),
        )
    )


def _shown(message: Message, caller_id: str, shown: Iterable[str], gone: set[str]) -> bool:
    """A message the caller sees: its own, or a member's it may see (a deleted account's
    too), unless a moderator removed it."""
    if message.sender_id == caller_id:
        return True
    listed = message.sender_id in shown or message.sender_id in gone
    return listed and not removed_for(caller_id, message.sender_id, message.removed_at)


def _media(items: Iterable[Message]) -> Fetched:
    keys = [(MediaItem, (media_pk(str(m.media_id)), MEDIA)) for m in items]
    return get_many(keys) if keys else Fetched()


def _view(
    message: Message,
    shown: dict[str, UserSummary],
    caller_id: str,
    media: Fetched,
    reacted: ByMember | None = None,
) -> MessageOut:
    """The message as the caller sees it; `reacted`: its reactions, by member, as read."""
    item = media.get(MediaItem, (media_pk(message.media_id), MEDIA)) if message.media_id else None
    reactions, mine = reacting.tally(reacted or {}, caller_id, shown)
    return MessageOut(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        sender=shown.get(message.sender_id),  # None: a deleted account's
        text=message.text,
        media=media_view(item) if item else None,
        story_id=message.story_id,
        client_message_id=message.client_message_id,
        reactions=reactions,
        my_reaction=mine,
        created_at=message.created_at,
        removed=message.removed_at is not None,
    )
