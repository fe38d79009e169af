"""The numbers and dates a text gives, as keys that match across languages.

"1,005 items", "1005项" and "千五項" are all `#1005`; "3万", "3萬" and "30,000" are `#30000`;
"14亿", "14億" and "1.4 billion" are `#1400000000`; "10%", "１０％" and "百分之十" are `#10%`;
"1月7日", "Jan. 7" and "January 7" are `@01-07`. Numbers below 10 are left out (one, two, three
name too many things), and so are Chinese numerals written without a digit that are a single
character (一, 十: in too many words) unless a counter follows them.
"""

from __future__ import annotations

import re
import unicodedata

from digest_core.editorial.event_dates import MONTH, MONTH_OF

_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}  # fmt: skip
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_NUMERAL = "〇零一二两兩三四五六七八九十百千"
_WORD_UNIT = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}

_CJK_DATE = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})[日号號]")
_EN_DATE = re.compile(rf"\b({MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|percent|per cent))", re.I)
_CJK_NUMBER = re.compile(rf"(\d[\d,]*(?:\.\d+)?|[{_NUMERAL}]+)([万萬亿億]?)(%|％)?")
_PERCENT_WORDS = re.compile(rf"百分之([{_NUMERAL}]+|\d+(?:\.\d+)?)")
_COUNTERS = "人名件个個項项年倍架艘隻只吨噸円元次回歳岁度家社国國枚台輛辆"


def _cjk_value(numeral: str) -> int | None:
    """一千零五 -> 1005, 三十 -> 30, 二〇二六 -> 2026 (digit by digit), 十 -> 10."""
    if all(c in _DIGIT for c in numeral):
        return int("".join(str(_DIGIT[c]) for c in numeral)) if len(numeral) > 1 else _DIGIT[numeral]
    total = current = 0
    for c in numeral:
        if c in _DIGIT:
            current = _DIGIT[c]
        elif c in _SMALL_UNIT:
            total += (current or 1) * _SMALL_UNIT[c]
            current = 0
        else:
            return None
    return total + current


def _key(value: float, percent: bool) -> str | None:
    if value < 10 and not percent:
        return None
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    return "#" + number + ("%" if percent else "")


def number_keys(text: str) -> set[str]:
    """The number and date keys of `text` in any of English, Chinese and Japanese."""
    text = unicodedata.normalize("NFKC", text)
    keys = _date_keys(text)
    text = _CJK_DATE.sub(" ", _EN_DATE.sub(" ", text))
    for numeral in _PERCENT_WORDS.findall(text):
        share = float(numeral) if numeral[0].isdigit() else _cjk_value(numeral)
        if share is not None and (key := _key(share, True)):
            keys.add(key)
    for match in _CJK_NUMBER.finditer(_PERCENT_WORDS.sub(" ", text)):
        if key := _number_key(match):
            keys.add(key)
    return keys


def _date_keys(text: str) -> set[str]:
    """`@MM-DD` for each month and day written together (1月7日, 十一月十九日, Jan. 7)."""
    keys = set()
    for month_text, day_text in _CJK_DATE.findall(text):
        month = int(month_text) if month_text.isdigit() else _cjk_value(month_text)
        day = int(day_text) if day_text.isdigit() else _cjk_value(day_text)
        if month and day and 1 <= month <= 12 and 1 <= day <= 31:
            keys.add(f"@{month:02d}-{day:02d}")
    for month_text, day_text in _EN_DATE.findall(text):
        keys.add(f"@{MONTH_OF[month_text.lower().rstrip('.')]:02d}-{int(day_text):02d}")
    return keys


def _number_key(match: re.Match[str]) -> str | None:
    """The key of one number (digits or CJK numerals, with 万/亿, %, or an English unit word after)."""
    digits, big, percent = match.groups()
    after = match.string[match.end() :]
    value: float | None
    if digits[0].isdigit():
        value = float(digits.replace(",", ""))
    elif len(digits) == 1 and not big and not (after[:1] and after[0] in _COUNTERS):
        return None  # 一 in 统一, 十 in 十分: a numeral inside a word
    else:
        value = _cjk_value(digits)
    if value is None:
        return None
    if big:
        value *= _BIG_UNIT[big]
    elif not percent:
        word = re.match(r"\s*(%|percent|per cent|thousand|million|billion|trillion)\b", after, re.I)
        if word and word.group(1).lower() in _WORD_UNIT:
            value *= _WORD_UNIT[word.group(1).lower()]
        elif word:
            percent = "%"
    return _key(value, bool(percent))
