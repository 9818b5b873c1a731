"""Which sign-ins come from a device the account has not used for 90 days (API.md's login
alert), and what to call that device.

A device is its user agent (all the API sees of it), kept as a hash with the time it last
signed in (glimpse.models.logins). An account's first sign-in ever alerts nobody: every device
is new then.
"""

from __future__ import annotations

import hashlib
import re
import time

from glimpse.events import NewDeviceLogin
from glimpse.models.base import get_or_none, str_map
from glimpse.models.logins import LOGINS, Logins, user_pk
from glimpse.models.transactions import ConditionFailed, Contention, transaction

UNSEEN_FOR = 90 * 86400  # API.md: a device not seen for 90 days
KEPT = 20  # devices an account remembers; the longest unseen go first

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("okhttp/", "an Android app"),
    ("CFNetwork/", "an iOS app"),
    ("curl/", "curl"),
    ("python-requests/", "a Python script"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def device_name(user_agent: str) -> str:
    """'Firefox on Linux', 'Safari on iPhone', 'curl'; the agent itself (shortened) if it
    names nothing known, and 'an unknown device' without one."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    shown = _PRINTABLE.sub("", user_agent).strip()[:60]
    return shown or "an unknown device"


def signed_in(user_id: str, user_agent: str) -> None:
    """Record this sign-in; when its device was not seen for 90 days (and the account has
    signed in before), publish `new_device_login` in the same transaction, so a recorded
    device is never one nobody was told about. Written on the condition that the item is
    still as read (two sign-ins at once: the second reads again). A GetItem and a
    TransactWriteItems."""
    now = time.time()
    key = hashlib.sha256(user_agent.encode("utf-8", "replace")).hexdigest()[:32]
    for _attempt in range(3):
        known = get_or_none(Logins, user_pk(user_id), LOGINS, consistent=True)
        devices = {k: float(v) for k, v in str_map(known.devices if known else None).items()}
        last = devices.get(key)
        devices[key] = now
        kept = dict(sorted(devices.items(), key=lambda item: item[1], reverse=True)[:KEPT])
        unchanged = (
            Logins.pk.does_not_exist() if known is None else Logins.updated_at == known.updated_at
        )
        try:
            with transaction() as tx:
                tx.save(Logins(user_pk(user_id), LOGINS, devices=kept, updated_at=now), unchanged)
                if known is not None and (last is None or now - last > UNSEEN_FOR):
                    tx.emit(NewDeviceLogin(user_id=user_id, device=device_name(user_agent)))
        except ConditionFailed:
            continue
        return
    raise Contention()
