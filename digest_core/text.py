"""Untrusted text made fit to show: nothing invisible, one line, no control characters, cut on a word
boundary.

Every caller (feeds, summaries, renderers, the terminal) uses these, so the rules live once."""

from __future__ import annotations

import re

HEADLINE_LIMIT = 160  # characters of a headline in every format
SUMMARY_LIMIT = 300  # characters of one line of summarizer text (a bullet, a side's framing)
ELLIPSIS = "…"

# Characters nobody sees: every format character (Unicode category Cf: soft hyphen, zero-width space,
# non-joiner and joiner, word joiner, bidirectional marks, embeddings, overrides and isolates, the BOM,
# interlinear annotations, Arabic and other prepended number signs, Egyptian and musical format controls
# up to Unicode 16, the whole tag block) and every control character (Cc) that is not whitespace. They
# can hide text from a reader while a model still reads it, or reorder what follows.
# `tests/test_text.py` checks that this holds every Cf and Cc character of the running Python.
_HIDDEN_RANGES = (
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"  # controls, without \t \n \v \f \r \x1c-\x1f \x85 (whitespace)
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f"
)
_CONTROLS = "\x00-\x1f\x7f-\x9f"  # every control character (Cc), whitespace controls included
_LINE_SEPARATORS = "\u2028\u2029"  # line and paragraph separators (Zl, Zp)
_HIDDEN = re.compile(f"[{_HIDDEN_RANGES}]")
_HIDDEN_OR_CONTROL = re.compile(f"[{_HIDDEN_RANGES}{_CONTROLS}]")
_BREAKING_RUNS = re.compile(f"[{_CONTROLS}{_LINE_SEPARATORS}]+")
_NORMAL = re.compile(r"[^\w]+")


def visible(text: str) -> str:
    """`text` without the characters nobody sees: format characters (Cf) and the control characters
    (Cc) that are not whitespace are removed, not replaced (a zero-width space inside a word leaves
    the word whole). All of them go, the zero-width joiner of emoji sequences too: a family emoji
    then shows as its members side by side."""
    return _HIDDEN.sub("", text)


def has_hidden(text: str) -> bool:
    """Whether `text` holds a format character or any control character, whitespace controls included
    (a link must hold none)."""
    return _HIDDEN_OR_CONTROL.search(text) is not None


def controls_blanked(text: str) -> str:
    """`text` with each run of control characters (Cc, line breaks and tabs included) and line or
    paragraph separators turned into one space: nothing in it can move a terminal's cursor, colour
    it, or start a new line or block. Other characters, format characters too, are left as they are."""
    return _BREAKING_RUNS.sub(" ", text)


def one_line(text: str) -> str:
    """`text` on one line and `visible`: newlines and other whitespace collapsed to one space."""
    return " ".join(visible(text).split())


def cut(text: str, limit: int) -> str:
    """`text` on one line and at most `limit` characters: cut on a word boundary (inside a word only
    when a single word fills more than half the limit) with an ellipsis."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    room = limit - len(ELLIPSIS)
    head = line[: room + 1]  # one character more, to see whether the cut falls on a space
    space = head.rfind(" ")
    head = head[:space] if space > limit // 2 else head[:room]
    head = head.rstrip(" ,;:-–—([{")
    return head + ELLIPSIS


def headline(text: str) -> str:
    """A headline as every format shows it: one line, at most `HEADLINE_LIMIT` characters."""
    return cut(text, HEADLINE_LIMIT)


def summary_line(text: str) -> str:
    """One line of summarizer text, whatever the model returned: at most `SUMMARY_LIMIT` characters."""
    return cut(text, SUMMARY_LIMIT)


def normalized(text: str) -> str:
    """`text` reduced for comparison: lower case, words only."""
    return " ".join(_NORMAL.sub(" ", text.casefold()).split())
