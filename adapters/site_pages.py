"""Writing the site's content: a digest's page, and its topic's section page with the coverage chart."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from adapters.chart import write_trend_png
from adapters.markdown_site import write_page
from digest_core.editorial.trend import TrendError, coverage_store, coverage_trend
from digest_core.models import Digest
from digest_core.storage.digests import DigestStore
from digest_core.topics import Topic

CHART_DAYS = 30
CHART_FILE = "trend.png"


async def write_topic_section(content_dir: Path, store: DigestStore, topic: Topic, end: date) -> Path | None:
    """`CONTENT/TOPIC/_index.md` (the topic page) and its chart of the last `CHART_DAYS` days up to
    `end`, which the topic page shows; None when nothing is archived in that range."""
    section = content_dir / topic.id
    section.mkdir(parents=True, exist_ok=True)
    (section / "_index.md").write_text(f"---\ntitle: {json.dumps(topic.name, ensure_ascii=False)}\n---\n")
    try:
        trend = await coverage_trend(coverage_store(store), topic, end, CHART_DAYS)
    except TrendError:
        return None
    return write_trend_png(trend, section / CHART_FILE)


async def publish_page(content_dir: Path, store: DigestStore, topic: Topic, digest: Digest) -> Path:
    """Write the digest's page and refresh its topic page's chart; the page's path."""
    path = write_page(content_dir, digest)
    await write_topic_section(content_dir, store, topic, digest.date)
    return path


def page_writer(content_dir: Path, store: DigestStore) -> Callable[[Topic, Digest], Awaitable[Path]]:
    """`publish_page` bound to a content directory and archive: the publication's `PageWriter`."""

    async def write(topic: Topic, digest: Digest) -> Path:
        return await publish_page(content_dir, store, topic, digest)

    return write
