"""Event dates: the day an article's text (headline and lead) gives for an event ("talks on Monday").

A date is a weekday (`Monday`) or a month and day (`March 3`, `Mar. 3`, `3 March`). It counts only
when it is tied to an event noun (`EVENT_NOUNS`: talks, summit, visit, drills...) in the same
clause: after `on` or `for`, with the noun at most `REACH` words before it and no other date in
between ("the talks will take place on Monday"), or right before the noun ("Monday's talks",
"the March 3 summit"). Left out: a date after any other word (a dateline "TOKYO, March 3 (Kyodo)",
"said on Monday" with no event noun, "by March 5", "since Monday"), ranges ("March 3-5", "from
Monday to Wednesday", "between March 3 and 5"), and the day an outlet was told something (press
conferences and briefings are no event here). Up to two words right before the noun are its
modifiers ("trade talks"), stopped by a stop word or a verb (`hold talks` has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest_core.editorial.headline_words import STOP_WORDS, stem

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTH_OF = (  # a month's name or abbreviation -> its number
    {m: k for k, m in enumerate(_MONTHS, start=1)}
    | {m[:3]: k for k, m in enumerate(_MONTHS, start=1) if m != "may"}
    | {"sept": 9}
)
EVENT_NOUNS = frozenset({
    "talk", "meeting", "summit", "visit", "trip", "tour", "election", "vote", "referendum", "drill", "exercise",
    "ceremony", "dialogue", "consultation", "forum", "session", "hearing", "parade", "launch", "trial", "verdict",
    "ruling", "rally", "protest", "strike", "test", "flight", "voyage", "patrol", "release", "discharge",
    "deployment", "signing", "deadline", "exhibition", "festival", "anniversary", "commemoration", "memorial",
})  # fmt: skip
_VERBS = frozenset({
    "hold", "holds", "held", "holding", "host", "hosts", "hosted", "hosting", "attend", "attends", "attended",
    "begin", "begins", "began", "start", "starts", "started", "open", "opens", "opened", "resume", "resumes",
    "resumed", "plan", "plans", "planned", "set", "sets", "end", "ends", "ended", "conduct", "conducts",
    "conducted", "stage", "stages", "staged",
})  # fmt: skip
_NOT_EVENT_DAY = frozenset({"from", "between", "by", "since", "until", "before", "after", "to", "through"})
REACH = 6  # words between the event noun and `on <date>`
MONTH = r"(?:" + "|".join(sorted(MONTH_OF, key=len, reverse=True)) + r")\.?"
_DATE = re.compile(
    rf"\b(?:(?P<weekday>{'|'.join(_WEEKDAYS)})|(?P<month>{MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{MONTH}))(?![\w-])",
    re.IGNORECASE,
)
_RANGE_NEXT = re.compile(rf"\s*(?:-|–|to\b|through\b|until\b|and\b)\s*(?:\d|{MONTH}|{'|'.join(_WEEKDAYS)})", re.I)
_CLAUSE_END = re.compile(r"[,;:()\[\]—–]|\s-\s|\.\s")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NEXT_WORDS = re.compile(r"(?:['’]s)?((?:\s+[A-Za-z][\w-]*){1,2})")


@dataclass(frozen=True)
class EventDate:
    """A day an article gives for an event: `value` (`weekday:0`, `3-3`), the event's `noun`
    (stemmed) and `modifiers`, the words as written (`talks on Monday`) and the date (`Monday`)."""

    value: str
    noun: str
    modifiers: frozenset[str]
    said: str
    date: str

    @property
    def kind(self) -> str:
        """`weekday` or `date`: the two are never compared (a weekday has no week, a date no year)."""
        return "weekday" if self.value.startswith("weekday") else "date"


def _value(m: re.Match[str]) -> str | None:
    if m["weekday"]:
        return f"weekday:{_WEEKDAYS.index(m['weekday'].casefold())}"
    month = MONTH_OF[(m["month"] or m["month2"]).casefold().rstrip(".")]
    day = int(m["day"] or m["day2"])
    return f"{month}-{day}" if 1 <= day <= 31 else None


def _modifiers(words: list[str]) -> frozenset[str]:
    """Up to two words right before the event noun (the last of `words`), not stop words or verbs."""
    out: list[str] = []
    for word in reversed(words[:-1]):
        low = word.casefold()
        if low in STOP_WORDS or low in _VERBS or len(out) == 2:
            break
        out.append(stem(low.removesuffix("'s").removesuffix("’s")))
    return frozenset(out)


def _event_noun(word: str) -> str | None:
    """`word` as one of `EVENT_NOUNS` (`talks` is `talk`), or None."""
    low = word.casefold()
    if low in EVENT_NOUNS:
        return low
    return low[:-1] if low.endswith("s") and low[:-1] in EVENT_NOUNS else None


def _event_before(clause: str) -> tuple[str, frozenset[str], str] | None:
    """The nearest event noun in the last `REACH` words of `clause`: (noun, modifiers, as written)."""
    words = _WORD.findall(clause)
    for k in range(len(words) - 1, max(-1, len(words) - 1 - REACH), -1):
        noun = _event_noun(words[k])
        if noun:
            return noun, _modifiers(words[: k + 1]), words[k]
    return None


def _event_after(line: str, m: re.Match[str], value: str) -> list[EventDate]:
    """The event the date `m` of `line` comes right before ("Monday's talks", "the March 3 summit")."""
    following = _NEXT_WORDS.match(line, m.end())
    if not following:
        return []
    words = following[1].split()
    for j, word in enumerate(words):
        noun = _event_noun(word)
        if noun:
            said = line[m.start() : m.end()] + following[0][: following[0].find(word) + len(word)]
            return [EventDate(value, noun, _modifiers(words[: j + 1]), said, m[0])]
        if word.casefold() in STOP_WORDS:
            break
    return []


def event_dates(text: str) -> list[EventDate]:
    """The event dates `text` gives (see the module's docstring)."""
    out: list[EventDate] = []
    for line in text.splitlines():
        dates = list(_DATE.finditer(line))
        for k, m in enumerate(dates):
            value = _value(m)
            if value is None or _RANGE_NEXT.match(line, m.end()) or re.search(r"-\s*$", line[: m.start()]):
                continue
            start = dates[k - 1].end() if k else 0
            clause = _CLAUSE_END.split(line[start : m.start()])[-1]
            words = _WORD.findall(clause)
            prep = words[-1].casefold() if words else ""
            if prep in {"on", "for"}:
                found = _event_before(clause[: clause.rfind(words[-1])])
                if found:
                    noun, modifiers, said = found
                    out.append(EventDate(value, noun, modifiers, f"{said} {words[-1]} {m[0]}", m[0]))
            elif prep not in _NOT_EVENT_DAY:
                out.extend(_event_after(line, m, value))
    return out
