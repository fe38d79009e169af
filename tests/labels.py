"""The fixture days' hand labels, joined to the articles parsed from the fixture feeds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest_core.fetch.normalize import parse_feed
from digest_core.fetch.ports import FeedResult
from digest_core.models import Article
from digest_core.topics import Topic
from testkit.fakes.google_news import FIXTURES

DAYS = ("2026-01-07", "2026-02-25")


@dataclass(frozen=True)
class Labelled:
    day: str
    n: int
    article: Article
    on_topic: bool
    borderline: bool
    duplicate_of: int | None


def day_articles(topic: Topic, day: str) -> list[Article]:
    """Everything the fixture feeds hold for one day, parsed."""
    articles: list[Article] = []
    for perspective, outlet in topic.all_outlets:
        body = (FIXTURES / day / f"{outlet.domains[0]}.xml").read_bytes()
        articles += parse_feed(FeedResult(perspective, outlet, "fixture", body=body), topic)
    return articles


def labelled(topic: Topic) -> list[Labelled]:
    rows = []
    for day in DAYS:
        by_url = {a.url: a for a in day_articles(topic, day)}
        for label in json.loads((FIXTURES / day / "labels.json").read_text())["articles"]:
            rows.append(
                Labelled(
                    day,
                    label["n"],
                    by_url[label["link"]],
                    label["on_topic"],
                    label["borderline"],
                    label["duplicate_of"],
                )
            )
    return rows


def article_at(title: str, outlet: str, side: str, hour: float, summary: str = "") -> Article:
    """An article of `outlet` (on `side`) published `hour` hours into the 2026-02-25 window."""
    return Article(
        title=title,
        url=f"https://example.com/{abs(hash((title, outlet, hour)))}",
        outlet=outlet,
        domain="example.com",
        perspective=side,
        published=datetime(2026, 2, 24, 4, tzinfo=UTC) + timedelta(hours=hour),
        summary=summary,
    )
