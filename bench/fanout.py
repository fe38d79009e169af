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
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.discord.client import DigestBot, configure_endpoints, run_bot
from adapters.discord.embeds import render_digest as discord_render
from adapters.telegram.bot import build_application
from adapters.telegram.render import render_digest as telegram_render
from bench.fake_platforms import DISCORD_PER_SECOND, TELEGRAM_PAID_PER_SECOND, TELEGRAM_PER_SECOND
from bench.live_service import fake_platforms
from bench.report import DOCS, machine, rss_mb, table, write_section
from bench.watches import GcWatch, LoopWatch, RssWatch
from bot.runner import prefer_the_loop, settle_collector
from digest_core.delivery.deliverer import UNKNOWN_MESSAGE, Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination, PartPublisher
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.fetch.ports import FeedResult
from digest_core.models import Digest
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.storage.tables import DeliveryRow, SubscriptionRow
from digest_core.summarize import ExtractiveSummarizer
from digest_core.topics import Topic, load_topics
from digest_core.usecases.service import DigestService
from digest_core.usecases.usecases import UseCases
from testkit.fakes.google_news import FIXTURES
from testkit.fakes.telegram import TOKEN

DELIVERY_DOCS = DOCS.with_name("delivery.md")
DAY = date(2026, 2, 25)
NOW = datetime(2026, 2, 25, 5, tzinfo=UTC)


class FixtureSource:
    async def fetch(self, topic: Topic, window: Any) -> list[FeedResult]:
        return [
            FeedResult(p, o, "fixture", body=(FIXTURES / DAY.isoformat() / f"{o.domains[0]}.xml").read_bytes())
            for p, o in topic.all_outlets
        ]


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


async def built(database: str) -> tuple[AsyncEngine, DigestService, Topic, Digest]:
    """A fresh database holding the day's digest, built from the fixtures."""
    topics = load_topics()
    topic = topics.get("china-japan")
    engine = create_engine(database)
    await create_schema(engine)
    service = DigestService(topics, FixtureSource(), ExtractiveSummarizer(), SqlDigestStore(engine), lambda: NOW)
    return engine, service, topic, (await service.get_or_build(topic, DAY)).digest


async def run(subs: int, database: str, concurrency: int) -> dict[str, Any]:
    engine, service, topic, digest = await built(database)
    store = SqlDigestStore(engine)

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
        configure_endpoints(
            f"http://127.0.0.1:{ports['discord']}/api/v10", f"ws://127.0.0.1:{ports['discord']}/gateway"
        )
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
            ledger,
            store,
            subscriptions,
            publishers,
            "bench",
            concurrency=concurrency,
            backoff=timedelta(seconds=1),
            locks=locks,
        )
        rss_before = rss_mb()
        settle_collector()  # as `digestbot run` does once started
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


async def subscribe_all(engine: AsyncEngine, platform: str, destinations: list[str], topic: str) -> None:
    """Subscribe many destinations at once (what `/subscribe` does one at a time)."""
    rows = [
        {"platform": platform, "destination": d, "thread_id": "", "topic": topic, "active": True, "created_at": NOW}
        for d in destinations
    ]
    for start in range(0, len(rows), 5000):
        async with engine.begin() as conn:
            await conn.execute(insert(SubscriptionRow), rows[start : start + 5000])


async def sender(database: str, base_url: str, worker: str, concurrency: int) -> asyncio.subprocess.Process:
    """`bench.broadcast_sender` in a process of its own."""
    # BENCH_PROFILE=FILE: the sender profiles its event loop's thread (CPU time, `broadcast_sender`)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.broadcast_sender",
        database,
        base_url,
        worker,
        str(concurrency),
        stdout=asyncio.subprocess.PIPE,
    )


