"""CPU-bound work runs off the event loop's thread (worker threads, or the service's worker process): feed parsing (both
collection paths), selection, the site page and the coverage chart. Checked with a profile hook on
the loop's thread recording which functions ran there (structural, no timing)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.site_pages import CHART_FILE, publish_page
from digest_core.dates import Window, digest_window
from digest_core.editorial.gazetteer import _city_counts
from digest_core.editorial.names import _name_index
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.feed_parsing import collect, parse_results
from digest_core.fetch.ports import FeedResult
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from digest_core.usecases.service import DigestService
from digest_core.workers import WORKER_NICENESS, run_cpu, start_worker_process, stop_worker_process, worker_pid
from testkit.fakes.google_news import FIXTURES

DAY = date(2026, 2, 25)
CPU_BOUND = {"parse_feed", "select_articles", "render_markdown", "render_trend_png", "_city_counts"}


class FixtureFeeds:
    """A `FeedSource` answering every outlet with its fixture feed of `DAY`."""

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        return [
            FeedResult(p, o, "fixture", body=(FIXTURES / DAY.isoformat() / f"{o.domains[0]}.xml").read_bytes())
            for p, o in topic.all_outlets
        ]


@contextmanager
def calls_on_this_thread(names: set[str]) -> Iterator[set[str]]:
    """Which of `names` are called on the current thread (the loop's) inside the block."""
    seen: set[str] = set()

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name in names:
            seen.add(frame.f_code.co_name)

    sys.setprofile(hook)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def test_the_hook_sees_work_done_on_this_thread(topic: Topic) -> None:
    results = [
        FeedResult(p, o, "fixture", body=(FIXTURES / DAY.isoformat() / f"{o.domains[0]}.xml").read_bytes())
        for p, o in topic.all_outlets
    ]
    with calls_on_this_thread(CPU_BOUND) as seen:
        articles, _ = parse_results(results, topic)
    assert articles
    assert seen == {"parse_feed"}


async def test_news_sources_parse_feeds_off_the_loop(topic: Topic) -> None:
    _name_index.cache_clear()  # the topic's first relevance rule reads the gazetteer: also off the loop
    _city_counts.cache_clear()
    with calls_on_this_thread(CPU_BOUND) as seen:
        articles, failed = await NewsSources([FixtureFeeds()]).collect(topic, digest_window(topic, DAY))
    assert articles and not failed
    assert seen == set()


async def test_a_plain_feed_source_is_parsed_off_the_loop(topic: Topic) -> None:
    with calls_on_this_thread(CPU_BOUND) as seen:
        articles, _ = await collect(topic, FixtureFeeds(), DAY)
    assert articles
    assert seen == set()


async def test_build_page_and_chart_run_off_the_loop(engine: AsyncEngine, tmp_path: Path) -> None:
    topics = load_topics()
    topic = topics.get("china-japan")
    store = SqlDigestStore(engine)
    now = datetime(2026, 2, 26, tzinfo=UTC)
    service = DigestService(topics, FixtureFeeds(), ExtractiveSummarizer(), store, lambda: now)
    with calls_on_this_thread(CPU_BOUND) as seen:
        result = await service.get_or_build(topic, DAY)
        page = await publish_page(tmp_path, store, topic, result.digest)
    assert result.stored and page.exists()
    assert (tmp_path / topic.id / CHART_FILE).read_bytes().startswith(b"\x89PNG")
    assert seen == set()


async def test_the_worker_process_parses_the_same_articles(topic: Topic) -> None:
    window = digest_window(topic, DAY)
    in_thread, _ = await NewsSources([FixtureFeeds()]).collect(topic, window)
    await start_worker_process()
    try:
        with calls_on_this_thread(CPU_BOUND) as seen:
            in_process, failed = await NewsSources([FixtureFeeds()]).collect(topic, window)
    finally:
        stop_worker_process()
    assert in_process == in_thread and not failed
    assert seen == set()


async def test_the_worker_process_starts_at_once_at_lower_priority() -> None:
    pid = await start_worker_process()
    try:
        assert pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
        assert await run_cpu(worker_pid) == pid  # the steps run in the process started here
    finally:
        stop_worker_process()
    assert await run_cpu(worker_pid) == os.getpid()  # back to threads
