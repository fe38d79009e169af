"""The offline summarizer: deterministic bullets from the stories' own words. When pages were read,
each bullet is the sentence of the leads that best states what happened (`lead_sentences`), citing
the articles that support it; without leads, the most representative headline (cut at 160
characters)."""

from __future__ import annotations

from digest_core.editorial.stories import central_title
from digest_core.models import Article, Bullet, Framing, StoryNote, Summary
from digest_core.summarize.base import SummaryRequest
from digest_core.summarize.distinctive import distinctive_sentence
from digest_core.summarize.lead_sentences import best_sentence
from digest_core.text import headline

MAX_BULLETS = 5


def _coverage(articles: list[Article], request: SummaryRequest) -> str:
    parts = []
    for p in request.topic.perspectives:
        k = sum(1 for a in articles if a.perspective == p.id)
        if k:
            parts.append(f"{k} {p.name}")
    return " and ".join(parts) + (" report" if len(articles) == 1 else " reports")


def side_articles(request: SummaryRequest, story_articles: list[int], perspective: str) -> list[int]:
    by_n = {a.n: a for a in request.articles}
    return [n for n in story_articles if by_n[n].perspective == perspective]


def side_bullet(request: SummaryRequest, own: list[int]) -> Bullet:
    """What one side's articles of a story say: the best sentence of their leads (citing those that
    support it), else their most representative headline (citing them all)."""
    by_n = {a.n: a for a in request.articles}
    found = best_sentence([by_n[n] for n in own])
    if found:
        return Bullet(text=_sentence(found.text), citations=found.citations)
    title = central_title([n - 1 for n in own], request.articles, request.topic)
    return Bullet(text=_sentence(headline(title)), citations=own)


def happened(members: list[Article]) -> list[Bullet]:
    """What happened in a story: the sentence of its leads its articles agree on (none without leads)."""
    found = best_sentence(members)
    return [Bullet(text=_sentence(found.text), citations=found.citations)] if found else []


def story_notes(request: SummaryRequest) -> list[StoryNote]:
    """Per story, what happened (`happened`) and each covering side's line: for a story two or more
    sides cover, the sentence that side says and the others do not (`distinctive_sentence`),
    quoted; else the side's own sentence (`side_bullet`). Labelled `one-sided` or `covered by both`
    (never a guessed agree/dispute)."""
    by_n = {a.n: a for a in request.articles}
    notes = []
    for k, story in enumerate(request.stories, start=1):
        members = [by_n[n] for n in story.articles]
        sides = [p.id for p in request.topic.perspectives if any(a.perspective == p.id for a in members)]
        framing = []
        for side in sides:
            own = [a for a in members if a.perspective == side]
            quoted = (
                distinctive_sentence(own, [a for a in members if a.perspective != side]) if len(sides) > 1 else None
            )
            if quoted:
                framing.append(Framing(perspective=side, text=quoted.text, citations=quoted.citations, quote=True))
            else:
                said = side_bullet(request, [a.n for a in own])
                framing.append(Framing(perspective=side, text=said.text, citations=said.citations))
        label = "one-sided" if len(framing) == 1 else "covered by both"
        notes.append(StoryNote(story=k, framing=framing, label=label, happened=happened(members)))
    return notes


class ExtractiveSummarizer:
    """One highlight per story (the best sentence of its leads; without leads its most representative
    headline, with each other covering side's own headline as contrast, or who covered it), per
    perspective one bullet per story that side covered, and per story each side's own sentence."""

    name = "extractive"

    async def summarize(self, request: SummaryRequest) -> Summary:
        return self.summarize_now(request)

    def summarize_now(self, request: SummaryRequest) -> Summary:
        by_n = {a.n: a for a in request.articles}
        highlights = []
        for story in request.stories[:MAX_BULLETS]:
            members = [by_n[n] for n in story.articles]
            found = best_sentence(members)
            if found:
                highlights.append(Bullet(text=_sentence(found.text), citations=found.citations))
            else:
                highlights.append(Bullet(text=_highlight(members, request), citations=story.articles))
        sections: dict[str, list[Bullet]] = {}
        for p in request.topic.perspectives:
            bullets: list[Bullet] = []
            for story in request.stories:
                own = [n for n in story.articles if by_n[n].perspective == p.id]
                if own and len(bullets) < MAX_BULLETS:
                    bullets.append(side_bullet(request, own))
            sections[p.id] = bullets
        return Summary(
            highlights=highlights,
            perspective_highlights=sections,
            summarizer=self.name,
            stories=story_notes(request),
        )


def _highlight(members: list[Article], request: SummaryRequest) -> str:
    """A story as a highlight: its most representative headline and, when other sides covered it,
    each other side's own headline as contrast. One-sided: who reported it."""
    title = central_title([a.n - 1 for a in members], request.articles, request.topic)
    sides = [p for p in request.topic.perspectives if any(a.perspective == p.id for a in members)]
    if len(sides) < 2:
        return _sentence(f"{headline(title).rstrip('.')} ({_coverage(members, request)})")
    lead = next(a.perspective for a in members if a.title == title)
    parts = [f"{headline(title).rstrip('.')} ({next(p.name for p in sides if p.id == lead)})"]
    for p in sides:
        if p.id != lead:
            own = [a.n - 1 for a in members if a.perspective == p.id]
            contrast = headline(central_title(own, request.articles, request.topic))
            parts.append(f"{p.name}: {contrast.rstrip('.')}")
    return _sentence("; ".join(parts))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.rstrip("\"'”’)").endswith((".", "!", "?", "…")) else text + "."
