"""Fan-out of one digest to many Telegram chats through the fake Bot API enforcing 30 messages/s.

    .venv/bin/python -m bench.telegram_fanout [--chats 1000] [--parts 1] [--via direct|ledger]

`direct` sends with the publisher from 100 concurrent tasks; `ledger` goes through the delivery
ledger and `Deliverer` on SQLite, as `digestbot run` will. Reports wall time against the
theoretical minimum (messages / 30 s), 429 answers, duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination, send_digest
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.models import Article, Bullet, Digest, PerspectiveCount
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from tests.fakes.server import ThreadedServer
from tests.fakes.telegram import FakeTelegram

DAY = date(2026, 2, 25)


def bench_digest(parts: int) -> Digest:
    """A digest of about `parts` messages (20 sources per message)."""
    moment = datetime(2026, 2, 25, 4, tzinfo=UTC)
    n = 20 * parts
    articles = [
        Article(title=f"China and Japan: headline number {i} about trade, Taiwan and the East China Sea " * 2,
                url=f"https://news.example.com/{i}", outlet="Example News", domain="news.example.com",
                perspective="china" if i % 2 else "japan", published=moment, n=i)
        for i in range(1, n + 1)
    ]
    bullets = [Bullet(text=f"Point {i} of the day's coverage.", citations=[i, i + 1]) for i in range(1, 4)]
    return Digest(topic="china-japan", topic_name="China vs Japan", date=DAY, language="en",
                  window_start=moment - timedelta(days=1), window_end=moment, generated_at=moment,
                  summarizer="extractive", perspectives=[PerspectiveCount(id="china", name="China", count=n // 2),
                                                         PerspectiveCount(id="japan", name="Japan", count=n // 2)],
                  highlights=bullets, perspective_highlights={"china": bullets, "japan": bullets}, articles=articles)


async def direct(publisher: TelegramPublisher, digest: Digest, chats: list[Destination]) -> None:
    gate = asyncio.Semaphore(100)

    async def one(destination: Destination) -> None:
        async with gate:
            await send_digest(publisher, digest, destination)

    await asyncio.gather(*(one(d) for d in chats))


async def via_ledger(publisher: TelegramPublisher, digest: Digest, chats: list[Destination], folder: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    try:
        await create_schema(engine)
        store, subs, ledger = SqlDigestStore(engine), SubscriptionStore(engine), DeliveryLedger(engine)
        await store.save(digest)
        for destination in chats:
            await subs.subscribe(destination, digest.topic)
        await ledger.create(digest.topic, DAY, [s.id for s in await subs.active_for_topic(digest.topic)])
        deliverer = Deliverer(ledger, store, subs, {"telegram": publisher}, "bench", concurrency=64,
                              backoff=timedelta(0))
        await deliverer.drain()
    finally:
        await engine.dispose()


async def run(chats_n: int, parts_n: int, via: str) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    fake = FakeTelegram(overall_limit=30)
    digest = bench_digest(parts_n)
    chats = [Destination("telegram", str(100_000 + i)) for i in range(chats_n)]
    with ThreadedServer(fake.app()) as server, tempfile.TemporaryDirectory() as tmp:
        request = AiohttpRequest(connection_pool_size=64, pool_timeout=30.0)  # as `build_application` sets it
        bot = ExtBot(fake.token, base_url=f"{server.base_url}/bot", rate_limiter=TelegramRateLimiter(max_retries=5),
                     request=request)
        await bot.initialize()
        publisher = TelegramPublisher(bot)
        parts = publisher.render(digest, chats[0])
        start = time.perf_counter()
        try:
            if via == "ledger":
                await via_ledger(publisher, digest, chats, Path(tmp))
            else:
                await direct(publisher, digest, chats)
        finally:
            elapsed = time.perf_counter() - start
            await bot.shutdown()
    messages = chats_n * len(parts)
    copies = Counter((s.chat_id, s.text) for s in fake.sent)
    duplicates = sum(c - 1 for c in copies.values() if c > 1)
    losses = sum(1 for d in chats for p in parts if (d.id, p) not in copies)
    minimum = messages / 30
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"fan-out via {via}: {chats_n} chats x {len(parts)} part(s) = {messages} messages")
    print("| time | theoretical minimum (messages / 30 s) | ratio | 429s | duplicates | losses |")
    print("|---|---|---|---|---|---|")
    ratio = elapsed / minimum
    print(f"| {elapsed:.1f} s | {minimum:.1f} s | {ratio:.2f} | {fake.too_many} | {duplicates} | {losses} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--parts", type=int, default=1, help="about how many messages the digest takes")
    parser.add_argument("--via", choices=["direct", "ledger"], default="direct")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.chats, args.parts, args.via))


if __name__ == "__main__":
    main()
