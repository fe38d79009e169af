"""Is an article on-topic? A rule on the names in its headline, read from the topic's config.

An article is on-topic when its headline (and summary, when the feed has a distinct one) names
at least two perspectives by their aliases, or names one perspective together with one of the
topic's shared issues. "China bans dual-use exports to Japan" names both sides; "Japan to deploy
missiles near Taiwan" names one side and an issue; "Historic blizzard paralyzes U.S." names none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from digest_core.models import Article
from digest_core.topics import Topic

_HYPHENS = re.compile(r"[-‐‑‒–—]")
_APOSTROPHES = re.compile(r"[’‘`´]")


def _fold(text: str) -> str:
    """Hyphens as spaces and plain apostrophes, so `rare-earth` matches `rare earth`."""
    return _APOSTROPHES.sub("'", _HYPHENS.sub(" ", text))


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a list of names: whole words, optional plural or possessive ending.

    All-capital names (PLA, LDP) match case-sensitively; the others ignore case.
    """
    parts = []
    for term in sorted({_fold(t).strip() for t in terms if t.strip()}, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in term.split())
        flag = "" if term.isupper() and len(term) > 1 else "(?i:"
        parts.append(f"{flag}{body})" if flag else body)
    if not parts:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?:s|es)?(?:'s?)?(?![\w])")


@dataclass(frozen=True)
class Relevance:
    """Which perspectives and whether an issue a text names, and the verdict."""

    sides: frozenset[str]
    issue: bool

    @property
    def on_topic(self) -> bool:
        return len(self.sides) >= 2 or (len(self.sides) == 1 and self.issue)

    @property
    def strength(self) -> int:
        """A rank: more sides named, and an issue named, make a stronger match."""
        return len(self.sides) * 2 + int(self.issue)


class RelevanceRule:
    """The on-topic rule compiled for one topic."""

    def __init__(self, topic: Topic) -> None:
        self._sides = [(p.id, _compiled(tuple(p.aliases))) for p in topic.perspectives]
        self._issues = _compiled(tuple(topic.issues))

    def judge_text(self, text: str) -> Relevance:
        folded = _fold(text)
        sides = frozenset(pid for pid, pat in self._sides if pat is not None and pat.search(folded))
        issue = bool(self._issues and self._issues.search(folded))
        return Relevance(sides, issue)

    def judge(self, article: Article) -> Relevance:
        text = article.title if not article.summary else f"{article.title}\n{article.summary}"
        return self.judge_text(text)


@cache
def _compiled(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    return _pattern(terms)
