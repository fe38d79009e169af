"""Choosing a digest's articles: window, relevance, de-duplication, ranking and per-side quotas."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from digest_core.dates import Window
from digest_core.editorial.editor import Judgement
from digest_core.editorial.explain import Reasons, Verdict, explain_articles
from digest_core.editorial.importance import rank_stories, story_importance
from digest_core.editorial.opinion import mark_opinion
from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.stories import group_stories
from digest_core.editorial.story_relevance import story_companions
from digest_core.editorial.story_titles import neutral_title
from digest_core.models import Article, Story
from digest_core.topics import Topic

_NON_WORD = re.compile(r"[^\w]+")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|ocid|cmpid)$", re.IGNORECASE)
SAME_HEADLINE = 92.0  # rapidfuzz ratio (0-100) above which one outlet's two headlines are one


@dataclass(frozen=True)
class Selection:
    """The numbered articles of a digest, its stories, and what was dropped on the way."""

    articles: list[Article]
    stories: list[Story]
    fetched: int
    in_window: int
    on_topic: int
    duplicates: int
    verdicts: list[Verdict] = field(default_factory=list)


def in_window(articles: Iterable[Article], window: Window) -> list[Article]:
    return [a for a in articles if a.published in window]


def _headline_key(title: str) -> str:
    return _NON_WORD.sub(" ", title.casefold()).strip()


def canonical_url(url: str) -> str:
    """A URL compared loosely: no scheme, `www.`, fragment, tracking parameters or trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return f"{host}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


def _blocks(outlet: str, key: str) -> list[tuple[str, str]]:
    """Where to look for an outlet's near-identical headline: its first and its last three words.
    An edit small enough to stay above `SAME_HEADLINE` rarely touches both ends."""
    words = key.split()
    return [(outlet, "^" + " ".join(words[:3])), (outlet, " ".join(words[-3:]) + "$")]


def drop_repeats(articles: Sequence[Article]) -> list[Article]:
    """Keep one of each outlet's repeated headline and one of each URL (publisher URLs compared loosely).

    Of repeats, the one with a publisher URL is kept (an outlet's own feed over its Google News
    redirect), then the newest. Each headline is compared only with the kept headlines of its
    outlet that share its first or last three words.
    """
    return find_repeats(articles)[0]


def find_repeats(articles: Sequence[Article]) -> tuple[list[Article], dict[int, Article]]:
    """`drop_repeats`, and for each dropped article (by `id()`) the kept article it repeats."""
    from rapidfuzz import fuzz, process  # lazy: RAPIDFUZZ_COST; selection runs in the service's worker

    kept: list[Article] = []
    url_owner: dict[str, Article] = {}
    blocks: dict[tuple[str, str], tuple[list[str], list[Article]]] = {}
    repeats: dict[int, Article] = {}
    ordered = sorted(articles, key=lambda a: (a.publisher_url is not None, a.published), reverse=True)
    for article in ordered:
        key = _headline_key(article.title)
        urls = {article.url, canonical_url(article.link)}
        where = _blocks(article.outlet, key)
        same = next((url_owner[u] for u in urls if u in url_owner), None)
        for block in where if same is None else ():
            keys, owners = blocks.get(block, ([], []))
            match = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=SAME_HEADLINE)
            if match is not None:
                same = owners[match[2]]
                break
        if same is not None:
            repeats[id(article)] = same
            continue
        kept.append(article)
        url_owner.update(dict.fromkeys(urls, article))
        for block in where:
            keys, owners = blocks.setdefault(block, ([], []))
            keys.append(key)
            owners.append(article)
    return kept, repeats


def _fill_quota(ranked: Sequence[Article], quota: int) -> list[Article]:
    """Up to `quota` articles, taking each outlet's best in turn so that no outlet crowds out the rest."""
    queues: dict[str, list[Article]] = {}
    for article in ranked:
        queues.setdefault(article.outlet, []).append(article)
    chosen: list[Article] = []
    while len(chosen) < quota and any(queues.values()):
        round_ = [q.pop(0) for q in queues.values() if q]
        chosen.extend(round_[: quota - len(chosen)])
    return chosen


