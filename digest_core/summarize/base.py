"""The `Summarizer` interface and the rules every summary must satisfy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from digest_core.models import Article, Bullet, Story, StoryNote, Summary
from digest_core.text import cut
from digest_core.topics import Topic

FRAMED_STORIES = 8  # stories a summarizer must frame side by side (the biggest first)
MAX_BULLET = 400  # characters of one bullet or framing line a summarizer writes
MAX_BULLETS = 8  # bullets per section


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


def _bounded_bullets(bullets: list[Bullet]) -> list[Bullet]:
    return [b.model_copy(update={"text": cut(b.text, MAX_BULLET)}) for b in bullets[:MAX_BULLETS]]


def bounded_summary(summary: Summary) -> Summary:
    """The summary with every model-written text on one line (no control characters, so no line
    can start a block on any platform) and capped: `MAX_BULLET` characters, `MAX_BULLETS` per section."""
    stories = [
        note.model_copy(
            update={"framing": [f.model_copy(update={"text": cut(f.text, MAX_BULLET)}) for f in note.framing]}
        )
        for note in summary.stories
    ]
    return summary.model_copy(
        update={
            "highlights": _bounded_bullets(summary.highlights),
            "perspective_highlights": {p: _bounded_bullets(b) for p, b in summary.perspective_highlights.items()},
            "stories": stories,
            "note": cut(summary.note, MAX_BULLET) if summary.note else summary.note,
        }
    )


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


def story_note_errors(note: StoryNote, request: SummaryRequest) -> list[str]:
    if not 1 <= note.story <= len(request.stories):
        return [f"story {note.story} does not exist"]
    story = request.stories[note.story - 1]
    by_n = {a.n: a for a in request.articles}
    sides = {by_n[n].perspective for n in story.articles}
    errors = []
    framed = [f.perspective for f in note.framing]
    if sorted(framed) != sorted(sides):
        errors.append(f"story {note.story} needs one framing line for each side covering it: {sorted(sides)}")
    for f in note.framing:
        own = {n for n in story.articles if by_n[n].perspective == f.perspective}
        if not f.text.strip():
            errors.append(f"story {note.story}: the {f.perspective} framing is empty")
        if not f.citations or not set(f.citations) <= own:
            errors.append(f"story {note.story}: the {f.perspective} framing must cite only {sorted(own)}")
    expected = "one-sided" if len(sides) == 1 else None
    if expected and note.label != expected:
        errors.append(f"story {note.story} is covered by one side only: its label must be 'one-sided'")
    if not expected and note.label not in {"agree", "dispute", "covered by both"}:
        errors.append(f"story {note.story} is covered by both sides: label it 'agree' or 'dispute'")
    return errors


def validate_story_notes(notes: list[StoryNote], request: SummaryRequest) -> list[str]:
    """Problems with story notes: each of the first `FRAMED_STORIES` stories framed once, validly."""
    errors = [e for note in notes for e in story_note_errors(note, request)]
    numbers = [n.story for n in notes]
    missing = [k for k in range(1, min(len(request.stories), FRAMED_STORIES) + 1) if k not in numbers]
    if missing:
        errors.append(f"stories {missing} have no framing")
    if len(numbers) != len(set(numbers)):
        errors.append("a story is framed twice")
    return errors


def validate_summary(summary: Summary, request: SummaryRequest) -> list[str]:
    """Every problem with a summary: unknown citations, cross-perspective citations, empty sections,
    story framing that cites another side or mislabels a one-sided story."""
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
    return errors + validate_story_notes(summary.stories, request)
