"""The `Summarizer` interface and the rules every summary must satisfy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from digest_core.models import Article, Bullet, Story, Summary
from digest_core.topics import Topic


class SummarizerError(Exception):
    """A summarizer could not produce a valid summary; the message says why (no secrets)."""


@dataclass(frozen=True)
class SummaryRequest:
    """What a summarizer works from: the topic, the numbered articles and their stories."""

    topic: Topic
    articles: list[Article]
    stories: list[Story]

    def perspective_articles(self, perspective_id: str) -> list[Article]:
        return [a for a in self.articles if a.perspective == perspective_id]


class Summarizer(Protocol):
    """Writes highlights and per-perspective bullets, each citing source numbers."""

    name: str

    async def summarize(self, request: SummaryRequest) -> Summary: ...


def _bullet_errors(where: str, bullets: list[Bullet], allowed: set[int]) -> list[str]:
    errors = []
    for k, bullet in enumerate(bullets, start=1):
        if not bullet.text.strip():
            errors.append(f"{where} bullet {k} is empty")
        if not bullet.citations:
            errors.append(f"{where} bullet {k} cites no article")
        bad = sorted(set(bullet.citations) - allowed)
        if bad:
            errors.append(f"{where} bullet {k} cites {bad}, which it may not (allowed: {sorted(allowed)})")
    return errors


def validate_summary(summary: Summary, request: SummaryRequest) -> list[str]:
    """Every problem with a summary: unknown citations, cross-perspective citations, empty sections."""
    every = {a.n for a in request.articles}
    errors = []
    if not summary.highlights:
        errors.append("overall highlights are empty")
    errors += _bullet_errors("highlights", summary.highlights, every)
    for p in request.topic.perspectives:
        own = {a.n for a in request.perspective_articles(p.id)}
        bullets = summary.perspective_highlights.get(p.id, [])
        if own and not bullets:
            errors.append(f"perspective {p.id!r} has articles but no bullets")
        errors += _bullet_errors(f"perspective {p.id!r}", bullets, own)
    unknown = set(summary.perspective_highlights) - {p.id for p in request.topic.perspectives}
    if unknown:
        errors.append(f"unknown perspectives {sorted(unknown)}")
    return errors
