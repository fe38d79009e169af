"""Grouping articles of all sides into stories: the same event, told by different outlets.

Each article becomes a bag of terms: its headline's content words, the `same_as` names of the
topic folded into one term each (Senkaku = Diaoyu), and, at half weight, the words of the outlet
feed's description (or of the lead's first sentence, when the page was read). Terms are weighted
by how rare they are that day (inverse document frequency), so "Yasukuni" or "Kanasugi" counts for
more than "talks". Two articles are the same
story when they share at least two terms and the shared weight is at least `THRESHOLD` of the
lighter headline's weight. Stories are the connected groups of that relation.

A Chinese or Japanese text is compared by the English it gives (`names.english_reading`: the
topic's `native_names`, 高市早苗 is "Sanae Takaichi"; the news words of `cjk_terms`, 水产 is
"seafood"), and every text by its numbers and dates in one form (`story_numbers`: 3万 and 30,000
are `#30000`, 1月7日 and Jan. 7 are `@01-07`). A pair of articles in two languages (one in
the digest's, one not) has its score multiplied by `CROSS_PAIR_SCALE`: a Chinese or Japanese
headline's English reading has only the words the names and the glossary know, so the share of it
that an English headline repeats says more than the same share of an English headline; such a
pair published more than `CROSS_DAYS` apart is not the same event (a number or a name recurs). The
scale was chosen on the labelled set's dev split (docs/languages.md); a second pass that scored
each story told only in other languages against each English story's terms together joined no
more rightly there at any threshold, and wrongly more, so there is none.

Articles whose pages were read are also compared by their leads' facts (`LeadFacts`): two
reports of one event whose headlines share little name the same people, places and numbers.

Only pairs that share a rare term (in at most `BLOCK_LIMIT` articles, or 1% of a big day) are
compared, from an inverted index built once: two headlines that share only common words ("Taiwan",
"exports") are not the same event, and the cost grows with the number of articles, not its square.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from digest_core.editorial.headline_words import canonical_terms, content_words, lead_facts, side_name_words
from digest_core.editorial.names import english_reading
from digest_core.editorial.sentences import lead_parts
from digest_core.editorial.story_numbers import number_keys
from digest_core.models import Article
from digest_core.topics import Topic, primary_language

THRESHOLD = 0.15
THRESHOLD_ONE_HEADLINE_TERM = 0.3  # when the headlines share one term and descriptions the rest
DESCRIPTION_WEIGHT = 0.5
MIN_SHARED = 2
LINK_SHARE = 0.5
SUPPORT = 0.5  # a pair at half the threshold supports a merge that a stronger pair starts
BLOCK_LIMIT = 20  # a term in more articles than this does not make a candidate pair on its own
BLOCK_SHARE = 100  # ... or in more than 1% of a big day's articles
LEAD_MIN_SHARED = 3  # facts (names, places, numbers) two read leads share before they can be one story
LEAD_THRESHOLD = 0.3  # ... and the share of the lighter lead's fact weight they must reach
CROSS_PAIR_SCALE = 1.7  # a pair in two languages: its score times this (chosen on the dev split)
CROSS_DAYS = 2  # ... and none when they were published more days apart than this


def story_terms(article: Article, topic: Topic, names: frozenset[str]) -> dict[str, float]:
    """The article's terms and their weights before rarity: 1 for the headline, less for the
    description (the lead's first sentence when the page was read, else the feed's description)."""
    rest, canon = canonical_terms(english_reading(article.title, topic), topic)
    terms = dict.fromkeys(content_words(rest, names) | canon | number_keys(article.title), 1.0)
    description = lead_parts(article)[0] if article.lead else article.summary
    if description:
        rest, canon = canonical_terms(english_reading(description, topic), topic)
        for term in content_words(rest, names) | canon | number_keys(description):
            terms.setdefault(term, DESCRIPTION_WEIGHT)
    return terms


def _weights(bags: Sequence[dict[str, float]]) -> tuple[list[dict[str, float]], dict[str, list[int]]]:
    """Each bag's terms weighted by rarity (inverse document frequency), and each term's articles."""
    postings: dict[str, list[int]] = {}
    for i, bag in enumerate(bags):
        for term in bag:
            postings.setdefault(term, []).append(i)
    n = len(bags)
    idf = {t: math.log((n + 1) / len(ids)) + 0.1 for t, ids in postings.items()}
    return [{t: w * idf[t] for t, w in bag.items()} for bag in bags], postings


def story_pairs(articles: Sequence[Article], topic: Topic, share: float = 1.0) -> list[tuple[int, int, float]]:
    """Every pair of articles (i < j) whose score reaches `share` of the threshold, with the score
    as a multiple of the threshold (1 or more: the same story)."""
    names = side_name_words(topic)
    bags = [story_terms(a, topic, names) for a in articles]
    weights, postings = _weights(bags)
    n = len(articles)
    home = primary_language(topic.language)
    totals = [sum(w for t, w in bag.items() if bags[i][t] == 1.0) for i, bag in enumerate(weights)]
    limit = max(BLOCK_LIMIT, n // BLOCK_SHARE)
    leads = LeadFacts(articles, topic, names)
    pairs = []
    for i, bag in enumerate(weights):
        candidates = {j for t in bag if len(postings[t]) <= limit for j in postings[t] if j > i}
        for j in candidates | leads.candidates(i, limit):
            other = weights[j]
            shared = [t for t in bag if t in other]
            in_headlines = sum(1 for t in shared if bags[i][t] == bags[j][t] == 1.0)
            score = 0.0
            if len(shared) >= MIN_SHARED and in_headlines:
                score = sum(min(bag[t], other[t]) for t in shared) / (min(totals[i], totals[j]) or 1.0)
                score /= THRESHOLD if in_headlines >= MIN_SHARED else THRESHOLD_ONE_HEADLINE_TERM
            score = max(score, leads.score(i, j))
            if _foreign(articles[i], home) != _foreign(articles[j], home):
                apart = abs(articles[i].published - articles[j].published).days
                score *= CROSS_PAIR_SCALE if apart <= CROSS_DAYS else 0.0
            if score >= share:
                pairs.append((i, j, score))
    return pairs


class LeadFacts:
    """The facts of each read lead (`lead_facts`) weighted by rarity, and how much two leads share.

    Two leads tell the same event when they share at least `LEAD_MIN_SHARED` facts and the shared
    weight is at least `LEAD_THRESHOLD` of the lighter lead's: names, places and numbers together,
    where one common name ("Xi", "Tokyo Stock Exchange") is not enough."""

    def __init__(self, articles: Sequence[Article], topic: Topic, names: frozenset[str]) -> None:
        self.facts = [
            lead_facts(english_reading(a.lead, topic), topic, names) if a.lead else frozenset() for a in articles
        ]
        self.postings: dict[str, list[int]] = {}
        for i, facts in enumerate(self.facts):
            for fact in facts:
                self.postings.setdefault(fact, []).append(i)
        n = len(articles)
        self.idf = {t: math.log((n + 1) / len(ids)) + 0.1 for t, ids in self.postings.items()}
        self.totals = [sum(self.idf[t] for t in facts) for facts in self.facts]

    def candidates(self, i: int, limit: int) -> set[int]:
        """Later articles whose leads share a rare fact with article `i`'s."""
        return {j for t in self.facts[i] if len(self.postings[t]) <= limit for j in self.postings[t] if j > i}

    def score(self, i: int, j: int) -> float:
        """The two leads' shared weight as a multiple of `LEAD_THRESHOLD` (0 when too few shared)."""
        shared = self.facts[i] & self.facts[j]
        if len(shared) < LEAD_MIN_SHARED:
            return 0.0
        lighter = min(self.totals[i], self.totals[j]) or 1.0
        return sum(self.idf[t] for t in shared) / lighter / LEAD_THRESHOLD


