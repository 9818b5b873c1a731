"""Hashtags and mentions in captions."""

from __future__ import annotations

import re

_HASHTAG = re.compile(r"(?<!\w)#+(\w{1,100})")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._]{3,30})")


def hashtags(text: str) -> list[str]:
    """`#Tags` in order of first appearance, lowercase, each once."""
    return list(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(text)))


def normal_tag(text: str) -> str:
    """A tag as posts store it: lowercase, without its leading `#`s."""
    return text.strip().lstrip("#").lower()


def mentions(text: str) -> list[str]:
    """`@usernames` in order of first appearance, lowercase, each once (trailing dots dropped)."""
    names = (name.rstrip(".").lower() for name in _MENTION.findall(text))
    return list(dict.fromkeys(name for name in names if len(name) >= 3))
