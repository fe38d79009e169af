"""Figures: the counts an article's text gives ("40 Japanese entities"), for `disagreements`.

A figure is a count and the noun it counts, read from an article's text (headline and lead): a
number in digits or a word from two to ninety (`seven`), then at most two modifiers and the noun,
before a linking word or punctuation ("40 Japanese entities over ..." counts `entities`, with the
modifier `japanese`). Left out, because they say nothing exact or name something else: years
(1900-2099), ordinals (`3rd`), percentages and money, numbers joined to a word (`5-fold`),
ranges (`20 to 30`, `20-30`, `between 20 and 30`), approximations (`more than 20`, `about 40`,
`up to 30`) and spans of time (`3 days`, `2 years`), which often count different things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest_core.editorial.headline_words import STOP_WORDS, stem

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_TOKEN = re.compile(r"[$€£¥]?\d[\d,]*(?:\.\d+)?[%\w-]*|[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z\d]")
_APPROXIMATE = frozenset(
    [
        "over",
        "under",
        "about",
        "around",
        "nearly",
        "almost",
        "some",
        "roughly",
        "approximately",
        "least",
        "most",
        "than",
        "upto",
        "dozens",
        "hundreds",
        "thousands",
        "between",
    ]
)
_RANGE_AFTER = frozenset({"to", "or", "and", "-", "–", "—"})
_TIME_SPANS = frozenset(
    stem(w) for w in ["second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "time"]
)
_SCALES = frozenset({"million", "billion", "trillion", "thousand", "hundred", "percent", "per"})
MAX_MODIFIERS = 2


@dataclass(frozen=True)
class Figure:
    """A count of something an article gives: `value` of `noun` (stemmed), its `modifiers`, and the
    words as written (`40 Japanese entities`)."""

    value: int
    noun: str
    modifiers: frozenset[str]
    said: str


def _value(token: str) -> int | None:
    """The count a token states, or None (a year, an ordinal, a percentage, money, `5-fold`)."""
    word = token.casefold()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if not re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", token):
        return None
    value = int(token.replace(",", ""))
    if 1900 <= value <= 2099 and "," not in token:
        return None
    return value


def figures(text: str) -> list[Figure]:
    """The counts `text` gives (see the module's docstring)."""
    out = []
    for line in text.splitlines():
        tokens = _TOKEN.findall(line)
        for k, token in enumerate(tokens):
            value = _value(token)
            if value is None:
                continue
            before = tokens[k - 1].casefold() if k else ""
            if before in _APPROXIMATE or before in {"-", "–", "no", "no."}:
                continue
            if (
                before in _RANGE_AFTER
                and k >= 2
                and (_value(tokens[k - 2]) is not None or tokens[k - 2].casefold() == "up")
            ):
                continue  # the end of a range ("20 to 30") or a limit ("up to 30")
            after = tokens[k + 1 : k + 2 + MAX_MODIFIERS]
            if after and after[0].casefold() in _RANGE_AFTER:
                continue
            phrase: list[str] = []
            for word in after:
                if not word[:1].isalpha() or word.casefold() in STOP_WORDS:
                    break
                phrase.append(word)
            if not phrase or phrase[0].casefold() in _SCALES:
                continue
            noun = stem(phrase[-1].casefold().removesuffix("'s").removesuffix("’s"))
            if noun in _TIME_SPANS or len(noun) < 3:
                continue
            modifiers = frozenset(stem(w.casefold()) for w in phrase[:-1])
            out.append(Figure(value, noun, modifiers, " ".join([token, *phrase])))
    return out