def editor_groups(articles: Sequence[Article], judgement: Judgement) -> list[list[int]]:
    """Stories as the editor grouped them (an article it gave no story is a story of its own)."""
    by_key: dict[object, list[int]] = {}
    for i, a in enumerate(articles):
        by_key.setdefault(judgement.story.get(a.url, ("alone", i)), []).append(i)
    return sorted(by_key.values(), key=lambda g: (-len({articles[i].outlet for i in g}), -len(g), min(g)))


def select_articles(
    articles: Sequence[Article], topic: Topic, window: Window, judgement: Judgement | None = None
) -> Selection:
    """Window, relevance (each article on its own, then with its story), repeats, stories, ranking
    and quotas; articles numbered 1..N. With an editor's `judgement`, its verdicts and stories
    replace the rules' for the articles it judged."""
    rule = RelevanceRule(topic)
    windowed = in_window(articles, window)
    judged = {id(a): rule.judge(a) for a in windowed}
    model = judgement or Judgement()
    companions = {} if model.on_topic else story_companions(windowed, judged, topic)
    relevant = [a for a in windowed if model.on_topic.get(a.url, judged[id(a)].on_topic or id(a) in companions)]
    unique, repeats = find_repeats(relevant)

    groups = editor_groups(unique, model) if model.story else group_stories(unique, topic)
    story_of = {i: s for s, group in enumerate(groups) for i in group}
    outlets_in_story = [len({unique[i].outlet for i in g}) for g in groups]

    def rank(i: int) -> tuple[float, ...]:
        a = unique[i]
        return (-outlets_in_story[story_of[i]], -judged[id(a)].strength, -a.published.timestamp())

    order = sorted(range(len(unique)), key=rank)
    picked: set[int] = set()
    for p in topic.perspectives:
        ranked = [unique[i] for i in order if unique[i].perspective == p.id]
        picked.update(id(a) for a in _fill_quota(ranked, topic.quota_for(p)))

    # Stories of the chosen articles, most important first (`importance.story_importance`).
    marked = {i: mark_opinion(unique[i]) for i in range(len(unique)) if id(unique[i]) in picked}
    kept_groups = [[i for i in g if i in marked] for g in groups]
    kept_groups = [g for g in kept_groups if g]
    by_importance = [kept_groups[k] for k in rank_stories([[marked[i] for i in g] for g in kept_groups], window.end)]
    story_rank = {i: r for r, g in enumerate(by_importance) for i in g}

    # Source-list order: by perspective, then story (most important first), then newest first.
    position = {p.id: k for k, p in enumerate(topic.perspectives)}
    chosen = sorted(
        marked, key=lambda i: (position[unique[i].perspective], story_rank[i], -unique[i].published.timestamp())
    )
    numbered = [marked[i].model_copy(update={"n": n}) for n, i in enumerate(chosen, start=1)]
    number_of = {i: n for n, i in enumerate(chosen, start=1)}
    stories: list[Story] = []
    story_number: dict[int, int] = {}
    story_reasons: dict[int, str] = {}
    for members in by_importance:
        story_number.update(dict.fromkeys(members, len(stories) + 1))
        importance = story_importance([marked[i] for i in members], window.end)
        story_reasons[len(stories) + 1] = importance.reason
        title = neutral_title([unique[i] for i in members], topic)
        stories.append(Story(title=title, articles=sorted(number_of[i] for i in members)))
    verdicts = explain_articles(
        articles,
        Reasons(
            window=window,
            judged=judged,
            repeats=repeats,
            kept={id(unique[i]): (n, story_number[i]) for i, n in number_of.items()},
            quota={p.id: topic.quota_for(p) for p in topic.perspectives},
            story_reasons=story_reasons,
            model={id(a): model.reasons[a.url] for a in windowed if a.url in model.reasons},
            companions=companions,
        ),
    )
    return Selection(
        articles=numbered,
        stories=stories,
        fetched=len(articles),
        in_window=len(windowed),
        on_topic=len(relevant),
        duplicates=len(relevant) - len(unique),
        verdicts=verdicts,
    )
