"""`digest_core.text.visible`: every invisible character goes, whatever the Python's Unicode version."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.text import controls_blanked, has_hidden, one_line, visible

FORMAT_AND_CONTROL = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in {"Cf", "Cc"}]


def test_every_format_and_non_space_control_character_of_this_python_is_removed() -> None:
    kept = [f"U+{ord(c):04X}" for c in FORMAT_AND_CONTROL if not c.isspace() and visible(c)]
    assert kept == []
    assert all(has_hidden(c) for c in FORMAT_AND_CONTROL)


def test_the_whole_tag_block_and_later_unicode_format_controls_are_removed() -> None:
    tags = "".join(chr(c) for c in range(0xE0000, 0xE0080))  # U+E0000 and U+E0002..1F are unassigned: still gone
    egyptian = "".join(chr(c) for c in range(0x13430, 0x13440))  # format controls of Unicode 15
    assert visible(f"a{tags}b{egyptian}c") == "abc"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Chi\u00adna and Ja\u200bpan", "China and Japan"),  # soft hyphen, zero-width space
        ("\ufeffTokyo\u2060 talks\u200c\u200d", "Tokyo talks"),  # BOM, word joiner, ZWNJ, ZWJ
        ("\u202eabc\u202c \u2067x\u2069 \u061cy\u200e\u200f", "abc x y"),  # bidi override, isolate, marks
        ("ignore\U000e0020\U000e0069\U000e0067 this", "ignore this"),  # tag characters (hidden ASCII)
        ("a\ufff9b\ufffac\ufffbd", "abcd"),  # interlinear annotation
        ("\U0001f468\u200d\U0001f469", "\U0001f468\U0001f469"),  # the ZWJ of an emoji sequence goes too
        ("one\ttwo\nthree\x85four\u2028five", "one two three four five"),  # whitespace controls: one space
        ("bell\x07 esc\x1b[0m nul\x00", "bell esc[0m nul"),
        ("中国と日本", "中国と日本"),
    ],
)
def test_one_line_shows_only_what_a_reader_sees(raw: str, shown: str) -> None:
    assert one_line(raw) == shown


def test_a_link_with_any_control_or_format_character_is_hidden() -> None:
    assert not has_hidden("https://example.org/a b")
    assert has_hidden("https://example.org/a\tb") and has_hidden("https://example.org/\u200b")


# The sanitizers `controls_blanked` replaced, as they were: the site's (adapters/site_text.py) and the
# CLI table cells' (bot/cli.py).
OLD_SITE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
OLD_CLI = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
TEXTS = st.text(alphabet=st.one_of(st.characters(), st.sampled_from("\x00\t\n\r\x1b\x7f\x85\x9f\u2028\u2029 ab")))


@given(TEXTS)
def test_controls_blanked_is_the_sites_old_sanitizer(text: str) -> None:
    assert controls_blanked(text) == OLD_SITE.sub(" ", text)


@given(TEXTS)
def test_controls_blanked_removes_all_the_clis_old_sanitizer_removed(text: str) -> None:
    out = controls_blanked(text)
    assert not OLD_CLI.search(out)
    assert out.replace(" ", "") == OLD_CLI.sub(" ", text).replace(" ", "").replace("\u2028", "").replace("\u2029", "")


def test_controls_blanked_leaves_format_characters_and_text() -> None:
    assert controls_blanked("a\x1b[31mred\r\n\u2028b\u200bc") == "a [31mred b\u200bc"


@given(TEXTS)
def test_has_hidden_finds_each_control_and_format_character(text: str) -> None:
    assert has_hidden(text) == any(unicodedata.category(c) in {"Cc", "Cf"} for c in text)
