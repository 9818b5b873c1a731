"""Rules for the values people send (text, flags, numbers), used by every request model."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt

# Bidirectional controls reorder what follows them: in a name they make "evil.exe" look like
# something else. Names refuse them (the username pattern allows none anyway).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _no_bidi_controls(value: str) -> str:
    if BIDI_CONTROLS.search(value):
        raise ValueError("must not contain bidirectional control characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


DisplayName = Annotated[str, Field(max_length=64), AfterValidator(_no_bidi_controls)]
# Text that must say something: not empty, not only whitespace (give its length with Field).
VisibleText = Annotated[str, AfterValidator(_not_blank)]


# JSON's true/false and integers only: "yes", "1" and 1.0 are refused, not read as something.
Flag = StrictBool
Count = StrictInt

# An id of API.md's kind (a ULID: 26 Crockford base-32 characters), e.g. a read marker.
ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
USERNAME_PATTERN = r"^[A-Za-z0-9._]{3,30}$"  # stored lowercase; accepted in any case
