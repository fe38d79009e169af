"""Untrusted text made fit to show: one line, no control characters, cut on a word boundary.

Every caller (feeds, summaries, renderers, the terminal) uses these, so the rules live once."""

from __future__ import annotations

import re
import unicodedata

HEADLINE_LIMIT = 160  # characters of a headline in every format
SUMMARY_LIMIT = 300  # characters of one line of summarizer text (a bullet, a side's framing)
ELLIPSIS = "…"

# bidirectional marks, overrides and isolates (invisible; they can reorder what follows) and the BOM
_INVISIBLE = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
_NORMAL = re.compile(r"[^\w]+")


def one_line(text: str) -> str:
    """`text` on one line: newlines and other whitespace collapsed to one space, control and
    bidirectional-override characters removed."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in _INVISIBLE)
    )
    return " ".join(kept.split())


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
