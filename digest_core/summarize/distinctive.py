"""What one side says of a story that the other side does not: the sentence to quote for its framing.

The candidates are the side's headlines and the first sentences of its leads (`LEAD_SENTENCES`,
at most `SUMMARY_LIMIT` characters). A candidate's content is its content words (stemmed, news
synonyms folded: `headline_words.content_words`) and its figures; the sentence with the most
content absent from the other sides' articles (their headlines and leads) is the side's own
claim, word choice or figure; a lead's sentence must share `ON_EVENT` terms with the story's other
articles to count (scene-setting does not). Ties go to the sentence more of the side's articles share, then to
the headline, then to the earlier article. It cites every article of the side in the story, the
quoted one first (so its outlet is named first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest_core.editorial.headline_words import content_words
from digest_core.editorial.sentences import sentences
from digest_core.editorial.story_titles import clean_headline
from digest_core.models import Article
from digest_core.summarize.lead_sentences import LEAD_SENTENCES, LeadSentence
from digest_core.text import SUMMARY_LIMIT

_FIGURE = re.compile(r"\d[\d,.]*\d|\d")
ON_EVENT = 2  # content a lead's sentence must share with the story's other articles (else: scene-setting)


def _content(text: str) -> frozenset[str]:
    return content_words(text, frozenset()) | frozenset("#" + f.replace(",", "") for f in _FIGURE.findall(text))


@dataclass(frozen=True)
class _Candidate:
    article: Article
    position: int  # 0: the headline, then the lead's sentences
    text: str
    content: frozenset[str]


def _candidates(article: Article) -> list[_Candidate]:
    texts = [clean_headline(article.title), *sentences(article.lead)[:LEAD_SENTENCES]]
    return [
        _Candidate(article, k, text, _content(text))
        for k, text in enumerate(texts)
        if text and len(text) <= SUMMARY_LIMIT and _content(text)
    ]


def distinctive_sentence(own: Sequence[Article], others: Sequence[Article]) -> LeadSentence | None:
    """The sentence of `own` (one side's articles of a story) with the most content absent from
    `others` (the other sides' articles of it), citing `own` with the quoted article first."""
    found = [c for a in own for c in _candidates(a)]
    if not found:
        return None
    theirs = frozenset().union(*(_content(a.text) for a in others)) if others else frozenset()
    bags = {a.n: _content(a.text) for a in own}

    def rest(n: int) -> frozenset[str]:
        return theirs.union(*(bag for m, bag in bags.items() if m != n))

    found = [c for c in found if c.position == 0 or len(c.content & rest(c.article.n)) >= ON_EVENT] or found

    def rank(c: _Candidate) -> tuple[int, int, int, float]:
        shared = sum(1 for a in own if a.n != c.article.n and c.content & bags[a.n])
        return (len(c.content - theirs), shared, -c.position, -c.article.published.timestamp())

    best = max(found, key=rank)
    return LeadSentence(best.text, [best.article.n, *(a.n for a in own if a.n != best.article.n)])
