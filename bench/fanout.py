"""Fan-out benchmark: one digest to N subscriptions split across fake Telegram and fake Discord,
through the real delivery ledger, sender locks, publishers and client libraries.

The fake Telegram accepts 30 messages in any second and answers 429 beyond; the fake Discord
allows 50 requests per second (a global 429 beyond) and 5 messages per 5 s per channel (its
per-route bucket, announced in X-RateLimit-* headers). The Discord client runs as in production:
gateway connected, channels cached from GUILD_CREATE. Reports each platform's send rate against
its limit, the fan-out time against the slower platform's minimum (they send side by side), 429s,
duplicates and losses, peak memory, the longest event-loop stall, delivery rows written per
second, and the in-process handling time of `/digest` for an archived digest.

    python -m bench.fanout --subs 10000                 # SQLite
    python -m bench.fanout --subs 10000 --postgres URL  # PostgreSQL (a scratch database is created)

Each run rewrites its table in docs/delivery.md (`<!-- bench:fanout-DATABASE-SUBS -->`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.discord.client import DigestBot, configure_endpoints, run_bot
from adapters.discord.embeds import render_digest as discord_render
from adapters.telegram.bot import build_application
from adapters.telegram.render import render_digest as telegram_render
from bench.fake_platforms import DISCORD_PER_SECOND, TELEGRAM_PER_SECOND
from bench.live_service import fake_platforms
from bench.report import DOCS, machine, rss_mb, table, write_section
from bot.runner import prefer_the_loop
from digest_core.app.service import DigestService
from digest_core.app.usecases import UseCases
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination, PartPublisher
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.sources.google_news import FeedResult
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from tests.fakes.google_news import FIXTURES
from tests.fakes.telegram import TOKEN

DELIVERY_DOCS = DOCS.with_name("delivery.md")
DAY = date(2026, 2, 25)
NOW = datetime(2026, 2, 25, 5, tzinfo=UTC)


class FixtureSource:
    async def fetch(self, topic: Topic, window: Any) -> list[FeedResult]:
        return [
            FeedResult(p, o, "fixture", body=(FIXTURES / DAY.isoformat() / f"{o.domains[0]}.xml").read_bytes())
            for p, o in topic.all_outlets
        ]


class GcWatch:
    """The longest garbage-collection pause (a stall of its own kind)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.worst = max(self.worst, time.perf_counter() - self._started)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


