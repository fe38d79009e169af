"""Writing the site's content: a digest's page, and its topic's section page with the coverage chart.

Rendering and drawing are CPU-bound (the chart takes a few hundred milliseconds): they run off the
event loop (`run_cpu`), and matplotlib is imported there on first use.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from adapters.markdown_site import write_page
from digest_core.editorial.trend import Trend, coverage_store, coverage_trend
from digest_core.errors import TrendError
from digest_core.models import Digest
from digest_core.storage.digests import DigestStore
from digest_core.topics import Topic
from digest_core.workers import run_cpu

CHART_DAYS = 30
CHART_FILE = "trend.png"
# The topic page's chart: shown about 360 CSS px wide on a phone, where the 150 dpi type of an
# 800 px picture reads as 12-19 px (the chat charts' 1200 px would shrink it to 8 px).
CHART_SIZE = (800, 800)


async def write_topic_section(content_dir: Path, store: DigestStore, topic: Topic, end: date) -> Path | None:
    """`CONTENT/TOPIC/_index.md` (the topic page) and its chart of the last `CHART_DAYS` days up to
    `end`, which the topic page shows; None when nothing is archived in that range."""
    section = content_dir / topic.id
    await asyncio.to_thread(_write_index, section, topic)
    try:
        trend = await coverage_trend(coverage_store(store), topic, end, CHART_DAYS)
    except TrendError:
        return None
    return await run_cpu(draw_chart, trend, section / CHART_FILE)


def _write_index(section: Path, topic: Topic) -> None:
    section.mkdir(parents=True, exist_ok=True)
    (section / "_index.md").write_text(f"---\ntitle: {json.dumps(topic.name, ensure_ascii=False)}\n---\n")


def draw_chart(trend: Trend, path: Path) -> Path:
    """The chart written to `path` (blocking: run it off the loop); matplotlib loads on first use."""
    # lazy: memory: matplotlib loads on the first chart
    from adapters.chart import DPI, write_trend_png

    return write_trend_png(trend, path, *CHART_SIZE, dpi=DPI)


async def publish_page(content_dir: Path, store: DigestStore, topic: Topic, digest: Digest) -> Path:
    """Write the digest's page and refresh its topic page's chart; the page's path."""
    path = await run_cpu(write_page, content_dir, digest)
    await write_topic_section(content_dir, store, topic, digest.date)
    return path


def page_writer(content_dir: Path, store: DigestStore) -> Callable[[Topic, Digest], Awaitable[Path]]:
    """`publish_page` bound to a content directory and archive: the publication's `PageWriter`."""

    async def write(topic: Topic, digest: Digest) -> Path:
        return await publish_page(content_dir, store, topic, digest)

    return write
