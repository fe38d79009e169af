"""The sentence of a story's leads that best states what happened, and the articles that support it.

An extractive method in the manner of LexRank (degree centrality), across articles rather than
within one document: each sentence of each article's lead (its first `LEAD_SENTENCES`) is a TF-IDF
vector of its content words; a sentence's centrality is the sum of its cosine similarities to the
sentences of the story's *other* articles, so the winner is what the outlets agree happened, not
one outlet's scene-setting. Earlier sentences of a lead weigh a little more (a lead opens with the
news). A sentence that nearly copies any of the story's headlines (rapidfuzz ratio at least
`NEAR_HEADLINE`) is never chosen: the digest already shows the headline. It cites the articles
with a sentence at least `SUPPORT` similar to it. Own code rather than `sumy`: sumy's tokenizers
need NLTK's punkt data downloaded at run time, and its summarizers rank one document's sentences,
not sentences by how many other articles back them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digest_core.editorial.headline_words import content_words
from digest_core.editorial.sentences import NEAR_HEADLINE as NEAR_HEADLINE  # re-exported
from digest_core.editorial.sentences import copies_headline, sentences
from digest_core.models import Article
from digest_core.text import SUMMARY_LIMIT

LEAD_SENTENCES = 4  # sentences of each lead considered: the news is told first
MIN_CHARS = 40  # shorter sentences are datelines, bylines or fragments
SUPPORT = 0.2  # cosine similarity at which another article's sentence supports the chosen one
POSITION_DECAY = 0.15  # each later sentence of a lead weighs this much less


@dataclass(frozen=True)
class LeadSentence:
    """A sentence taken from a lead, and the source numbers of the articles that support it."""

    text: str
    citations: list[int]


@dataclass(frozen=True)
class _Candidate:
    article: Article
    position: int
    text: str
    vector: dict[str, float]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    if not dot:
        return 0.0
    return dot / (math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values())))


def _candidates(articles: Sequence[Article]) -> list[_Candidate]:
    """Every eligible sentence of the articles' leads, as TF-IDF vectors over the story's sentences."""
    headlines = [a.title for a in articles]
    raw: list[tuple[Article, int, str, frozenset[str]]] = []
    for article in articles:
        for k, sentence in enumerate(sentences(article.lead)[:LEAD_SENTENCES]):
            words = content_words(sentence, frozenset())
            if MIN_CHARS <= len(sentence) <= SUMMARY_LIMIT and words and not copies_headline(sentence, headlines):
                raw.append((article, k, sentence, words))
    df = Counter(w for *_, words in raw for w in words)
    n = len(raw)
    return [
        _Candidate(article, k, text, {w: math.log((n + 1) / df[w]) + 1.0 for w in words})
        for article, k, text, words in raw
    ]


def best_sentence(articles: Sequence[Article]) -> LeadSentence | None:
    """The sentence of the articles' leads that best states what happened (None without leads, or
    when every sentence is too short, too long or a copy of a headline)."""
    found = _candidates(articles)
    if not found:
        return None

    def rank(c: _Candidate) -> tuple[float, float, int]:
        centrality = sum(_cosine(c.vector, o.vector) for o in found if o.article.n != c.article.n)
        prior = 1.0 - POSITION_DECAY * c.position
        return ((1.0 + centrality) * prior, -c.article.published.timestamp(), -c.position)

    best = max(found, key=rank)
    supporters = {best.article.n} | {
        o.article.n for o in found if o.article.n != best.article.n and _cosine(best.vector, o.vector) >= SUPPORT
    }
    return LeadSentence(best.text, [a.n for a in articles if a.n in supporters])
