"""Real digests for rendering tests: the fixture days built offline, and generated worst cases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from digest_core.dates import Window
from digest_core.editorial.pipeline import build_digest
from digest_core.fetch.ports import FeedResult
from digest_core.models import Article, Bullet, Digest, Framing, PerspectiveCount, Story
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic
from testkit.fakes.google_news import FIXTURES
from tests.labels import DAYS

__all__ = ["DAYS", "fixture_digest", "worst_case"]


class FixtureSource:
    """A `FeedSource` serving one fixture day's saved Google News feeds (no network)."""

    def __init__(self, day: str) -> None:
        self.day = day

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        return [
            FeedResult(p, o, "fixture", body=(FIXTURES / self.day / f"{o.domains[0]}.xml").read_bytes())
            for p, o in topic.all_outlets
        ]


def fixture_digest(topic: Topic, day: str, previous: Digest | None = None) -> Digest:
    """The fixture day's digest as the offline summarizer builds it."""
    when = date.fromisoformat(day)
    now = datetime(when.year, when.month, when.day, 6, tzinfo=UTC)
    return asyncio.run(build_digest(topic, when, FixtureSource(day), ExtractiveSummarizer(), now, previous))


def _long(prefix: str, k: int, words: int) -> str:
    """A unique headline-like text of `words` words (a word of it names `prefix` and `k`)."""
    return f"{prefix}{k} " + " ".join(f"{prefix.lower()}word{k}x{i}" for i in range(words))


def worst_case(
    n_articles: int = 20, sides: int = 2, per_story: int = 2, hostile: bool = True, title_words: int = 45
) -> Digest:
    """A day of `n_articles` articles with 300-character headlines and long-winded, multi-line
    summarizer text: stories of `per_story` articles from consecutive sides (1: all one-sided)."""
    names = ["China", "Japan", "South Korea", "Taiwan"][:sides]
    ids = [n.lower().replace(" ", "-") for n in names]
    moment = datetime(2026, 2, 25, 3, tzinfo=UTC)
    noise = "\n\t\x00\x1b[31m\u202e" if hostile else ""
    articles = [
        Article(
            title=(_long("Headline", n, title_words) + noise)[:300],
            url=f"https://news.google.com/rss/articles/{'CBMi' + 'x' * 300}{n}?oc=5",
            outlet=f"Outlet {n % 5}",
            domain="example.com",
            perspective=ids[(n - 1) % sides],
            published=moment - timedelta(hours=n),
            n=n,
        )
        for n in range(1, n_articles + 1)
    ]
    stories = []
    for first in range(1, n_articles + 1, per_story):
        members = list(range(first, min(first + per_story, n_articles + 1)))
        framing = []
        for side in dict.fromkeys(articles[m - 1].perspective for m in members):
            own = [m for m in members if articles[m - 1].perspective == side]
            text = _long("Framing", own[0], 150) + noise + "\nsecond line of the model's answer"
            framing.append(Framing(perspective=side, text=text, citations=own))
        stories.append(
            Story(
                title=articles[members[0] - 1].title,
                articles=members,
                framing=framing,
                label="dispute" if len(framing) > 1 else "one-sided",
                status="continuing",
                day=12,
            )
        )
    bullets = {
        side: [
            Bullet(text=_long(f"Point{side}", k, 150) + noise, citations=[a.n])
            for k, a in enumerate([a for a in articles if a.perspective == side][:5])
        ]
        for side in ids
    }
    return Digest(
        topic="china-japan",
        topic_name="China vs Japan",
        date=date(2026, 2, 25),
        language="en-US",
        window_start=moment - timedelta(days=1),
        window_end=moment,
        generated_at=moment,
        summarizer="gemini",
        model="gemini-2.5-flash",
        perspectives=[
            PerspectiveCount(id=i, name=n, count=sum(a.perspective == i for a in articles))
            for i, n in zip(ids, names, strict=True)
        ],
        highlights=[Bullet(text=_long("Highlight", k, 150) + noise, citations=[k, k + 1]) for k in range(1, 6)],
        perspective_highlights=bullets,
        articles=articles,
        stories=stories,
        vanished=[_long("Gone", k, 60) for k in range(3)],
    )
