"""Hidden words' matching (glimpse.users.hidden_words): whole words, whatever the case and the
accents, phrases in sequence; the built-in offensive list; the request body's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from glimpse.models.hidden_words import HIDDEN_WORDS, HiddenWords
from glimpse.users.hidden_words import NOTHING, Matcher, fold, matcher, offensive, tokens
from glimpse.users.schemas import MAX_HIDDEN_WORDS, HiddenWordsIn


def hides(entries: list[str], text: str) -> bool:
    return Matcher.of([tokens(e) for e in entries]).hides(text)


def test_folding_takes_case_accents_and_compatibility_forms_off() -> None:
    assert fold("ÉLAN Straße ﬁne \uff46\uff55\uff4c\uff4c") == "elan strasse fine full"
    assert fold("Cafe\u0301") == fold("CAFÉ") == "cafe"


def test_tokens_are_words_and_symbols_punctuation_only_separates() -> None:
    assert tokens("Hi, you... IDIOT!") == ("hi", "you", "idiot")
    assert tokens("don't") == ("don", "t")
    assert tokens("snake_case 42x") == ("snake_case", "42x")
    # an emoji is a token; its variation selector and skin tone do not change what it is
    assert tokens("nice 👍🏽 ❤️") == ("nice", "👍", "🏽", "❤")
    # a vowel sign continues its word (not an accent: it is kept)
    assert tokens("नमस्ते दुनिया") == ("नमसते", "दुनिया")
    assert tokens("¡¿...!?") == ()


@pytest.mark.parametrize(
    ("entry", "text"),
    [
        ("idiot", "You IDIOT!"),
        ("idiot", "idiót"),
        ("idiót", "what an idiot"),
        ("Ass", "you ass."),
        ("spoiler", "(spoiler) he dies"),
        ("go away", "Go... away!"),
        ("go away", "just go   away"),
        ("go away", "go\naway"),
        ("🍆", "look 🍆"),
        ("👍", "ok 👍🏽"),
        ("straße", "STRASSE"),
    ],
)
def test_an_entry_hides_what_holds_it(entry: str, text: str) -> None:
    assert hides([entry], text)


@pytest.mark.parametrize(
    ("entry", "text"),
    [
        ("ass", "class"),
        ("ass", "assume"),
        ("ass", "passé"),
        ("idiot", "idiots"),
        ("go away", "go far away"),
        ("go away", "away go"),
        ("go away", "go"),
        ("spoiler", ""),
    ],
)
def test_only_whole_words_in_sequence(entry: str, text: str) -> None:
    assert not hides([entry], text)


def test_many_entries_and_phrases_sharing_a_first_word() -> None:
    matcher_ = Matcher.of([tokens(e) for e in ("go away", "go home", "spam")])
    assert matcher_.hides("please go home")
    assert matcher_.hides("go away")
    assert not matcher_.hides("go there")
    assert matcher_.hides("SPAM!")


def test_nothing_hides_nothing() -> None:
    assert not NOTHING
    assert not NOTHING.hides("anything at all")
    assert not NOTHING.hides(None)
    assert not matcher(None).hides("anything")


def item(words: list[str], hide_offensive: bool) -> HiddenWords:
    return HiddenWords(
        "USER#u",
        HIDDEN_WORDS,
        words=words,
        hide_offensive=hide_offensive,
        updated_at=datetime.now(UTC),
    )


def test_the_offensive_switch_adds_the_built_in_list() -> None:
    built_in = offensive()
    assert 30 <= len(built_in) <= 200  # a modest list
    assert all(built_in)  # no comment or blank line becomes an entry
    single = next(" ".join(e) for e in built_in if len(e) == 1)
    phrase = next(" ".join(e) for e in built_in if len(e) > 1)
    for text in (f"you {single.upper()}!", f"{phrase}."):
        assert matcher(item([], hide_offensive=True)).hides(text)
        assert not matcher(item([], hide_offensive=False)).hides(text)
    both = matcher(item(["spoiler"], hide_offensive=True))
    assert both.hides("Spoiler!")
    assert both.hides(single)


def test_a_body_of_more_than_500_words_is_refused() -> None:
    HiddenWordsIn(words=[f"w{i}" for i in range(MAX_HIDDEN_WORDS)], hide_offensive=False)
    with pytest.raises(ValidationError) as refused:
        HiddenWordsIn(words=[f"w{i}" for i in range(MAX_HIDDEN_WORDS + 1)], hide_offensive=False)
    assert refused.value.errors()[0]["loc"] == ("words",)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"words": ["x" * 101], "hide_offensive": False}, ("words", 0)),
        ({"words": ["ok", "  "], "hide_offensive": False}, ("words", 1)),
        ({"words": ["two\nlines"], "hide_offensive": False}, ("words", 0)),
        ({"words": ["bell\x07"], "hide_offensive": False}, ("words", 0)),
        ({"words": ["ok"], "hide_offensive": "yes"}, ("hide_offensive",)),
        ({"words": ["ok"]}, ("hide_offensive",)),
        ({"hide_offensive": True}, ("words",)),
        ({"words": [], "hide_offensive": True, "other": 1}, ("other",)),
    ],
)
def test_a_bad_body_names_its_field(body: dict[str, object], field: tuple[object, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        HiddenWordsIn.model_validate(body)
    assert refused.value.errors()[0]["loc"] == field


def test_words_are_kept_in_the_one_text_form() -> None:
    body = HiddenWordsIn(words=["Cafe\u0301", "evil\u202egnp"], hide_offensive=False)
    assert body.words == ["Café", "evilgnp"]
