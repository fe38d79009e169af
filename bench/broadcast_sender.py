"""The paid-broadcast fan-out's sender, in a process of its own (so that it can be killed mid-run):
`digestbot run`'s Telegram sender with `TELEGRAM_PAID_BROADCAST=true`.

    python -m bench.broadcast_sender DATABASE_URL TELEGRAM_BASE_URL WORKER CONCURRENCY

It takes the token's sender lock (taking over a dead sender's deliveries), delivers until nothing
is left, and prints one JSON line: its peak memory, CPU, longest event-loop stall and GC pause.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import sys
import time
from datetime import timedelta

from telegram.ext import ExtBot

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.publisher import TelegramPublisher
from adapters.telegram.ratelimit import TelegramRateLimiter
from bench.report import rss_mb
from bench.watches import GcWatch, LoopWatch, RssWatch
from bot.runner import prefer_the_loop, settle_collector
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.sender_lock import lock_key, sender_lock
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.storage.db import create_engine
from digest_core.storage.digests import SqlDigestStore
from testkit.fakes.telegram import TOKEN


async def main(database: str, base_url: str, worker: str, concurrency: int) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    engine = create_engine(database)
    limiter = TelegramRateLimiter.for_paid_broadcast(True)
    # As build_application configures the bot's request (the pool for calls).
    bot = ExtBot(TOKEN, base_url=base_url, rate_limiter=limiter, request=AiohttpRequest(connection_pool_size=64))
    await bot.initialize()
    ledger = DeliveryLedger(engine, lease=timedelta(minutes=10))
    deliverer = Deliverer(
        ledger,
        SqlDigestStore(engine),
        SubscriptionStore(engine),
        {"telegram": TelegramPublisher(bot, paid_broadcast=True)},
        worker,
        concurrency=concurrency,
        backoff=timedelta(seconds=1),
        locks={"telegram": sender_lock(engine, lock_key("telegram", TOKEN), worker)},
    )
    rss_before = rss_mb()
    settle_collector()  # as `digestbot run` does once started
    started, cpu_before = time.perf_counter(), time.process_time()
    # As `digestbot run`: prefer_the_loop (threads hand the interpreter lock back within 1 ms).
    async with prefer_the_loop():
        with LoopWatch() as watch, GcWatch() as gc_watch, RssWatch() as rss:
            while await ledger.pending_count():  # drain, then wait for retries that are not due yet
                await deliverer.drain()
                await asyncio.sleep(0.2)
    report = {
        "time s": time.perf_counter() - started,
        "CPU s": time.process_time() - cpu_before,
        "RSS MB before": rss_before,
        "peak RSS MB": rss.peak,
        "longest event-loop stall ms": watch.worst * 1000,
        "longest garbage-collection pause ms": gc_watch.worst * 1000,
        "longest garbage-collection pause CPU ms": gc_watch.worst_cpu * 1000,
        "full garbage collections": gc_watch.full,
        "429 answers retried": limiter.retry_afters,
    }
    await deliverer.release()
    await bot.shutdown()
    await engine.dispose()
    print(json.dumps(report), flush=True)


def run(argv: list[str]) -> None:
    """`main`; with BENCH_PROFILE=FILE, under cProfile timed by the loop thread's CPU (not the wall
    clock, which a loaded machine inflates), its stats written to `FILE.WORKER`."""
    work = main(argv[1], argv[2], argv[3], int(argv[4]))
    profile = os.environ.get("BENCH_PROFILE")
    if not profile:
        asyncio.run(work)
        return
    profiler = cProfile.Profile(time.thread_time)
    try:
        profiler.runcall(asyncio.run, work)
    finally:
        profiler.dump_stats(f"{profile}.{argv[3]}")


if __name__ == "__main__":
    run(sys.argv)
