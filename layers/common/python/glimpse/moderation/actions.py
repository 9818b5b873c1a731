"""`POST /moderation/actions`: a moderator's decision on a target, and its line in the log.

- `dismiss` closes the target's case (a later report by someone else opens it again);
- `remove` / `restore` set or take off the content's removal mark in one transaction with the
  case's decision, the log line and `content_removed` / `content_restored`: every read path
  applies the mark (glimpse.graph.access.removed_for), and the aggregates that keep copies
  react to the event (the trays, the author's notification; search follows the post's stream);
  a removed message's `message_deleted` frames are the caller's to send (`Decided.frames`);
- `suspend` / `unsuspend` act on an account (glimpse.moderation.suspension).

An action that changes nothing (a removal of what is removed already) still answers 204 and
is logged, so the log says what each moderator asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from glimpse.clock import new_id, now
from glimpse.errors import BadRequest, NotFound, field_error
from glimpse.events import ContentRemoved, ContentRestored
from glimpse.models.moderation import CASE, Case, ModerationAction, target_pk
from glimpse.models.transactions import ConditionFailed, Contention, Transaction, transaction
from glimpse.moderation import suspension, targets
from glimpse.moderation.schemas import ActionIn
from glimpse.realtime.frames import Frame

CONTENT_ACTIONS = ("remove", "restore")
ACCOUNT_ACTIONS = ("suspend", "unsuspend")


@dataclass(frozen=True)
class Decided:
    """What the caller sends in real time once the decision committed: a removed message's
    `message_deleted` to each member it reached (glimpse.messages.changes.recalled)."""

    message: tuple[str, str, str] | None = None  # conversation, message, sender

    def frames(self) -> Iterator[tuple[str, Frame]]:
        """(user id, frame) pairs, worked out as they are iterated: where that fails (the
        reads behind it) the caller's sender logs it, and the decision stands."""
        if self.message is None:
            return
        from glimpse.messages import changes  # a message's removal only: not at cold start

        yield from changes.recalled(*self.message).frames


def act(moderator_id: str, body: ActionIn) -> Decided:
    target = targets.find(body.target_type, body.target_id)
    if target is None:
        _dismiss_gone(moderator_id, body)
        return Decided()
    if body.action in CONTENT_ACTIONS and target.target_type not in targets.REMOVABLE:
        raise _wrong_target(body.action, "a post, comment, story or message")
    if body.action in ACCOUNT_ACTIONS and target.target_type != "user":
        raise _wrong_target(body.action, "a user")
    line = _line(moderator_id, target.target_type, target.target_id, body)
    if body.action == "suspend":
        suspension.suspend(target.owner_id)
    elif body.action == "unsuspend":
        suspension.unsuspend(target.owner_id)
    if body.action not in CONTENT_ACTIONS:
        with transaction() as tx:
            tx.save(line)
            _decide(tx, target.target_type, target.key_id, body.action)
        return Decided()
    removed = body.action == "remove"
    changed = _remove_or_restore(target, line, removed)
    if not (changed and removed and target.target_type == "message"):
        return Decided()
    return Decided((str(target.parent_id), target.target_id, target.owner_id))


def _line(moderator_id: str, target_type: str, target_id: str, body: ActionIn) -> ModerationAction:
    action_id = new_id()
    return ModerationAction(
        sk=action_id,
        action_id=action_id,
        moderator_id=moderator_id,
        target_type=target_type,
        target_id=target_id,
        action=body.action,
        note=body.note,
        created_at=now(),
    )


def _dismiss_gone(moderator_id: str, body: ActionIn) -> None:
    """A target gone since it was reported (deleted by its author, an expired story): its case
    can still be dismissed, so it leaves the queue; any other action on it is a 404."""
    missing = NotFound(f"No such {body.target_type}.")
    if body.action != "dismiss" or body.target_type == "user":
        raise missing  # an erased account's case goes with it
    try:
        with transaction() as tx:
            tx.save(_line(moderator_id, body.target_type, body.target_id, body))
            _decide(tx, body.target_type, body.target_id, "dismiss", existing=True)
    except ConditionFailed:
        raise missing from None


def _wrong_target(action: str, what: str) -> BadRequest:
    return BadRequest(
        f"`{action}` acts on {what}.", [field_error("target_type", f"must be {what}")]
    )


def _decide(
    tx: Transaction, target_type: str, key_id: str, action: str, existing: bool = False
) -> None:
    """The case leaves the queue with the decision noted (made if there was none, unless
    `existing`)."""
    tx.update(
        Case(target_pk(target_type, key_id), CASE),
        actions=[
            Case.queue.remove(),
            Case.decision.set(action),
            Case.decided_at.set(now()),
            Case.target_type.set(target_type),
            Case.target_id.set(key_id),
        ],
        condition=Case.pk.exists() if existing else None,
    )


ATTEMPTS = 3  # a concurrent remove and restore of the same content: read it again


def _remove_or_restore(target: targets.Target, line: ModerationAction, removed: bool) -> bool:
    """The mark, conditioned on the state read (a concurrent opposite action makes this read
    again), with the decision, the log line and the event; a target already in the state
    asked for is only logged. Whether the mark changed."""
    kind = ContentRemoved if removed else ContentRestored
    for _attempt in range(ATTEMPTS):
        event = kind(
            target_type=target.target_type,
            target_id=target.target_id,
            owner_id=target.owner_id,
            parent_id=target.parent_id,
            reply_to=target.reply_to,
            place_id=targets.counted_place(target),
        )
        try:
            with transaction() as tx:
                tx.save(line)
                _decide(tx, target.target_type, target.key_id, line.action)
                if target.removed != removed:
                    targets.mark(tx, target, removed)
                    tx.emit(event)
                else:
                    targets.unchanged(tx, target)
            return target.removed != removed
        except ConditionFailed:
            found = targets.find(target.target_type, target.target_id)
            if found is None:
                raise NotFound(f"No such {target.target_type}.") from None  # deleted meanwhile
            target = found
    raise Contention()
