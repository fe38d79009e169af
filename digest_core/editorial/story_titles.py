"""A neutral title per story: the phrase its articles agree on, not one outlet's headline.

Every clause of each article's headline and of its lead's first sentence (split at `;`, `:`, a
dash, `|` or a comma) gives candidate phrases: the clause, and each of its beginnings that ends
before a linking word (`with`, `over`, `amid`, `to`...). A phrase scores the agreement of its
terms (`headline_words.content_words`, `same_as` names folded): each term counts one for every
*other* outlet whose headline or lead names it (1.5 from the other side), and a term no other
outlet uses (a loaded word, one outlet's detail) costs `UNSHARED_COST`. A figure no other outlet
gives is left out ("40 Japanese entities" when another side says 20). The best phrase that is no
article's whole headline becomes the title, capitalised, without opinion markers or trailing
punctuation. A story of a single article keeps its headline, cleaned the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest_core.editorial.headline_words import canonical_terms, content_words, side_name_words
from digest_core.editorial.sentences import copies_headline, lead_parts
from digest_core.models import Article
from digest_core.text import HEADLINE_LIMIT, cut, one_line
from digest_core.topics import Topic

UNSHARED_COST = 1.0  # what a term only its own outlet uses costs a phrase
OTHER_SIDE = 1.5  # a term the other side also uses counts this much per outlet
WORD_COST = 0.05  # a little per word: the shorter of two equal phrases
MIN_WORDS = 3
_CLAUSES = re.compile(r"\s*(?:;|:\s|\s[-–—]\s|\s\|\s|,\s)\s*")
_BREAK_WORDS = frozenset(
    [
        "with",
        "over",
        "amid",
        "after",
        "as",
        "in",
        "on",
        "for",
        "against",
        "by",
        "from",
        "of",
        "to",
        "at",
        "and",
        "but",
        "while",
        "despite",
        "following",
        "ahead",
        "says",
        "said",
        "before",
        "into",
        "under",
        "via",
        "off",
        "near",
        "between",
        "through",
        "across",
        "toward",
        "towards",
    ]
)
_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(r"^\$?\d[\d,.]*%?$")
_MARKER = re.compile(
    r"^\s*(?:[\w.'’&-]+\s+){0,3}(?:editorials?|opinions?|commentary|op-?eds?|columns?|viewpoints?|analysis|letters?)"
    r"\s*(?:[:|]|\s[-–—]\s)\s*|\s*(?:[:|]|\s[-–—]\s)\s*(?:[\w.'’&-]+\s+){0,3}"
    r"(?:editorials?|opinions?|commentary|op-?eds?|columns?|viewpoints?|reports?)\s*[.!]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Phrase:
    text: str
    tier: int  # 1: a whole clause or a clause's beginning; 0: cut before words only its outlet uses
    score: float


def clean_headline(title: str) -> str:
    """A headline as a title: one line, without an opinion or `- reports` marker, quotes or a
    final full stop, first letter capitalised, cut at `HEADLINE_LIMIT`."""
    text = one_line(title)
    stripped = _MARKER.sub("", text).strip()
    text = stripped or text
    text = text.strip(" \"'“”‘’").rstrip(" .;:,") or one_line(title)
    return cut(text[:1].upper() + text[1:], HEADLINE_LIMIT)


def _texts(article: Article) -> list[str]:
    """The headline and the lead's first sentence (or the feed's description), cleaned."""
    first = lead_parts(article)[0]
    return [clean_headline(article.title)] + ([first.rstrip(". ")] if first else [])


def _phrases(text: str) -> list[str]:
    """Each clause of `text` and its beginnings that end before a linking word."""
    out = []
    for clause in _CLAUSES.split(text):
        tokens = _TOKEN.findall(clause)
        for end in range(MIN_WORDS, len(tokens)):
            if tokens[end].casefold().strip("\"'“”‘’(") in _BREAK_WORDS:
                out.append(" ".join(tokens[:end]))
        if len(tokens) >= MIN_WORDS:
            out.append(" ".join(tokens))
    return out


def _numbers(text: str) -> set[str]:
    return {t.strip("$%.,").replace(",", "") for t in _TOKEN.findall(text) if _NUMBER.match(t.strip(".,;:"))}


def _without_lone_figures(phrase: str, shared: set[str]) -> str:
    """The phrase without the figures no other outlet gives (the rest of the phrase kept)."""
    kept = []
    for token in _TOKEN.findall(phrase):
        bare = token.strip(".,;:")
        if _NUMBER.match(bare) and bare.strip("$%").replace(",", "") not in shared:
            continue
        kept.append(token)
    return " ".join(kept)


def _trimmed(phrase: str, others: frozenset[str], terms: Callable[[str], frozenset[str]]) -> str:
    """The phrase without the words at its end that no other outlet uses, nor a linking word."""
    tokens = _TOKEN.findall(phrase)
    while len(tokens) > MIN_WORDS:
        last = tokens[-1].casefold().strip("\"'“”‘’(),.")
        found = terms(tokens[-1])
        if last in _BREAK_WORDS or (found and not found & others):
            tokens.pop()
        else:
            break
    return " ".join(tokens)


def neutral_title(articles: Sequence[Article], topic: Topic) -> str:
    """The story's neutral title (see the module's docstring); one article: its cleaned headline."""
    if not articles:
        return ""
    if len({a.outlet for a in articles}) < 2:
        return clean_headline(articles[0].title)
    side_words = side_name_words(topic)

    def terms(text: str) -> frozenset[str]:
        rest, canon = canonical_terms(text, topic)
        return content_words(rest, side_words) | frozenset(canon)

    texts = [_texts(a) for a in articles]
    bags = [frozenset().union(*(terms(t) for t in ts)) for ts in texts]
    figures = [set().union(*(_numbers(t) for t in ts)) for ts in texts]
    headlines = [a.title for a in articles] + [ts[0] for ts in texts]
    best: _Phrase | None = None
    for i, article in enumerate(articles):
        others = [j for j, a in enumerate(articles) if a.outlet != article.outlet]
        shared_figures = set().union(*(figures[j] for j in others))
        own = frozenset().union(*(bags[j] for j in others))
        for raw in _phrases(texts[i][0]):
            whole = _without_lone_figures(raw, shared_figures)
            phrase = _trimmed(whole, own, terms)
            found = terms(phrase)
            size = len(_TOKEN.findall(phrase))
            if size < MIN_WORDS or not found or copies_headline(phrase, headlines):
                continue
            score = -WORD_COST * size
            for term in found:
                sides = {articles[j].outlet: articles[j].perspective for j in others if term in bags[j]}
                support = sum(OTHER_SIDE if side != article.perspective else 1.0 for side in sides.values())
                score += support or -UNSHARED_COST
            tier = int(phrase == whole)  # a phrase cut before its outlet's own words comes second
            if score > 0 and (best is None or (tier, score) > (best.tier, best.score)):
                best = _Phrase(phrase, tier, score)
    title = clean_headline(best.text) if best else _trimmed_headline(articles, bags, terms)
    return title or next((t for t in (clean_headline(a.title) for a in articles) if t), "")


def _trimmed_headline(
    articles: Sequence[Article], bags: list[frozenset[str]], terms: Callable[[str], frozenset[str]]
) -> str:
    """No agreed phrase: the headline whose words the others share most, without the words no other
    article uses (so no outlet's own words), its ends trimmed of linking words."""

    def shared(i: int) -> int:
        return sum(len(bags[i] & bags[j]) for j in range(len(articles)) if j != i)

    i = max(range(len(articles)), key=lambda k: (shared(k), -k))
    others = frozenset().union(*(bags[j] for j in range(len(articles)) if articles[j].outlet != articles[i].outlet))
    kept = [t for t in _TOKEN.findall(clean_headline(articles[i].title)) if not terms(t) or terms(t) & others]
    while kept and kept[-1].casefold() in _BREAK_WORDS:
        kept.pop()
    if len(kept) < MIN_WORDS:
        return clean_headline(articles[i].title)
    return clean_headline(" ".join(kept))
