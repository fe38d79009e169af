"""An article's lead split into sentences, and the part of an article that counts in full.

News English only needs a small splitter: a sentence ends at `.`, `!` or `?` (closing quotes or
brackets may follow) before a space and a capital, a digit or an opening quote; not after a
title or other common abbreviation (`Mr.`, `Gen.`, `Jan.`, `U.S.`) or a single initial (`J.`).
Chinese and Japanese sentences end at `。`, `！` or `？` (closing quotes may follow), no space needed.
What a reader sees first is the headline and the lead's first sentence (`lead_parts`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest_core.models import Article
from digest_core.text import normalized

NEAR_HEADLINE = 80  # rapidfuzz ratio (0-100) at which a sentence copies a headline

_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(]?[A-Z0-9])|[。！？][」』”’）)]*\s*")
_ABBREVIATIONS_TEXT = """
    mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep rev st jr sr no vs etc inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec approx est dept univ
"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _ends_abbreviation(head: str) -> bool:
    """Whether `head` (text up to a full stop) ends in an abbreviation or an initial, not a sentence."""
    m = _LAST_WORD.search(head)
    if not m:
        return False
    word = m.group(1)
    if "." in word or len(word) == 1:  # U.S, U.N, an initial
        return word.isupper() or len(word) == 1
    return word.casefold() in _ABBREVIATIONS


def sentences(text: str) -> list[str]:
    """The sentences of `text`, whitespace collapsed, in order (empty for blank text)."""
    flat = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(flat):
        if flat[m.start()] == "." and _ends_abbreviation(flat[start : m.start()]):
            continue
        out.append(flat[start : m.end()].strip())
        start = m.end()
    rest = flat[start:].strip()
    if rest:
        out.append(rest)
    return out


def body(article: Article) -> str:
    """The article's own words: the lead read from its page, else its feed's description."""
    return article.lead or article.summary


def lead_parts(article: Article) -> tuple[str, str]:
    """The body's first sentence, and the rest of the body (both empty when there is no body)."""
    parts = sentences(body(article))
    return (parts[0], " ".join(parts[1:])) if parts else ("", "")


def copies_headline(sentence: str, headlines: Sequence[str]) -> bool:
    """Whether `sentence` nearly repeats one of `headlines` (word-level, case-insensitive)."""
    from rapidfuzz import fuzz  # lazy: RAPIDFUZZ_COST; selection runs in the service's worker

    said = normalized(sentence)
    return any(fuzz.ratio(said, normalized(h)) >= NEAR_HEADLINE for h in headlines)
