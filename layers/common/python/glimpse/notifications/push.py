"""Mobile push: devices, and at most one push per user per `PUSH_INTERVAL`.

A new or updated notification is pushed at once if the user's last push is older than the
interval; otherwise it is held (counted on the user's state) and a message to the notifier's
own queue, delayed until the interval ends, sends one push for all that were held ("alice
liked your post, and 4 more"). Settings need no check here: a notification a setting turns
off is never written, so never pushed. An endpoint SNS reports disabled or gone is removed
with its device.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from glimpse.adapters import push
from glimpse.clock import now
from glimpse.errors import BadRequest, field_error
from glimpse.models.base import conditionally, get_or_none
from glimpse.models.batch import get_many
from glimpse.models.notifications import (
    DEVICE,
    STATE,
    Device,
    DeviceToken,
    Notification,
    NotificationState,
    device_sk,
    newest_notification,
    recipient_pk,
    token_pk,
)
from glimpse.notifications.schemas import DeviceIn, DeviceOut
from glimpse.notifications.views import render

PUSH_INTERVAL = timedelta(seconds=30)
FLUSH_GRACE = timedelta(seconds=60)  # a planned flush this late was lost: plan another
FLUSH = "flush_pushes"  # the body's key of a held-push message


@dataclass
class Pushed:
    """What a call pushed (the handler logs each): (device id, text) sent, device ids gone."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def register_device(user_id: str, body: DeviceIn) -> DeviceOut:
    """The device's platform endpoint, owned by this user from now on (a phone that signs in
    to another account no longer gets the previous account's pushes)."""
    try:
        endpoint = push.create_endpoint(body.platform, body.token)
    except push.PlatformNotConfigured:
        raise BadRequest(
            f"Push to {body.platform} devices is not set up on this deployment.",
            [field_error("platform", "not_configured")],
        ) from None
    except push.InvalidToken:
        raise BadRequest(
            f"That is not a {body.platform} device token.", [field_error("token", "invalid")]
        ) from None
    digest = _token_hash(body.token)
    previous = get_or_none(DeviceToken, token_pk(digest), "TOKEN")
    DeviceToken(token_pk(digest), user_id=user_id, endpoint_arn=endpoint).save()
    Device(
        recipient_pk(user_id),
        device_sk(digest),
        platform=body.platform,
        endpoint_arn=endpoint,
        created_at=now(),
    ).save()
    if previous is not None and previous.user_id != user_id:
        Device(recipient_pk(previous.user_id), device_sk(digest)).delete()
    return DeviceOut(device_id=digest, platform=body.platform)


def unregister_device(user_id: str, token: str) -> None:
    """The device stops getting this account's pushes: its endpoint, its item and its token's
    owner record go. Idempotent; a token the caller has not registered (or that moved to
    another account since) changes nothing."""
    device = get_or_none(Device, recipient_pk(user_id), device_sk(_token_hash(token)))
    if device is not None:
        forget_device(user_id, device)


def notify(recipient_id: str, notifications: Sequence[Notification]) -> Pushed:
    """Push the newest of `notifications` now, or hold them all.
    A user with no device costs one Query and no write."""
    if not notifications:
        return Pushed()
    devices = _devices(recipient_id)
    if not devices:
        return Pushed()
    moment = now()
    stored = get_or_none(NotificationState, recipient_pk(recipient_id), STATE)
    held_before = int(stored.held or 0) if stored else 0
    last = stored.pushed_at if stored else None
    if (last is None or last <= moment - PUSH_INTERVAL) and _take_turn(recipient_id, last, moment):
        newest = max(notifications, key=lambda n: n.activity)
        return _send(recipient_id, newest, devices, more=len(notifications) - 1 + held_before)
    state = NotificationState(recipient_pk(recipient_id), STATE)
    state.update(actions=[NotificationState.held.add(len(notifications))])
    flush_at = state.flush_at
    if flush_at is None or flush_at < moment - FLUSH_GRACE:  # none planned, or one was lost
        _plan_flush(state, state.pushed_at or moment, moment)
    return Pushed()


def flush(recipient_id: str) -> Pushed:
    """The held push, once the interval has passed (else planned again for when it has)."""
    for _attempt in range(3):
        state = get_or_none(NotificationState, recipient_pk(recipient_id), STATE)
        if state is None or not state.held:
            return Pushed()
        moment = now()
        last = state.pushed_at
        if last is not None and last > moment - PUSH_INTERVAL:
            _plan_flush(state, last, moment)
            return Pushed()
        held = int(state.held)
        if _take_turn(recipient_id, last, moment, held=held):
            devices = _devices(recipient_id)
            newest = newest_notification(recipient_id)
            if newest is None or not devices:
                return Pushed()
            return _send(recipient_id, newest, devices, more=held - 1)
        # a notification was held, or a push went out, since it was read: read again
    return Pushed()


def _take_turn(
    recipient_id: str, last: datetime | None, moment: datetime, held: int | None = None
) -> bool:
    """Claim the next push: the last push is still `last` (and, for a flush, `held` are
    held); held ones are reset, the plan to flush them dropped."""
    condition = (
        NotificationState.pushed_at.does_not_exist()
        if last is None
        else NotificationState.pushed_at == last
    )
    if held is not None:
        condition &= NotificationState.held == held
    state = NotificationState(recipient_pk(recipient_id), STATE)
    return conditionally(
        lambda: state.update(
            actions=[
                NotificationState.pushed_at.set(moment),
                NotificationState.held.set(0),
                NotificationState.flush_at.remove(),
            ],
            condition=condition,
        )
    )


def _plan_flush(state: NotificationState, pushed_at: datetime, moment: datetime) -> None:
    """A message on the notifier's queue, delivered when the interval is over."""
    due = max(pushed_at + PUSH_INTERVAL, moment)
    push.hold(
        {FLUSH: state.pk.removeprefix("USER#")}, math.ceil((due - moment).total_seconds()) + 1
    )
    state.update(actions=[NotificationState.flush_at.set(due)])


def _devices(recipient_id: str) -> list[Device]:
    return list(Device.query(recipient_pk(recipient_id), Device.sk.startswith(DEVICE)))


def _send(recipient_id: str, newest: Notification, devices: list[Device], more: int) -> Pushed:
    pushed = Pushed()
    shown = render(recipient_id, [newest], read_up_to=None)
    if not shown:
        return pushed  # no longer holds (unliked, blocked since)
    text = shown[0].text + (f", and {more} more" if more > 0 else "")
    data = {"notification_id": shown[0].notification_id, "type": shown[0].type}
    owners = get_many(
        [(DeviceToken, (token_pk(d.sk.removeprefix(DEVICE)), "TOKEN")) for d in devices]
    )
    for device in devices:
        digest = device.sk.removeprefix(DEVICE)
        owner = owners.get(DeviceToken, (token_pk(digest), "TOKEN"))
        if owner is None or owner.user_id != recipient_id:
            device.delete()  # the token moved to another account
            continue
        if push.send(device.endpoint_arn, text, data):
            pushed.sent.append((digest, text))
            continue
        forget_device(recipient_id, device)
        pushed.removed.append(digest)
    return pushed


def forget_device(recipient_id: str, device: Device) -> None:
    """The device's endpoint, its item and its token's owner record (if still the
    recipient's) go."""
    push.delete_endpoint(device.endpoint_arn)
    device.delete()
    owner = DeviceToken(token_pk(device.sk.removeprefix(DEVICE)), "TOKEN")
    conditionally(partial(owner.delete, condition=DeviceToken.user_id == recipient_id))
