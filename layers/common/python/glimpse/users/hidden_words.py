"""Hidden words: what an account chose not to read from others, and the one place that decides
whether a text holds it.

An account keeps a list of words and phrases (`PUT /me/hidden-words`) and may hide the
built-in list of offensive ones too (`offensive_words.txt`, next to this file). What others
write to it that holds one is hidden from it, and from it only (the writer and everyone else
still see it): comments on its posts (glimpse.posts.service, and their notifications,
glimpse.notifications), and the messages of its message requests (glimpse.messages.service).

Matching is on whole words, whatever the case and the accents. Both sides are folded (NFKD,
case folded, the combining marks an accent adds dropped: "Élan" and "ELAN" are "elan") and cut
into tokens: runs of letters and digits (with the marks a script spells words with), and each
symbol on its own (an emoji is a token); spaces and punctuation only separate. An entry hides a
text in which its tokens appear in sequence: "ass" does not hide "class", "idiot" hides "you
IDIOT!", and "go away" hides "Go... away" but not "go far away".

A caller reads the list with its other reads (`key`, then `matcher_in` on what it fetched)
and compiles it once per request: what a page costs then grows with its texts' length, not
with the number of entries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from glimpse.clock import now
from glimpse.errors import BadRequest, field_error
from glimpse.inputs import fold
from glimpse.models.base import get_or_none
from glimpse.models.batch import Fetched
from glimpse.models.hidden_words import HIDDEN_WORDS, HiddenWords, user_pk
from glimpse.users.schemas import HiddenWordsIn, HiddenWordsOut

OFFENSIVE = Path(__file__).with_name("offensive_words.txt")

type Tokens = tuple[str, ...]

_PIECE = re.compile(r"\w+|[^\w\s]")  # a run of word characters, or one other visible character
_WORD = re.compile(r"\w")


def tokens(text: str) -> Tokens:
    """The words and symbols of `text`, folded, in order. A mark that continues a word (an
    Indic vowel sign) stays in it; other marks (an emoji's variation selector), punctuation,
    spaces and format characters only separate."""
    out: list[str] = []
    end, in_word = -1, False
    for found in _PIECE.finditer(fold(text)):
        piece, touching = found.group(), found.start() == end
        end = found.end()
        kind = "w" if _WORD.match(piece) else unicodedata.category(piece)[0]
        if kind in ("w", "M") and in_word and touching:
            out[-1] += piece
        elif kind in ("w", "S"):
            out.append(piece)
        in_word = kind == "w" or (kind == "M" and in_word and touching)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Matcher:
    """A list of entries compiled: whether a text holds one of them."""

    singles: frozenset[str] = frozenset()
    phrases: Mapping[str, tuple[Tokens, ...]] = field(default_factory=dict)  # by first token

    @classmethod
    def of(cls, entries: Iterable[Tokens]) -> Matcher:
        singles: set[str] = set()
        phrases: dict[str, list[Tokens]] = {}
        for entry in entries:
            if len(entry) == 1:
                singles.add(entry[0])
            elif entry:
                phrases.setdefault(entry[0], []).append(entry)
        return cls(frozenset(singles), {k: tuple(v) for k, v in phrases.items()})

    def __bool__(self) -> bool:
        return bool(self.singles or self.phrases)

    def hides(self, text: str | None) -> bool:
        """Whether `text` holds an entry (as whole words, in sequence)."""
        if not text or not self:
            return False
        words = tokens(text)
        for at, word in enumerate(words):
            if word in self.singles:
                return True
            if any(words[at : at + len(p)] == p for p in self.phrases.get(word, ())):
                return True
        return False


NOTHING = Matcher()


@cache
def offensive() -> tuple[Tokens, ...]:
    """The built-in list, as tokens (read once per process)."""
    lines = OFFENSIVE.read_text(encoding="utf-8").splitlines()
    return tuple(t for line in lines if not line.startswith("#") if (t := tokens(line)))


def matcher(item: HiddenWords | None) -> Matcher:
    """What `item` (an account's list, None: it has none) hides."""
    if item is None:
        return NOTHING
    entries = [tokens(word) for word in item.words or []]
    return Matcher.of([*entries, *offensive()] if item.hide_offensive else entries)


# --------------------------------------------------------------------------- reading


def key(user_id: str) -> tuple[type[HiddenWords], tuple[str, str]]:
    """The account's list, to read with a request's other items (glimpse.models.batch)."""
    return HiddenWords, (user_pk(user_id), HIDDEN_WORDS)


def matcher_in(fetched: Fetched, user_id: str) -> Matcher:
    """What the account hides, from a batch that read `key(user_id)`."""
    return matcher(fetched.get(*key(user_id)))


# --------------------------------------------------------------------------- the routes


def hidden_words(user_id: str) -> HiddenWordsOut:
    """`GET /me/hidden-words`: the list as stored; none yet is an empty list, switch off."""
    item = get_or_none(HiddenWords, *key(user_id)[1])
    if item is None:
        return HiddenWordsOut(words=[], hide_offensive=False)
    return HiddenWordsOut(words=list(item.words or []), hide_offensive=bool(item.hide_offensive))


def replace(user_id: str, body: HiddenWordsIn) -> HiddenWordsOut:
    """`PUT /me/hidden-words`: the list replaced (one PutItem). Entries that fold to the same
    tokens are kept once, the first as sent; an entry with nothing to match (punctuation only)
    is a 400 naming it, and nothing changes."""
    kept: dict[Tokens, str] = {}
    refused = []
    for index, word in enumerate(body.words):
        found = tokens(word)
        if not found:
            refused.append(field_error(f"words.{index}", "needs a letter, a digit or a symbol"))
        kept.setdefault(found, word)
    if refused:
        raise BadRequest("A hidden word has nothing to match.", refused)
    words = list(kept.values())
    HiddenWords(
        user_pk(user_id),
        HIDDEN_WORDS,
        words=words,
        hide_offensive=body.hide_offensive,
        updated_at=now(),
    ).save()
    return HiddenWordsOut(words=words, hide_offensive=body.hide_offensive)
