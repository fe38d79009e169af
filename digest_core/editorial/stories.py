"""Grouping articles of all sides into stories: the same event, told by different outlets.

Headlines are reduced to content words (stop words and the sides' own names dropped, crude
stemming, a few news-verb synonyms folded together); two articles belong to the same story when
they share at least two content words making up at least a third of the shorter headline's words.
Stories are the connected groups of that relation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations

from digest_core.editorial.relevance import _fold
from digest_core.models import Article
from digest_core.topics import Topic

_WORD = re.compile(r"[a-z0-9]+")

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "amid",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "says",
        "said",
        "say",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "new",
        "news",
        "year",
        "years",
        "day",
        "days",
        "week",
        "month",
        "report",
        "reports",
        "according",
        "via",
        "near",
        "amidst",
        "despite",
        "toward",
        "towards",
        "upon",
        "within",
        "without",
        "latest",
        "first",
        "last",
        "one",
        "two",
        "three",
    ]
)

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
    words = set()
    for raw in _WORD.findall(_fold(title).lower().replace("'s", "")):
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
            words.update(w for w in _WORD.findall(_fold(alias).lower()))
    return frozenset(words)


def same_story(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter headline's content words found in the other; 0 if fewer than two shared."""
    shared = len(a & b)
    if shared < 2:
        return 0.0
    return shared / min(len(a), len(b))


THRESHOLD = 1 / 3


def group_stories(articles: Sequence[Article], topic: Topic) -> list[list[int]]:
    """Indices of `articles` grouped into stories, biggest (most outlets) first."""
    names = side_name_words(topic)
    words = [content_words(a.title, names) for a in articles]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in combinations(range(len(articles)), 2):
        if same_story(words[i], words[j]) >= THRESHOLD:
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        groups.setdefault(root(i), []).append(i)
    return sorted(
        groups.values(),
        key=lambda g: (-len({articles[i].outlet for i in g}), -len(g), min(g)),
    )


def central_title(indices: Sequence[int], articles: Sequence[Article], topic: Topic) -> str:
    """The headline that shares most words with the rest of its story (ties: the earliest)."""
    names = side_name_words(topic)
    words = {i: content_words(articles[i].title, names) for i in indices}
    best = max(
        indices,
        key=lambda i: (
            sum(len(words[i] & words[j]) for j in indices if j != i),
            -articles[i].published.timestamp(),
        ),
    )
    return articles[best].title
