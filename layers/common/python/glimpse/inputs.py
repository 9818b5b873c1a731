"""Rules for the values people send (text, flags, numbers), used by every request model."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, StrictBool, StrictInt
from pydantic_core import core_schema

# Text that people read (names, bios, captions, comments, messages, titles, places) is stored
# in one form, made by `normal_text` before any length is checked, so limits count the
# characters (code points) of that form:
#
# - characters that reorder or hide the text after them are removed: the bidirectional
#   embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069), which make
#   "evil\u202egnp.exe" show as "evilexe.png" and, left open, reverse whatever a client shows
#   next to the text; the deprecated format characters (U+206A-U+206F); interlinear
#   annotations (U+FFF9-U+FFFB), which hide text where honoured. Removed rather than refused:
#   pasted text carries them unseen, and the sender could not tell what to take out.
# - kept: the marks LRM, RLM and ALM (U+200E, U+200F, U+061C), which right-to-left writing
#   needs around digits and punctuation and which cannot reverse letters; ZWJ and ZWNJ
#   (emoji sequences, Persian and Indic spelling); variation selectors and tag characters
#   (emoji, flags).
# - line breaks (CR LF, CR, U+2028, U+2029) become "\n" in text of several lines;
# - NFC: "e" + U+0301 is stored as "é", one character;
# - control characters (C0, DEL, C1) are refused, but for "\n" and tab in text of several
#   lines: nobody types them, and a client may show them as anything.
_STRIPPED = re.compile("[\u202a-\u202e\u2066-\u2069\u206a-\u206f\ufff9-\ufffb]")
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
_ONE_LINE_BREAK = re.compile("[\n\r\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normal_text(value: str, *, lines: bool) -> str:
    """`value` in the form text people read is stored in (see above), of one line or, with
    `lines`, of several. ValueError for the characters it refuses."""
    text = _STRIPPED.sub("", value)
    if lines:
        text = _LINE_BREAK.sub("\n", text)
    elif _ONE_LINE_BREAK.search(text):
        raise ValueError("must be a single line")
    text = unicodedata.normalize("NFC", text)
    control = (_CONTROL_IN_LINES if lines else _CONTROL).search(text)
    if control:
        raise ValueError(f"must not contain control characters (U+{ord(control[0]):04X})")
    return text


def fold(text: str) -> str:
    """`text` as matching compares it: compatibility forms and case folded (Unicode's caseless
    match, NFKD(casefold(NFKD))), without the combining marks accents are made of ("Élan" and
    "ELAN" are "elan"). Hidden words and place names match on it."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """A place name as de-duplication compares it: folded, without any whitespace ("Café
    Central", "cafe  central" and "CAFECENTRAL" are one name)."""
    return "".join(fold(text).split())


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


@dataclass(frozen=True, slots=True)
class Text:
    """The type of every request field holding text people read: `Annotated[str, Text(64)]`.
    The value is made `normal_text` first; `max_length` then counts its characters, and a
    `visible` text must hold something other than whitespace. Other strings (ids, tokens,
    passwords) keep what was sent."""

    max_length: int
    lines: bool = False  # a bio, a caption, a comment, a message; else a name, a title, a place
    visible: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        if source is not str:
            raise TypeError(f"Text annotates str, not {source}")
        checked: core_schema.CoreSchema = core_schema.str_schema(
            max_length=self.max_length, min_length=1 if self.visible else None
        )
        if self.visible:
            checked = core_schema.no_info_after_validator_function(_not_blank, checked)
        return core_schema.no_info_before_validator_function(self._normal, checked)

    def _normal(self, value: object) -> object:
        return normal_text(value, lines=self.lines) if isinstance(value, str) else value


DisplayName = Annotated[str, Text(64)]


# JSON's true/false and integers only: "yes", "1" and 1.0 are refused, not read as something.
Flag = StrictBool
Count = StrictInt

# An id of API.md's kind (a ULID: 26 Crockford base-32 characters), e.g. a read marker.
ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
USERNAME_PATTERN = r"^[A-Za-z0-9._]{3,30}$"  # stored lowercase; accepted in any case
