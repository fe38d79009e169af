"""The offline summarizer: deterministic bullets from the stories' own headlines."""

from __future__ import annotations

from digest_core.models import Article, Bullet, Summary
from digest_core.stories import central_title
from digest_core.summarize.base import SummaryRequest

MAX_BULLETS = 5


def _coverage(articles: list[Article], request: SummaryRequest) -> str:
    parts = []
    for p in request.topic.perspectives:
        k = sum(1 for a in articles if a.perspective == p.id)
        if k:
            parts.append(f"{k} {p.name}")
    return " and ".join(parts) + (" report" if len(articles) == 1 else " reports")


class ExtractiveSummarizer:
    """One highlight per story (its most representative headline, with who covered it), and per
    perspective one bullet per story that side covered, citing that side's articles."""

    name = "extractive"

    async def summarize(self, request: SummaryRequest) -> Summary:
        return self.summarize_now(request)

    def summarize_now(self, request: SummaryRequest) -> Summary:
        by_n = {a.n: a for a in request.articles}
        highlights = []
        for story in request.stories[:MAX_BULLETS]:
            members = [by_n[n] for n in story.articles]
            highlights.append(
                Bullet(
                    text=_sentence(f"{story.title.rstrip('.')} ({_coverage(members, request)})"),
                    citations=story.articles,
                )
            )
        sections: dict[str, list[Bullet]] = {}
        for p in request.topic.perspectives:
            bullets: list[Bullet] = []
            for story in request.stories:
                own = [n for n in story.articles if by_n[n].perspective == p.id]
                if own and len(bullets) < MAX_BULLETS:
                    title = central_title([n - 1 for n in own], request.articles, request.topic)
                    bullets.append(Bullet(text=_sentence(title), citations=own))
            sections[p.id] = bullets
        return Summary(highlights=highlights, perspective_highlights=sections, summarizer=self.name)


def _sentence(headline: str) -> str:
    headline = headline.strip()
    return headline if headline.endswith((".", "!", "?")) else headline + "."