class RssWatch:
    """The highest resident memory of this process, sampled every 50 ms from a thread."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssWatch:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


class LoopWatch:
    """The longest time the event loop was late to wake a 10 ms sleeper (a stall)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.01
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - due)

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@asynccontextmanager
async def scratch_database(postgres: str | None, name: str = "bench") -> AsyncIterator[str]:
    """The URL of an empty database for one run, dropped after it: a scratch database on the
    `postgres` server when given, else a SQLite file in a temporary folder."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / f'{name}.db'}"
        return
    scratch = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(postgres, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE {scratch}"))
        yield postgres.rsplit("/", 1)[0] + f"/{scratch}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        await admin.dispose()


async def run(subs: int, database: str, concurrency: int) -> dict[str, Any]:
    topics = load_topics()
    topic = topics.get("china-japan")
    engine = create_engine(database)
    await create_schema(engine)
    store = SqlDigestStore(engine)
    service = DigestService(topics, FixtureSource(), ExtractiveSummarizer(), store, lambda: NOW)
    digest = (await service.get_or_build(topic, DAY)).digest

    chats = [str(-1002000000000 - i) for i in range(subs // 2)]
    channels = [930000000000000000 + i for i in range(subs - len(chats))]
    subscriptions = SubscriptionStore(engine)
    for chat in chats:
        await subscriptions.subscribe(Destination("telegram", chat), topic.id)
    for cid in channels:
        await subscriptions.subscribe(Destination("discord", str(cid)), topic.id)
    ids = [s.id for s in await subscriptions.active_for_topic(topic.id)]
    usecases = UseCases(service, subscriptions)

    ledger = DeliveryLedger(engine, lease=timedelta(minutes=10))
    started = time.perf_counter()
    await ledger.create(topic.id, DAY, ids)
    rows_per_second = len(ids) / (time.perf_counter() - started)

    async with fake_platforms(len(channels), 0) as fakes:
        ports = fakes.ports
        discord_token = ports["discord_token"]
        configure_endpoints(f"http://127.0.0.1:{ports['discord']}/api/v10", f"ws://127.0.0.1:{ports['discord']}/gateway")
        app, tg_publisher = build_application(TOKEN, usecases, f"http://127.0.0.1:{ports['telegram']}/bot")
        await app.initialize()
        client = DigestBot(usecases, guild_ready_timeout=0.05)
        stop = asyncio.Event()
        gateway = asyncio.create_task(run_bot(client, discord_token, stop))
        await asyncio.wait_for(client.wait_until_ready(), 60)
        cached = sum(1 for cid in channels if client.get_channel(cid) is not None)
        publishers: dict[str, PartPublisher] = {"telegram": tg_publisher, "discord": client.publisher}
        locks = {
            "telegram": sender_lock(engine, lock_key("telegram", TOKEN), "bench"),
            "discord": sender_lock(engine, lock_key("discord", discord_token), "bench"),
        }
        deliverer = Deliverer(
            ledger, store, subscriptions, publishers, "bench", concurrency=concurrency,
            backoff=timedelta(seconds=1), locks=locks,
        )
        rss_before = rss_mb()
        gc.freeze()  # as `digestbot run` does once started: a full collection no longer walks start-up objects
        started = time.perf_counter()
        cpu_before = time.process_time()
        with LoopWatch() as watch, GcWatch() as gc_watch, RssWatch() as rss:
            while await ledger.pending_count():  # drain, then wait for retries that are not due yet
                await deliverer.drain()
                await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        await deliverer.release()
        stop.set()
        await gateway
        await app.shutdown()
        delivered = await fakes.deliveries()

    tg_parts, dc_parts = telegram_render(digest), discord_render(digest)
    tg_sent, dc_sent = Counter(delivered["telegram_sent"]), Counter(delivered["discord_sent"])
    tg_times, dc_times = delivered["telegram_times"], delivered["discord_times"]
    dc_requests = delivered["discord_requests"]
    tg_span = max(tg_times) - min(tg_times) if len(tg_times) > 1 else 0.0
    dc_span = max(dc_times) - min(dc_times) if len(dc_times) > 1 else 0.0
    tg_minimum = len(chats) * len(tg_parts) / TELEGRAM_PER_SECOND
    dc_minimum = dc_requests / DISCORD_PER_SECOND
    tg_rate = (len(tg_times) - 1) / tg_span if tg_span else 0.0
    dc_rate = (len(dc_times) - 1) / dc_span if dc_span else 0.0
    minimum = max(tg_minimum, dc_minimum)  # side by side: the slower platform's share

    latencies = []
    for _ in range(300):
        t0 = time.perf_counter()
        stored = (await service.get_or_build(topic, DAY, requester="bench")).digest
        telegram_render(stored)
        discord_render(stored)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    counts = await ledger.counts()
    await engine.dispose()
    return {
        "subscriptions": len(ids),
        "telegram messages": len(tg_times),
        "discord messages": sum(dc_sent.values()),
        "discord requests": dc_requests,
        "discord channels cached from the gateway": cached,
        "telegram rate msg/s (limit 30)": tg_rate,
        "telegram rate / limit": tg_rate / TELEGRAM_PER_SECOND,
        "discord rate req/s (limit 50)": dc_rate,
        "discord rate / limit": dc_rate / DISCORD_PER_SECOND,
        "telegram span s": tg_span,
        "discord span s": dc_span,
        "time s": elapsed,
        "CPU s of the sender process": cpu,
        "minimum s (slower platform at its limit)": minimum,
        "minimum / time": minimum / elapsed,
        "telegram 429s": delivered["telegram_429s"],
        "discord 429s": delivered["discord_429s"],
        "duplicates": sum(n - len(tg_parts) for n in tg_sent.values() if n > len(tg_parts))
        + sum(n - len(dc_parts) for n in dc_sent.values() if n > len(dc_parts)),
        "losses": sum(1 for c in chats if tg_sent[c] < len(tg_parts))
        + sum(1 for c in channels if dc_sent[str(c)] < len(dc_parts)),
        "delivery states": counts.by_state,
        "ledger rows/s": rows_per_second,
        "sender RSS MB before the fan-out": rss_before,
        "sender peak RSS MB during the fan-out": rss.peak,
        "longest event-loop stall ms": watch.worst * 1000,
        "longest garbage-collection pause ms": gc_watch.worst * 1000,
        "/digest p50 ms": statistics.median(latencies),
        "/digest p99 ms": latencies[int(len(latencies) * 0.99) - 1],
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64, help="deliveries in flight per platform")
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is created on that server")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/delivery.md")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # The build's CPU work in the worker process, as `digestbot run` does.
    async with prefer_the_loop(), scratch_database(args.postgres) as url:
        result = await run(args.subs, url, args.concurrency)
    database = "postgresql" if args.postgres else "sqlite"
    rows = [[key, f"{value:.2f}" if isinstance(value, float) else str(value)] for key, value in result.items()]
    text = f"{args.subs:,} subscriptions on {database}. Machine: {machine()}.\n\n" + table(["measure", "value"], rows)
    print(text)
    if not args.no_docs:
        write_section(f"fanout-{database}-{args.subs}", text, DELIVERY_DOCS)


if __name__ == "__main__":
    asyncio.run(main())
