"""Requests to Google per digest for Google News link decoding, on the fixture days.

Each fixture day is built twice through the production wiring (`bot.wiring.make_source`, a scratch
SQLite database) against the loopback fake of Google News (RSS search, article pages,
batchexecute), and the fake counts what was asked: article page GETs and batchexecute POSTs,
against the links decoded. The second build shows the cache.

    python -m bench.google_requests         # rewrites its table in docs/sources.md
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.report import machine, table, write_section
from bot.settings import Settings
from bot.wiring import make_source
from digest_core.dates import digest_window
from digest_core.editorial.pipeline import build_digest
from digest_core.fetch.google_links import BATCH_SIZE
from digest_core.storage.db import create_engine, create_schema
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import load_topics
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import ThreadedServer

SOURCES_DOCS = Path(__file__).resolve().parent.parent / "docs" / "sources.md"
DAYS = (date(2026, 1, 7), date(2026, 2, 25))


async def one_day(day: date, folder: Path) -> list[str]:
    """The day's row: links decoded, kept articles, page GETs, POSTs, requests per link, the second build's."""
    topic = load_topics().get("china-japan")
    fake = GoogleNewsFake()
    engine = create_engine(f"sqlite+aiosqlite:///{folder / f'{day}.db'}")
    await create_schema(engine)
    try:
        with ThreadedServer(fake.app()) as server:
            settings = Settings(google_news_base_url=server.base_url, data_dir=folder, publisher_links_interval=0)
            now = digest_window(topic, day).end + timedelta(hours=1)
            async with httpx.AsyncClient(timeout=10) as client:
                summarizer = ExtractiveSummarizer()
                digest = await build_digest(topic, day, make_source(settings, client, engine), summarizer, now)
                gets, posts = fake.links.page_gets, fake.links.posts
                await build_digest(topic, day, make_source(settings, client, engine), summarizer, now)
                again = fake.links.page_gets + fake.links.posts - gets - posts
    finally:
        await engine.dispose()
    decoded = sum(1 for ids in fake.links.posted for _ in ids)
    kept = sum(1 for a in digest.articles if a.publisher_url)
    return [
        day.isoformat(),
        str(decoded),
        f"{kept} of {len(digest.articles)}",
        str(gets),
        str(posts),
        f"{(gets + posts) / max(decoded, 1):.2f}",
        str(again),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/sources.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [await one_day(day, Path(tmp)) for day in DAYS]
    capped = 150
    text = (
        f"Fixture days through `make_source`, decoding against the loopback fake (`python -m "
        f"bench.google_requests`). Machine: {machine()}.\n\n"
        + table(
            [
                "day",
                "links decoded",
                "kept with publisher link",
                "page GETs",
                "batchexecute POSTs",
                "requests per link",
                "requests on the 2nd build",
            ],
            rows,
        )
        + f"\n\nA build that decodes the cap of {capped} links makes {capped} page GETs and "
        f"{math.ceil(capped / BATCH_SIZE)} POSTs ({BATCH_SIZE} ids per POST): at the default "
        f"PUBLISHER_LINKS_INTERVAL of 1 s, about {capped + math.ceil(capped / BATCH_SIZE)} s, once; "
        "later builds of the day ask only for links they have not seen."
    )
    print(text)
    if not args.no_docs:
        write_section("google-requests", text, SOURCES_DOCS)


if __name__ == "__main__":
    asyncio.run(main())
