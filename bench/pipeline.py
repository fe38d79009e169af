"""Pipeline benchmark: offline stages on 7 outlets x 100 items, and concurrent fetching end to end.

Run with `make bench` (or `python -m bench.pipeline`). Prints one table; figures go in the README.
"""

from __future__ import annotations

import asyncio
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

import httpx

from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from digest_core.dates import digest_window
from digest_core.editorial.pipeline import build_digest, collect
from digest_core.editorial.select import select_articles
from digest_core.models import Article
from digest_core.sources.google_news import FeedResult, GoogleNewsSource
from digest_core.sources.normalize import parse_feed
from digest_core.summarize import ExtractiveSummarizer, SummaryRequest
from digest_core.topics import Topic, load_topics
from tests.fakes.google_news import GoogleNewsFake, rss
from tests.fakes.server import ThreadedServer

DAY = date(2026, 2, 25)
SUBJECTS = ["export controls", "Taiwan remarks", "rare earths", "seafood ban", "coast guard patrols",
            "military drills", "tourism", "chip equipment", "Senkaku islands", "diplomatic talks"]
NOISE = ["Historic blizzard hits the US", "Stocks rally on tech earnings", "Local festival draws crowds",
         "Football club signs striker", "New smartphone unveiled"]


def synthetic_feed(outlet: str, domain: str, n: int, rng: random.Random) -> bytes:
    """`n` Google-News-shaped items: a third on-topic variations, the rest noise, spread over 2 days."""
    end = datetime(2026, 2, 25, 4, tzinfo=UTC)
    items = []
    for i in range(n):
        if i % 3 == 0:
            kind = rng.choice(["row", "dispute", "talks"])
            title = f"China and Japan clash over {rng.choice(SUBJECTS)} as {kind} {i}"
        else:
            title = f"{rng.choice(NOISE)} ({i})"
        when = end - timedelta(minutes=rng.randrange(0, 48 * 60))
        items.append(
            f"<item><title>{escape(title)} - {escape(outlet)}</title>"
            f"<link>https://news.google.com/rss/articles/{domain}-{i}?oc=5</link>"
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
            f"<description>{escape(title)}</description>"
            f'<source url="https://{domain}">{escape(outlet)}</source></item>'.encode()
        )
    return rss(items)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time in ms over `runs` calls, and the last result."""
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def offline(topic: Topic, runs: int = 20) -> list[tuple[str, float]]:
    rng = random.Random(7)
    feeds = [(p, o, synthetic_feed(o.name, o.domains[0], 100, rng)) for p, o in topic.all_outlets]
    window = digest_window(topic, DAY)

    def parse() -> list[Article]:
        out: list[Article] = []
        for p, o, body in feeds:
            out += parse_feed(FeedResult(p, o, "bench", body=body), topic)
        return out

    t_parse, articles = timed(parse, runs)
    t_select, selection = timed(lambda: select_articles(articles, topic, window), runs)
    request = SummaryRequest(topic, selection.articles, selection.stories)
    t_sum, _ = timed(lambda: ExtractiveSummarizer().summarize_now(request), runs)

    async def whole() -> Any:
        return await build_digest(topic, DAY, _Static(feeds), ExtractiveSummarizer(), datetime.now(UTC))

    digest = asyncio.run(whole())
    t_md, _ = timed(lambda: render_markdown(digest), runs)
    t_json, _ = timed(lambda: render_json(digest), runs)
    return [
        (f"parse + normalize {len(articles)} items (7 feeds)", t_parse),
        (f"select + cluster -> {len(selection.articles)} articles, {len(selection.stories)} stories", t_select),
        ("extractive summary", t_sum),
        ("render Markdown page", t_md),
        ("render JSON", t_json),
    ]


class _Static:
    def __init__(self, feeds: list[Any]) -> None:
        self.feeds = feeds

    async def fetch(self, topic: Topic, window: Any) -> list[FeedResult]:
        return [FeedResult(p, o, "bench", body=b) for p, o, b in self.feeds]


def end_to_end(topic: Topic, latency: float, faults: dict[str, list[str]] | None = None, runs: int = 3) -> float:
    fake = GoogleNewsFake(latency=latency, faults=faults or {})
    samples = []
    with ThreadedServer(fake.app()) as server:
        for _ in range(runs):
            fake.faults = {k: list(v) for k, v in (faults or {}).items()}

            async def go() -> None:
                async with httpx.AsyncClient(timeout=5) as client:
                    source = GoogleNewsSource(client, server.base_url, attempts=3, backoff=0.5)
                    _, failed = await collect(topic, source, DAY)
                    assert not failed

            start = time.perf_counter()
            asyncio.run(go())
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    topic = load_topics().get("china-japan")
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("\n| offline stage (7 outlets x 100 items) | median ms |\n|---|---:|")
    for name, ms in offline(topic):
        print(f"| {name} | {ms:.1f} |")
    print("\n| fetch 7 outlets, fake server +300 ms per request | seconds |\n|---|---:|")
    print(f"| sequential sum of latencies (what it would cost one by one) | {7 * 0.3:.2f} |")
    print(f"| concurrent, all answer | {end_to_end(topic, 0.3):.2f} |")
    retried = end_to_end(topic, 0.3, {"scmp.com": ["503", "ok"]})
    print(f"| concurrent, one outlet 503 once then OK (backoff 0.5 s) | {retried:.2f} |")


if __name__ == "__main__":
    main()