async def finished(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    """What a sender process reported once it delivered everything."""
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the sender ended with {proc.returncode}")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def in_doubt(engine: AsyncEngine) -> dict[str, int]:
    """The destinations whose delivery holds a part in doubt (announced by a sender killed before
    its answer, so not sent again: the documented at-most-once rule), each with how many parts the
    platform must have received for that part to have arrived (its position, counted from 1)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(SubscriptionRow.destination, DeliveryRow.message_ids)
            .join(DeliveryRow, DeliveryRow.subscription_id == SubscriptionRow.id)
            .where(cast(DeliveryRow.message_ids, String).like(f'%"{UNKNOWN_MESSAGE}"%'))
        )
        return {d: list(ids).index(UNKNOWN_MESSAGE) + 1 for d, ids in rows.all()}


async def run_paid(subs: int, database: str, concurrency: int, kill_at: float | None) -> dict[str, Any]:
    """`subs` Telegram channels at the paid-broadcast rate (the fake accepts 1,000 msg/s), sent by
    a sender process; with `kill_at`, that process is SIGKILLed once that share of the messages
    has arrived, and a second one takes over and finishes."""
    engine, _, topic, digest = await built(database)
    chats = [str(-1002000000000 - i) for i in range(subs)]
    await subscribe_all(engine, "telegram", chats, topic.id)
    ledger = DeliveryLedger(engine)
    started = time.perf_counter()
    queued = await ledger.queue_topic(topic.id, DAY)
    rows_per_second = queued / (time.perf_counter() - started)
    parts = telegram_render(digest)
    expected = subs * len(parts)
    killed_after = None
    async with fake_platforms(0, 0, "--forget-texts") as fakes:
        base_url = f"http://127.0.0.1:{fakes.ports['telegram']}/bot"
        first = await sender(database, base_url, "sender-1", concurrency)
        if kill_at is None:
            report = await finished(first)
        else:
            # another process's count: polled
            while (killed_after := (await fakes.stats())["telegram messages"]) < kill_at * expected:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            first.kill()
            await first.wait()
            report = await finished(await sender(database, base_url, "sender-2", concurrency))
        delivered = await fakes.deliveries()
    doubtful = await in_doubt(engine)
    counts = await ledger.counts()
    await engine.dispose()
    sent, times = Counter(delivered["telegram_sent"]), sorted(delivered["telegram_times"])
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    lost = [c for c in chats if sent[c] < len(parts)]
    result: dict[str, Any] = {
        "subscriptions (Telegram channels)": subs,
        "parts per digest": len(parts),
        "deliveries in flight (concurrency)": concurrency,
        "telegram messages": len(times),
        "telegram rate msg/s (limit 1000)": rate,
        "telegram rate / limit": rate / TELEGRAM_PAID_PER_SECOND,
        "telegram span s": span,
        "minimum s (at the limit)": expected / TELEGRAM_PAID_PER_SECOND,
        "telegram 429s": delivered["telegram_429s"],
    }
    if kill_at is not None:
        result["messages when the first sender was SIGKILLed"] = killed_after
        arrived = sum(1 for c, position in doubtful.items() if sent[c] >= position)
        result["parts in doubt (announced by the killed sender, never acknowledged; not sent again)"] = len(doubtful)
        result["of those, received by the fake (in flight at the kill)"] = arrived
        result["of those, never received (lost: the at-most-once price)"] = len(doubtful) - arrived
    result |= {
        "duplicates": sum(n - len(parts) for n in sent.values() if n > len(parts)),
        "losses": len(lost),
        "losses outside the in-doubt rule": sum(1 for c in lost if c not in doubtful),
        "delivery states": counts.by_state,
        "ledger rows queued/s": rows_per_second,
        "sender CPU s": report["CPU s"],
    }
    if kill_at is None:  # the CPU a message costs the sender, and the rate that allows with a core to itself
        cpu_ms = report["CPU s"] / max(1, len(times)) * 1000
        result["sender CPU ms per message"] = cpu_ms
        result["messages/s one free core allows at that CPU"] = 1000 / cpu_ms
    result |= {
        "sender RSS MB before the fan-out": report["RSS MB before"],
        "sender peak RSS MB during the fan-out": report["peak RSS MB"],
        "longest event-loop stall ms": report["longest event-loop stall ms"],
        "longest garbage-collection pause ms": report["longest garbage-collection pause ms"],
        "longest garbage-collection pause CPU ms": report["longest garbage-collection pause CPU ms"],
        "full garbage collections": report["full garbage collections"],
    }
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, help="deliveries in flight per platform (64; paid broadcast 1024)")
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is created on that server")
    parser.add_argument("--paid-broadcast", action="store_true", help="Telegram only, at 1,000 msg/s")
    parser.add_argument("--kill-at", type=float, help="paid broadcast: SIGKILL the sender at this share of messages")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/delivery.md")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    database = "postgresql" if args.postgres else "sqlite"
    name = f"fanout-{database}-{args.subs}"
    # The build's CPU work in the worker process, as `digestbot run` does.
    async with prefer_the_loop(), scratch_database(args.postgres) as url:
        if args.paid_broadcast:
            name = f"fanout-paid-{database}-{args.subs}" + ("-killed" if args.kill_at is not None else "")
            result = await run_paid(args.subs, url, args.concurrency or 1024, args.kill_at)
        else:
            result = await run(args.subs, url, args.concurrency or 64)
    rows = [[key, f"{value:.2f}" if isinstance(value, float) else str(value)] for key, value in result.items()]
    what = "paid broadcast, " if args.paid_broadcast else ""
    killed = f", the sender SIGKILLed at {args.kill_at:.0%} of the messages" if args.kill_at is not None else ""
    text = f"{args.subs:,} subscriptions on {database}, {what}{killed.lstrip(', ')}".rstrip(", ")
    text += f". Machine: {machine()}.\n\n" + table(["measure", "value"], rows)
    print(text)
    if not args.no_docs:
        write_section(name, text, DELIVERY_DOCS)


if __name__ == "__main__":
    asyncio.run(main())