def group_stories(articles: Sequence[Article], topic: Topic) -> list[list[int]]:
    """Indices of `articles` grouped into stories, biggest (most outlets) first.

    Pairs join in order of score; two groups merge only when at least `LINK_SHARE` of the pairs
    between them (at least one) are the same story, so one loose pair does not chain two events.
    """
    group_of = list(range(len(articles)))
    members: dict[int, set[int]] = {i: {i} for i in range(len(articles))}
    pairs = story_pairs(articles, topic, share=SUPPORT)
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(articles))}
    for i, j, _ in pairs:
        neighbours[i].add(j)
        neighbours[j].add(i)
    for i, j, _ in sorted((p for p in pairs if p[2] >= 1.0), key=lambda p: -p[2]):
        a, b = group_of[i], group_of[j]
        if a == b:
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        links = sum(len(neighbours[x] & members[a]) for x in members[b])
        if links < math.ceil(LINK_SHARE * len(members[a]) * len(members[b])):
            continue
        for x in members[b]:
            group_of[x] = a
        members[a] |= members.pop(b)
    return sorted(
        (sorted(g) for g in members.values()),
        key=lambda g: (-len({articles[i].outlet for i in g}), -len(g), min(g)),
    )


def _foreign(article: Article, home: str) -> bool:
    """Whether the article is in another language than the digest's (`home`, a primary subtag)."""
    return article.language is not None and primary_language(article.language) != home


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
