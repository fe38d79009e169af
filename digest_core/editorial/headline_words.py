"""Headline words for comparing stories: content words (stop words and the sides' own names
dropped, crude stemming, news-verb synonyms folded), and the names the sides use for the same thing
(`same_as` in the topics file) folded into one term."""

from __future__ import annotations

import re
from functools import cache

from digest_core.editorial.names import fold
from digest_core.editorial.sentences import sentences
from digest_core.topics import Topic

_WORD = re.compile(r"[a-z0-9]+")

_STOP_TEXT = """
    a about above after again against all also am amid an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same says
    said say she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will
    with would you your new news year years day days week month report reports according via
    near amidst despite toward towards upon within without latest first last one two three
    tension tensions row rows spat feud concern concerns relations ties
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# News verbs and nouns that mean the same thing in headlines about measures and disputes.
_SYNONYMS = {
    "curb": "restrict",
    "ban": "restrict",
    "restriction": "restrict",
    "tighten": "restrict",
    "blacklist": "restrict",
    "sanction": "restrict",
    "limit": "restrict",
    "control": "restrict",
    "embargo": "restrict",
    "slap": "restrict",
    "bar": "restrict",
    "protest": "protest",
    "condemn": "protest",
    "denounce": "protest",
    "slam": "protest",
    "lambast": "protest",
    "criticize": "protest",
    "criticise": "protest",
    "rebuke": "protest",
    "military": "military",
    "defense": "military",
    "defence": "military",
    "army": "military",
    "missile": "missile",
    "missiles": "missile",
    "export": "export",
    "exports": "export",
    "firm": "company",
    "entity": "company",
    "companies": "company",
    "company": "company",
    "automaker": "carmaker",
    "licenc": "licens",
}


def stem(word: str) -> str:
    """A crude English stemmer: enough to match `bans`/`ban`, `tightening`/`tightens`."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes")):
                continue
            if suffix == "s" and word.endswith("ss"):
                continue
            word = word[: -len(suffix)] + keep
            break
    # "issue", "issued" and "issues" all end as "issu"
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


def content_words(title: str, side_names: frozenset[str]) -> frozenset[str]:
    """The distinctive words of a headline, stemmed and with synonyms folded."""
    words = set()
    for raw in _WORD.findall(fold(title).lower().replace("'s", "")):
        if raw in STOP_WORDS or raw in side_names or raw.isdigit():
            continue
        word = stem(raw)
        if word in side_names or len(word) < 2:
            continue
        words.add(_SYNONYMS.get(word, word))
    return frozenset(words)


def side_name_words(topic: Topic) -> frozenset[str]:
    """Single words of the sides' aliases: every on-topic headline has them, so they tell nothing."""
    words: set[str] = set()
    for p in topic.perspectives:
        for alias in p.aliases:
            words.update(w for w in _WORD.findall(fold(alias).lower()))
    return frozenset(words)


def same_story(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter headline's content words found in the other; 0 if fewer than two shared."""
    shared = len(a & b)
    if shared < 2:
        return 0.0
    return shared / min(len(a), len(b))


THRESHOLD = 1 / 3

_FACT_TOKEN = re.compile(r"[A-Za-z][A-Za-z']*|\d[\d,.]*\d%?|\d%?")
_CALENDAR_TEXT = """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december
"""
_CALENDAR = frozenset(_CALENDAR_TEXT.split())


def lead_facts(text: str, topic: Topic, side_names: frozenset[str]) -> frozenset[str]:
    """What a lead says that pins down an event: its proper names (capitalized words inside a
    sentence, not the sides' own names, stop words or days and months), its numbers of two or more
    characters (`40`, `3.5%`, `2,000` as `#2000`) and the topic's `same_as` names (`=senkaku`)."""
    rest, canon = canonical_terms(text, topic)
    facts = set(canon)
    for sentence in sentences(rest):
        for k, token in enumerate(_FACT_TOKEN.findall(sentence)):
            if token[0].isdigit():
                number = token.replace(",", "").rstrip(".")
                if len(number) >= 2:
                    facts.add("#" + number)
                continue
            word = token.removesuffix("'s").casefold()
            if k and token[0].isupper() and word not in STOP_WORDS | side_names | _CALENDAR and len(word) > 1:
                facts.add(word)
    return frozenset(facts)


def canonical_terms(text: str, topic: Topic) -> tuple[str, set[str]]:
    """`text` with every `same_as` name removed, and the canonical terms (`=senkaku`) it named."""
    pattern, canon = _same_as(tuple(tuple(g) for g in topic.same_as))
    if pattern is None:
        return text, set()
    terms: set[str] = set()

    def replace(m: re.Match[str]) -> str:
        terms.add(canon[m.group(0).casefold()])
        return " "

    return pattern.sub(replace, fold(text)), terms


@cache
def _same_as(groups: tuple[tuple[str, ...], ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    canon: dict[str, str] = {}
    for group in groups:
        for name in group:
            canon[fold(name).casefold()] = "=" + "_".join(_WORD.findall(fold(group[0]).lower()))
    if not canon:
        return None, canon
    names = sorted(canon, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
    return re.compile(r"(?<![\w])(?i:" + body + r")(?:s|es)?(?![\w])"), canon
