"""The story evaluation (issue #25): the fixture days and the hand-labelled eval days built offline,
and what their stories say: titles, what happened, side lines named by outlet, changed signals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

from rapidfuzz import fuzz

from digest_core.dates import Window
from digest_core.editorial.captions import LABEL_TEXT, status_text
from digest_core.editorial.outline import outlet_names, post_outline
from digest_core.editorial.pipeline import build_digest
from digest_core.models import Article, Digest, FailedSource
from digest_core.summarize import ExtractiveSummarizer
from digest_core.text import normalized
from digest_core.topics import Topic
from tests.digests import DAYS, fixture_digest
from tests.eval_set import eval_days, eval_items

NEAR_COPY = 80  # rapidfuzz ratio at which a sentence copies a headline


class EvalSource:
    """An `ArticleSource` giving one eval day's articles, each feed description read as its lead."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    async def collect(self, topic: Topic, window: Window) -> tuple[list[Article], list[FailedSource]]:
        return list(self.articles), []


def eval_digests(topic: Topic) -> list[tuple[str, Digest, Digest | None]]:
    """Every evaluated day's digest and the digest it was compared with (the day before, if built)."""
    out: list[tuple[str, Digest, Digest | None]] = [(day, fixture_digest(topic, day), None) for day in DAYS]
    previous: Digest | None = None
    for day in eval_days():
        when = date.fromisoformat(day)
        articles = [i.article.model_copy(update={"lead": i.article.summary}) for i in eval_items(topic, day)]
        now = datetime(when.year, when.month, when.day, 6, tzinfo=UTC)
        digest = asyncio.run(build_digest(topic, when, EvalSource(articles), ExtractiveSummarizer(), now, previous))
        out.append((day, digest, previous))
        previous = digest
    return out


@dataclass(frozen=True)
class StoryFigures:
    stories: int
    titled: int  # a title, not a status line
    multi_outlet: int  # stories of two outlets or more
    neutral: int  # ... whose title copies no headline (ratio < NEAR_COPY)
    top: int  # stories both sides cover
    top_with_leads: int  # ... with at least one lead
    happened: int  # ... of those, with a sentence of what happened
    sentences: int  # sentences of what happened and highlights taken from leads
    not_copies: int  # ... that copy no headline
    side_lines: int  # side lines of the posts' top stories
    named: int  # ... that name the outlets they cite
    statuses: int  # stories given a status (new / continuing)
    false_changed: int  # a status where there is nothing to compare with, or "continuing" for a new event

    def __add__(self, other: StoryFigures) -> StoryFigures:
        return StoryFigures(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))


def _copies(text: str, headlines: list[str]) -> bool:
    said = normalized(text)
    return any(fuzz.ratio(said, normalized(h)) >= NEAR_COPY for h in headlines)


def story_figures(digest: Digest, previous: Digest | None, continuing_truth: set[int]) -> StoryFigures:
    """The figures of one digest; `continuing_truth`: the numbers of its stories that truly continue
    a story of `previous`."""
    headlines = [a.title for a in digest.articles]
    statuses = {normalized(t) for t in LABEL_TEXT.values()} | {"new", "continuing"}
    titled = [s for s in digest.stories if s.title.strip() and normalized(s.title) not in statuses]
    multi = [s for s in digest.stories if len({digest.article(n).outlet for n in s.articles}) > 1]
    neutral = [s for s in multi if not _copies(s.title, headlines)]
    top = [s for s in digest.stories if len(digest.sides(s)) > 1]
    with_leads = [s for s in top if any(digest.article(n).lead for n in s.articles)]
    from_leads = [b.text for s in digest.stories for b in s.happened]
    from_leads += [b.text for b in digest.highlights if any(digest.article(n).lead for n in b.citations)]
    lines = [
        (line, story)
        for story in post_outline(digest).top_stories
        for line in story.lines
        if not line.text.startswith("Also reported by")
    ]
    named = [line for line, _ in lines if line.text.startswith(outlet_names(digest, line.citations) + ": ")]
    given = [k for k, s in enumerate(digest.stories, start=1) if status_text(s)]
    false = [
        k
        for k, s in enumerate(digest.stories, start=1)
        if (previous is None and s.status)
        or (previous is not None and (s.status == "continuing") != (k in continuing_truth))
    ]
    return StoryFigures(
        stories=len(digest.stories),
        titled=len(titled),
        multi_outlet=len(multi),
        neutral=len(neutral),
        top=len(top),
        top_with_leads=len(with_leads),
        happened=sum(1 for s in with_leads if s.happened),
        sentences=len(from_leads),
        not_copies=sum(1 for t in from_leads if not _copies(t, headlines)),
        side_lines=len(lines),
        named=len(named),
        statuses=len(given),
        false_changed=len(false),
    )
