"""Request and response models of the graph's own routes (mutes)."""

from __future__ import annotations

from pydantic import ConfigDict

from glimpse.directory import UserSummary
from glimpse.schema import Schema


class MuteSettings(Schema):
    """What of an account leaves the caller's feed (`posts`) and tray (`stories`); both false
    is no mute at all."""

    model_config = ConfigDict(extra="forbid")

    posts: bool
    stories: bool


class MutedUser(UserSummary):
    """A muted account, and what of it is muted."""

    posts: bool
    stories: bool
