"""The one form text people read is stored in (glimpse.inputs.normal_text), and the hashtag
form a caption's tags and a hashtag page share (glimpse.posts.text)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from glimpse.inputs import DisplayName, Text, normal_text
from glimpse.posts.text import hashtags, normal_tag

OVERRIDES_AND_ISOLATES = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
OTHER_STRIPPED = [chr(c) for c in (*range(0x206A, 0x2070), *range(0xFFF9, 0xFFFC))]
# Marks that right-to-left text needs, ZWNJ and ZWJ, a variation selector, a tag character
KEPT = ["\u200e", "\u200f", "\u061c", "\u200c", "\u200d", "\ufe0f", "\U000e0067"]
C0_C1 = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))]


class Form(BaseModel):
    name: DisplayName = ""
    text: Annotated[str, Text(5, lines=True)] = ""
    title: Annotated[str, Text(10, visible=True)] = "x"


@pytest.mark.parametrize("lines", [False, True])
def test_nfc_composes_what_was_sent_decomposed(lines: bool) -> None:
    assert normal_text("Cafe\u0301 A\u030a", lines=lines) == "Café Å"
    # a removed character between a letter and its accent does not keep them apart
    assert normal_text("e\u202e\u0301", lines=lines) == "é"


@pytest.mark.parametrize("char", OVERRIDES_AND_ISOLATES + OTHER_STRIPPED)
@pytest.mark.parametrize("lines", [False, True])
def test_characters_that_reorder_or_hide_text_are_removed(char: str, lines: bool) -> None:
    assert normal_text(f"evil{char}gnp.exe", lines=lines) == "evilgnp.exe"


@pytest.mark.parametrize("char", KEPT)
def test_marks_joiners_and_emoji_parts_are_kept(char: str) -> None:
    assert normal_text(f"a{char}b", lines=False) == f"a{char}b"


@pytest.mark.parametrize(  # tab and line breaks: the next two tests
    ("char", "lines"), [(c, lines) for lines in (False, True) for c in C0_C1 if c not in "\t\n\r"]
)
def test_control_characters_are_refused(char: str, lines: bool) -> None:
    with pytest.raises(ValueError, match=rf"control characters \(U\+{ord(char):04X}\)"):
        normal_text(f"a{char}b", lines=lines)


def test_one_line_refuses_line_breaks_and_tabs() -> None:
    for text in ("a\nb", "a\r\nb", "a\rb", "a\u2028b", "a\u2029b"):
        with pytest.raises(ValueError, match="single line"):
            normal_text(text, lines=False)
    with pytest.raises(ValueError, match=r"U\+0009"):
        normal_text("a\tb", lines=False)


def test_several_lines_keep_newlines_and_tabs_and_unify_breaks() -> None:
    sent = "one\r\ntwo\rthree\u2028four\u2029five\n\tsix"
    assert normal_text(sent, lines=True) == "one\ntwo\nthree\nfour\nfive\n\tsix"


def test_limits_count_characters_after_normalising() -> None:
    assert Form(name="e\u0301" * 64).name == "é" * 64  # 128 code points sent, 64 kept
    assert Form(text="\u202ee\u0301e\u0301\r\n\u2066x\u2069").text == "éé\nx"
    with pytest.raises(ValidationError, match="at most 64 characters"):
        Form(name="é" * 65)
    with pytest.raises(ValidationError, match="at most 5 characters"):
        Form(text="e\u0301" * 6)
    properties = Form.model_json_schema()["properties"]  # what the OpenAPI document says
    assert (properties["name"]["maxLength"], properties["title"]["minLength"]) == (64, 1)


def test_validation_names_the_field_and_blank_is_judged_after_removal() -> None:
    with pytest.raises(ValidationError) as refused:
        Form(name="ok", text="fine", title="\u2067\u2069 ")
    assert [e["loc"] for e in refused.value.errors()] == [("title",)]
    assert "blank" in refused.value.errors()[0]["msg"]
    with pytest.raises(ValidationError) as refused:
        Form(name="bell\x07")
    assert [e["loc"] for e in refused.value.errors()] == [("name",)]


def test_a_tag_has_one_form_in_captions_and_lookups() -> None:
    assert hashtags("#Cafe\u0301 and #CAFÉ, #café") == ["café"]
    for asked in ("café", "CAFÉ", "#café", "##Cafe\u0301", " café "):
        assert normal_tag(asked) == "café"
