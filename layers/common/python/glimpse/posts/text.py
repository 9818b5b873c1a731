"""Hashtags and mentions in captions."""

from __future__ import annotations

import re
import unicodedata

_HASHTAG = re.compile(r"(?<!\w)#+(\w{1,100})")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._]{3,30})")


def hashtags(text: str) -> list[str]:
    """`#Tags` in order of first appearance, each once, in their normal form (normal_tag)."""
    found = _HASHTAG.findall(unicodedata.normalize("NFC", text))
    return list(dict.fromkeys(normal_tag(tag) for tag in found))


def normal_tag(text: str) -> str:
    """A tag as posts store it, and as a hashtag page or a search looks it up: without its
    leading `#`s, lowercase, NFC (`#Café` typed as "e" + U+0301 is `café`)."""
    return unicodedata.normalize("NFC", text.strip().lstrip("#").lower())


def mentions(text: str) -> list[str]:
    """`@usernames` in order of first appearance, lowercase, each once (trailing dots dropped)."""
    names = (name.rstrip(".").lower() for name in _MENTION.findall(text))
    return list(dict.fromkeys(name for name in names if len(name) >= 3))
