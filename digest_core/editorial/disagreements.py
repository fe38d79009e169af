"""What the sides of one story give differently: figures, event dates and names.

Each article's text (headline and lead) yields mentions: a thing (a counted noun, an event noun,
a `side_names` entry), its modifiers, and a value (the count, the day, whose name it is). Two
mentions are of the same thing when the things are equal and neither has a modifier the other
lacks when both have some ("40 Japanese entities" and "20 entities" are; "trade talks" and
"security talks" are not). The sides differ when each side gives one value for that thing and
the values are not the same; a side giving two values (two lists, two rounds of talks, both
names) is no disagreement. Shown as `Figures differ: Global Times [2] says 40 Japanese entities;
The Japan Times [4] says 20`, `Dates differ: ...`, `Names differ: ...`, citing both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache

from digest_core.editorial.event_dates import event_dates
from digest_core.editorial.figures import figures
from digest_core.models import Article, Bullet
from digest_core.topics import Topic


@dataclass(frozen=True)
class Mention:
    """One thing an article gives a value for: `said` as written, `short` the value alone."""

    thing: str
    modifiers: frozenset[str]
    value: Hashable
    said: str
    short: str


Extract = Callable[[str], list[Mention]]


def figure_mentions(text: str) -> list[Mention]:
    """The counts of `text` ("40 Japanese entities": `entiti` counted 40, said `40`)."""
    return [Mention(f.noun, f.modifiers, f.value, f.said, f.said.split()[0]) for f in figures(text)]


def date_mentions(text: str) -> list[Mention]:
    """The event dates of `text`; a weekday and a month-day are never compared (no year, no week)."""
    return [Mention(f"{d.noun}@{d.kind}", d.modifiers, d.value, d.said, d.date) for d in event_dates(text)]


@cache
def _name_patterns(entries: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]) -> list[tuple[str, re.Pattern[str]]]:
    """Per entry and side, `(entry:side, pattern)` matching its names, longest first, any case."""
    out = []
    for k, entry in enumerate(entries):
        for side, names in entry:
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            out.append((f"{k}:{side}", re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))
    return out


def name_mentions(topic: Topic) -> Extract:
    """The `side_names` of `topic` a text uses: the entry is the thing, the side whose name it is the value."""
    entries = tuple(tuple((side, tuple(names)) for side, names in e.items()) for e in topic.side_names)
    patterns = _name_patterns(entries)

    def extract(text: str) -> list[Mention]:
        found = []
        for key, pattern in patterns:
            entry, _, side = key.partition(":")
            for m in pattern.finditer(text):
                found.append((m.start(), Mention(f"name{entry}", frozenset(), side, m[0], m[0])))
        return [mention for _, mention in sorted(found, key=lambda f: f[0])]

    return extract


def _same_thing(a: Mention, b: Mention) -> bool:
    if a.thing != b.thing:
        return False
    return not (a.modifiers and b.modifiers) or a.modifiers <= b.modifiers or b.modifiers <= a.modifiers


@dataclass(frozen=True)
class _Claim:
    mention: Mention
    articles: tuple[Article, ...]


def _side_claims(articles: Sequence[Article], extract: Extract) -> list[_Claim]:
    """Each value one side's articles give for a thing, with the articles giving it."""
    found: dict[tuple[Hashable, str, frozenset[str]], tuple[Mention, list[Article]]] = {}
    for article in articles:
        for mention in extract(article.text):
            key = (mention.value, mention.thing, mention.modifiers)
            _, holders = found.setdefault(key, (mention, []))
            if article not in holders:
                holders.append(article)
    return [_Claim(m, tuple(holders)) for m, holders in found.values()]


def _who(claim: _Claim) -> str:
    """`Global Times [2]`, `China Daily [1] and Global Times [2]`, and the verb that goes with it."""
    named = [f"{a.outlet} [{a.n}]" for a in claim.articles]
    if len(named) == 1:
        return f"{named[0]} says"
    return ", ".join(named[:-1]) + " and " + named[-1] + " say"


def differences(kind: str, extract: Extract, articles: Sequence[Article], sides: Sequence[str]) -> list[Bullet]:
    """`<kind> differ: <first side's outlets> say(s) <as said>; <other's> say(s) <value>` for each
    thing two of `sides` give different values for in a story's `articles`."""
    if len(sides) < 2:
        return []
    claims = {side: _side_claims([a for a in articles if a.perspective == side], extract) for side in sides}
    out: list[Bullet] = []
    said: set[str] = set()
    first, *rest = sides
    for claim in claims[first]:
        if claim.mention.thing in said:
            continue
        if len({c.mention.value for c in claims[first] if _same_thing(c.mention, claim.mention)}) > 1:
            continue  # one side gives two values for it: no clear disagreement
        for side in rest:
            theirs = [c for c in claims[side] if _same_thing(c.mention, claim.mention)]
            if len({c.mention.value for c in theirs}) != 1 or theirs[0].mention.value == claim.mention.value:
                continue
            other = theirs[0]
            text = f"{kind} differ: {_who(claim)} {claim.mention.said}; {_who(other)} {other.mention.short}"
            citations = sorted({a.n for a in claim.articles + other.articles})
            out.append(Bullet(text=text, citations=citations))
            said.add(claim.mention.thing)
            break
    return out


def figure_differences(articles: Sequence[Article], sides: Sequence[str]) -> list[Bullet]:
    """`Figures differ: Global Times [2] says 40 Japanese entities; The Japan Times [4] says 20`."""
    return differences("Figures", figure_mentions, articles, sides)


def story_differences(articles: Sequence[Article], sides: Sequence[str], topic: Topic) -> list[Bullet]:
    """The figures, event dates and names the sides of one story give differently, in that order."""
    return [
        *figure_differences(articles, sides),
        *differences("Dates", date_mentions, articles, sides),
        *differences("Names", name_mentions(topic), articles, sides),
    ]
